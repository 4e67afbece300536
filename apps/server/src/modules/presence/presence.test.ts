import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['romeo', 'juliet', 'tybalt', 'mercutio']) await h.createUser(name);
});
afterAll(() => h.stop());

const isPresence = (type: string, from?: string) => (el: Element) =>
  el.name === 'presence' && (el.attrs.type ?? 'available') === type && (from === undefined || (el.attrs.from as string).startsWith(from));
const rosterPush = (jid: string, subscription: string) => (el: Element) =>
  el.name === 'iq' && el.getChild('query', NS.ROSTER)?.getChild('item')?.attrs.jid === jid && el.getChild('query', NS.ROSTER)?.getChild('item')?.attrs.subscription === subscription;

async function online(name: string, resource = 'r'): Promise<TestSession> {
  const session = await h.connect(name, resource);
  await session.query(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER })));
  await session.sendStanza(xml('presence'));
  await session.next(isPresence('available', `${name}@localhost/${resource}`)); // §4.2.2: own presence comes back
  return session;
}

describe('presence subscriptions (RFC 6121 §3) and presence (§4)', () => {
  it('subscribes both ways, then each sees the other come and go', async () => {
    const romeo = await online('romeo');
    const juliet = await online('juliet');

    await romeo.sendStanza(xml('presence', { to: 'juliet@localhost', type: 'subscribe' }));
    await romeo.next(rosterPush('juliet@localhost', 'none')); // ask='subscribe'
    const request = await juliet.next(isPresence('subscribe', 'romeo@localhost'));
    expect(request.attrs.from).toBe('romeo@localhost'); // bare JID (§3.1.2)

    await juliet.sendStanza(xml('presence', { to: 'romeo@localhost', type: 'subscribed' }));
    await juliet.next(rosterPush('romeo@localhost', 'from'));
    await romeo.next(rosterPush('juliet@localhost', 'to'));
    await romeo.next(isPresence('subscribed', 'juliet@localhost'));
    await romeo.next(isPresence('available', 'juliet@localhost/r')); // §3.1.5: current presence follows

    await juliet.sendStanza(xml('presence', { to: 'romeo@localhost', type: 'subscribe' }));
    await romeo.next(isPresence('subscribe', 'juliet@localhost'));
    await romeo.sendStanza(xml('presence', { to: 'juliet@localhost', type: 'subscribed' }));
    await romeo.next(rosterPush('juliet@localhost', 'both'));
    await juliet.next(rosterPush('romeo@localhost', 'both'));

    await juliet.sendStanza(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, 'on the balcony')));
    const away = await romeo.next((el) => isPresence('available', 'juliet@localhost/r')(el) && el.getChildText('show') === 'away');
    expect(away.getChildText('status')).toBe('on the balcony');

    await juliet.disconnect();
    await romeo.next(isPresence('unavailable', 'juliet@localhost/r'));

    // §4.3: a new resource of juliet's probes and learns romeo is online.
    const juliet2 = await online('juliet', 'tablet');
    await juliet2.next(isPresence('available', 'romeo@localhost/r'));
  });

  it('keeps a subscription request for a user who is offline and delivers it at login', async () => {
    const tybalt = await online('tybalt');
    await tybalt.sendStanza(xml('presence', { to: 'mercutio@localhost', type: 'subscribe' }));
    await tybalt.next(rosterPush('mercutio@localhost', 'none'));
    const mercutio = await h.connect('mercutio');
    await mercutio.sendStanza(xml('presence'));
    await mercutio.next(isPresence('subscribe', 'tybalt@localhost'));
  });

  it('pre-approval (§3.4): an approved contact is subscribed without asking', async () => {
    const mercutio = await online('mercutio', 'pre');
    await mercutio.sendStanza(xml('presence', { to: 'romeo@localhost', type: 'subscribed' }));
    const push = await mercutio.next(rosterPush('romeo@localhost', 'none'));
    expect(push.getChild('query')!.getChild('item')!.attrs.approved).toBe('true');
    const romeo = await online('romeo', 'pre');
    await romeo.sendStanza(xml('presence', { to: 'mercutio@localhost', type: 'subscribe' }));
    await romeo.next(isPresence('subscribed', 'mercutio@localhost'));
    await mercutio.next(rosterPush('romeo@localhost', 'from'));
  });

  it('directed presence without initial presence (§4.6.3): the target hears unavailable when the session ends', async () => {
    const mercutio = await online('mercutio', 'watch');
    const tybalt = await h.connect('tybalt', 'directed-only');
    await tybalt.sendStanza(xml('presence', { to: 'mercutio@localhost/watch' }));
    await mercutio.next(isPresence('available', 'tybalt@localhost/directed-only'));
    await tybalt.disconnect();
    await mercutio.next(isPresence('unavailable', 'tybalt@localhost/directed-only'));
  });

  it('does not reveal presence to someone who is not subscribed', async () => {
    const tybalt = await h.connect('tybalt', 'spy');
    await tybalt.sendStanza(xml('presence', { to: 'juliet@localhost', type: 'probe' }));
    await tybalt.sendStanza(xml('presence'));
    await expect(tybalt.next(isPresence('available', 'juliet@localhost'), 300)).rejects.toThrow(/nothing matching/);
  });
});

describe('account deletion', () => {
  it("cancels the subscriptions both ways, so contacts' rosters no longer follow the name", async () => {
    await h.createUser('yorick');
    await h.createUser('horatio');
    const yorick = await online('yorick');
    const horatio = await online('horatio');
    await yorick.sendStanza(xml('presence', { to: 'horatio@localhost', type: 'subscribe' }));
    await horatio.next(isPresence('subscribe', 'yorick@localhost'));
    await horatio.sendStanza(xml('presence', { to: 'yorick@localhost', type: 'subscribed' }));
    await horatio.sendStanza(xml('presence', { to: 'yorick@localhost', type: 'subscribe' }));
    await yorick.next(isPresence('subscribe', 'horatio@localhost'));
    await yorick.sendStanza(xml('presence', { to: 'horatio@localhost', type: 'subscribed' }));
    await horatio.next(rosterPush('yorick@localhost', 'both'));

    await yorick.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.REGISTER }, xml('remove'))));
    await horatio.next(rosterPush('yorick@localhost', 'none'));
    expect((await h.core.storage.roster.get('horatio', 'yorick@localhost'))?.subscription).toBe('none');
  });
});
