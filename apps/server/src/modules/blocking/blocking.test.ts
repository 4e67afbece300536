import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ limits: { blocklist_items: 3 } });
  for (const name of ['alice', 'bob', 'carol', 'dave']) await h.createUser(name);
  // alice and bob see each other's presence; so do alice and carol.
  for (const [a, b] of [['alice', 'bob'], ['alice', 'carol']]) {
    await h.core.storage.roster.put(a!, { jid: `${b}@localhost`, name: null, subscription: 'both', askSubscribe: false, approved: false, groups: [] });
    await h.core.storage.roster.put(b!, { jid: `${a}@localhost`, name: null, subscription: 'both', askSubscribe: false, approved: false, groups: [] });
  }
});
afterAll(() => h.stop());

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const items = (...jids: string[]) => jids.map((jid) => xml('item', { jid }));
const block = (s: TestSession, ...jids: string[]) => s.query(xml('iq', { type: 'set' }, xml('block', { xmlns: NS.BLOCKING }, ...items(...jids))));
const unblock = (s: TestSession, ...jids: string[]) => s.query(xml('iq', { type: 'set' }, xml('unblock', { xmlns: NS.BLOCKING }, ...items(...jids))));
const blocklist = async (s: TestSession) =>
  (await s.query(xml('iq', { type: 'get' }, xml('blocklist', { xmlns: NS.BLOCKING })))).getChild('blocklist', NS.BLOCKING)!.getChildren('item').map((i) => i.attrs.jid);
const online = async (name: string, resource = 'r') => {
  const s = await h.connect(name, resource);
  await s.sendStanza(xml('presence'));
  return s;
};
const errorOf = (el: Element) => el.getChild('error')?.getChildElements().filter((c) => c.name !== 'text').map((c) => `${c.name}:${c.getNS()}`);
const fromBare = (s: TestSession, bare: string) => s.received.filter((el) => (el.attrs.from as string | undefined)?.split('/')[0] === bare);

describe('blocking command (XEP-0191)', () => {
  it('announces urn:xmpp:blocking on the domain', () => {
    expect(h.core.features.features('server')).toContain(NS.BLOCKING);
  });

  it('blocks: pushes to interested resources, bob looks offline to alice and gets nothing from her', async () => {
    const phone = await online('alice', 'phone');
    const laptop = await online('alice', 'laptop');
    const bob = await online('bob');
    expect(await blocklist(laptop)).toEqual([]);
    await settle();
    for (const s of [phone, laptop, bob]) s.received.length = 0;

    expect((await block(phone, 'bob@localhost')).attrs.type).toBe('result');
    const pushed = await laptop.next((el) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('block', NS.BLOCKING) !== undefined);
    expect(pushed.getChild('block', NS.BLOCKING)!.getChild('item')!.attrs.jid).toBe('bob@localhost');
    // phone never asked for the list: no push (§3.3).
    expect(phone.received.some((el) => el.getChild('block', NS.BLOCKING))).toBe(false);
    // bob saw alice's resources go offline.
    const unavailable = await bob.next((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && el.attrs.from === 'alice@localhost/phone');
    expect(unavailable).toBeDefined();
    await bob.next((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && el.attrs.from === 'alice@localhost/laptop');
    expect(await blocklist(phone)).toEqual(['bob@localhost']);

    // bob's message: service-unavailable, as for an account that is not there; alice sees nothing.
    await bob.sendStanza(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'hello?')));
    const bounce = await bob.next((el) => el.name === 'message' && el.attrs.type === 'error');
    expect(errorOf(bounce)).toEqual([`service-unavailable:${NS.STANZAS_ERR}`]);
    // bob's iq get: service-unavailable; bob's presence: silence.
    const iqReply = await bob.query(xml('iq', { type: 'get', to: 'alice@localhost/phone' }, xml('query', { xmlns: NS.VERSION })));
    expect(errorOf(iqReply)).toEqual([`service-unavailable:${NS.STANZAS_ERR}`]);
    await bob.sendStanza(xml('presence', { to: 'alice@localhost', type: 'probe' }));
    await bob.sendStanza(xml('presence', {}, xml('show', {}, 'away')));
    await bob.sendStanza(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));

    // alice's new presence does not reach bob; carol still gets it.
    const carol = await online('carol');
    await phone.sendStanza(xml('presence', {}, xml('status', {}, 'still here')));
    await carol.next((el) => el.name === 'presence' && el.getChildText('status') === 'still here');

    // What alice sends to bob is refused with not-acceptable + <blocked/>.
    await phone.sendStanza(xml('message', { to: 'bob@localhost/r', type: 'chat' }, xml('body', {}, 'psst')));
    const refused = await phone.next((el) => el.name === 'message' && el.attrs.type === 'error');
    expect(errorOf(refused)).toEqual([`not-acceptable:${NS.STANZAS_ERR}`, `blocked:${NS.BLOCKING_ERRORS}`]);
    await settle();
    expect(fromBare(phone, 'bob@localhost').filter((el) => el.name !== 'message' || el.attrs.type !== 'error')).toEqual([]);
    expect(fromBare(laptop, 'bob@localhost')).toEqual([]);
    expect(fromBare(bob, 'alice@localhost').filter((el) => el.attrs.type !== 'unavailable')).toEqual([]);
    expect(bob.received.some((el) => el.toString().includes('psst') || el.toString().includes('still here'))).toBe(false);
    // Nothing of bob's was kept for later either.
    expect(await h.core.storage.offline.count('alice')).toBe(0);
    expect(await h.core.storage.roster.pendingIn('alice')).toEqual([]);

    // Unblock: pushes, bob gets alice's current presence again, messages flow.
    bob.received.length = 0;
    expect((await unblock(laptop, 'bob@localhost')).attrs.type).toBe('result');
    await laptop.next((el) => el.name === 'iq' && el.getChild('unblock', NS.BLOCKING)?.getChild('item')?.attrs.jid === 'bob@localhost');
    await bob.next((el) => el.name === 'presence' && el.attrs.from === 'alice@localhost/phone' && el.getChildText('status') === 'still here');
    await bob.sendStanza(xml('message', { to: 'alice@localhost/phone', type: 'chat' }, xml('body', {}, 'back')));
    await phone.next((el) => el.getChildText('body') === 'back');
    for (const s of [phone, laptop, bob, carol]) await s.disconnect();
  });

  it('matches domains (and subdomains) and full JIDs, and unblocks all at once', async () => {
    const alice = await online('alice', 'm');
    await blocklist(alice);
    const dave = await online('dave', 'one');
    const daveTwo = await online('dave', 'two');
    expect((await block(alice, 'example.org', 'dave@localhost/one')).attrs.type).toBe('result');
    await dave.sendStanza(xml('message', { to: 'alice@localhost/m', type: 'chat' }, xml('body', {}, 'from one')));
    await daveTwo.sendStanza(xml('message', { to: 'alice@localhost/m', type: 'chat' }, xml('body', {}, 'from two')));
    await alice.next((el) => el.getChildText('body') === 'from two');
    await dave.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await alice.sendStanza(xml('message', { to: 'someone@muc.example.org', type: 'chat' }, xml('body', {}, 'x')));
    const refused = await alice.next((el) => el.name === 'message' && el.attrs.type === 'error');
    expect(errorOf(refused)).toContain(`blocked:${NS.BLOCKING_ERRORS}`);

    // The limit is 3 entries here.
    const tooMany = await block(alice, 'a@x.org', 'b@x.org');
    expect(errorOf(tooMany)).toEqual([`resource-constraint:${NS.STANZAS_ERR}`]);
    expect(await blocklist(alice)).toEqual(['dave@localhost/one', 'example.org']);
    // Malformed and empty requests.
    expect(errorOf(await block(alice, 'a@@x'))).toEqual([`jid-malformed:${NS.STANZAS_ERR}`]);
    expect(errorOf(await block(alice))).toEqual([`bad-request:${NS.STANZAS_ERR}`]);

    expect((await alice.query(xml('iq', { type: 'set' }, xml('unblock', { xmlns: NS.BLOCKING })))).attrs.type).toBe('result');
    const all = await alice.next((el) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('unblock', NS.BLOCKING) !== undefined);
    expect(all.getChild('unblock', NS.BLOCKING)!.getChildren('item')).toEqual([]);
    expect(await blocklist(alice)).toEqual([]);
    await dave.sendStanza(xml('message', { to: 'alice@localhost/m', type: 'chat' }, xml('body', {}, 'one again')));
    await alice.next((el) => el.getChildText('body') === 'one again');
    for (const s of [alice, dave, daveTwo]) await s.disconnect();
  });

  it('keeps blocking offline: no offline message, no carbon, and the list survives logout', async () => {
    const alice = await online('alice', 'a');
    await block(alice, 'dave@localhost');
    await alice.disconnect();
    const dave = await online('dave', 'x');
    await dave.sendStanza(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'while away')));
    const bounce = await dave.next((el) => el.name === 'message' && el.attrs.type === 'error');
    expect(errorOf(bounce)).toEqual([`service-unavailable:${NS.STANZAS_ERR}`]);
    expect(await h.core.storage.offline.count('alice')).toBe(0);
    const again = await online('alice', 'b');
    expect(await blocklist(again)).toEqual(['dave@localhost']);
    await unblock(again, 'dave@localhost');
    for (const s of [again, dave]) await s.disconnect();
  });
});
