import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['alice', 'bob', 'carol']) await h.createUser(name);
});
afterAll(() => h.stop());

const chat = (to: string, body: string, ...extra: Element[]) => xml('message', { to, type: 'chat', id: body }, xml('body', {}, body), ...extra);
const enable = (s: TestSession) => s.query(xml('iq', { type: 'set' }, xml('enable', { xmlns: NS.CARBONS })));

/** Logs in a resource, sends initial presence and (unless told not to) enables carbons. */
async function device(name: string, resource: string, options: { carbons?: boolean; priority?: number } = {}) {
  const session = await h.connect(name, resource);
  await session.sendStanza(xml('presence', {}, xml('priority', {}, String(options.priority ?? 0))));
  if (options.carbons !== false) expect((await enable(session)).attrs.type).toBe('result');
  return session;
}

/** The forwarded message inside a carbon of the given kind with that body, once it arrives. */
async function carbon(session: TestSession, kind: 'sent' | 'received', body: string): Promise<{ wrapper: Element; inner: Element }> {
  const wrapper = await session.next((el) => el.getChild(kind, NS.CARBONS)?.getChild('forwarded', NS.FORWARD)?.getChild('message')?.getChildText('body') === body);
  return { wrapper, inner: wrapper.getChild(kind, NS.CARBONS)!.getChild('forwarded', NS.FORWARD)!.getChild('message')! };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const gotBody = (session: TestSession, body: string) =>
  session.received.some((el) => el.getChildText('body') === body || el.toString().includes(`>${body}<`));

describe('message carbons (XEP-0280)', () => {
  it('announces carbons on the domain', async () => {
    expect(h.core.features.features('server')).toContain(NS.CARBONS);
  });

  it('copies a sent message to the sender\'s other carbons-enabled resources, from the bare JID', async () => {
    const phone = await device('alice', 'phone');
    const laptop = await device('alice', 'laptop');
    const tablet = await device('alice', 'tablet', { carbons: false });
    const bob = await device('bob', 'pc', { carbons: false });
    await phone.sendStanza(chat('bob@localhost', 'hi bob'));
    await bob.next((el) => el.getChildText('body') === 'hi bob');
    const { wrapper, inner } = await carbon(laptop, 'sent', 'hi bob');
    expect(wrapper.attrs).toMatchObject({ from: 'alice@localhost', to: 'alice@localhost/laptop', type: 'chat' });
    expect(inner.attrs).toMatchObject({ from: 'alice@localhost/phone', to: 'bob@localhost', xmlns: NS.CLIENT });
    // Serialised, the forwarded message keeps the jabber:client namespace.
    expect(wrapper.toString()).toMatch(/<forwarded xmlns="urn:xmpp:forward:0"><message [^>]*xmlns="jabber:client"/);
    await settle();
    expect(gotBody(phone, 'hi bob')).toBe(false); // never back to the sender
    expect(gotBody(tablet, 'hi bob')).toBe(false); // nor to a resource without carbons
    for (const s of [phone, laptop, tablet, bob]) await s.disconnect();
  });

  it('gives carbons what the archive keeps: the received copy carries the archive id, the sent copy no forged one', async () => {
    const phone = await device('carol', 'phone');
    const laptop = await device('carol', 'laptop');
    const bob = await device('bob', 'mobile', { carbons: false });
    await bob.sendStanza(chat('carol@localhost/phone', 'archived once'));
    const delivered = await phone.next((el) => el.getChildText('body') === 'archived once');
    const id = delivered.getChild('stanza-id', NS.SID)?.attrs.id;
    expect(id).toBeTruthy();
    const { inner: received } = await carbon(laptop, 'received', 'archived once');
    expect(received.getChild('stanza-id', NS.SID)?.attrs).toEqual({ xmlns: NS.SID, by: 'carol@localhost', id });
    // A client may not claim an id in its own archive (XEP-0359 §4); its other devices never see such a claim.
    await phone.sendStanza(chat('bob@localhost', 'claims an id', xml('stanza-id', { xmlns: NS.SID, by: 'carol@localhost', id: 'forged' })));
    const { inner: sent } = await carbon(laptop, 'sent', 'claims an id');
    expect(sent.getChild('stanza-id', NS.SID)).toBeUndefined();
    for (const s of [phone, laptop, bob]) await s.disconnect();
  });

  it('copies a received message to the resources that did not get it: full JID, bare JID, priorities', async () => {
    const home = await device('bob', 'home', { priority: 5 });
    const work = await device('bob', 'work', { priority: 1 });
    const away = await device('bob', 'away', { priority: -1 });
    const alice = await device('alice', 'pc', { carbons: false });

    // To a full JID: the addressed resource gets the original, everyone else a copy.
    await alice.sendStanza(chat('bob@localhost/work', 'to work'));
    const original = await work.next((el) => el.getChildText('body') === 'to work');
    expect(original.getChild('received', NS.CARBONS)).toBeUndefined();
    const atHome = await carbon(home, 'received', 'to work');
    expect(atHome.wrapper.attrs).toMatchObject({ from: 'bob@localhost', to: 'bob@localhost/home' });
    expect(atHome.inner.attrs).toMatchObject({ from: 'alice@localhost/pc', to: 'bob@localhost/work' });
    await carbon(away, 'received', 'to work'); // negative priority, but it asked for carbons

    // To the bare JID: the highest priority resource gets it, the others a copy.
    await alice.sendStanza(chat('bob@localhost', 'to bob'));
    await home.next((el) => el.getChildText('body') === 'to bob' && !el.getChild('received', NS.CARBONS));
    await carbon(work, 'received', 'to bob');
    await carbon(away, 'received', 'to bob');
    await settle();
    expect(home.received.some((el) => el.getChild('received', NS.CARBONS))).toBe(false);
    for (const s of [home, work, away, alice]) await s.disconnect();
  });

  it('copies chat states, receipts and markers, but never <private/>, <no-copy/>, groupchat or headline', async () => {
    const a1 = await device('alice', 'one');
    const a2 = await device('alice', 'two');
    const carol = await device('carol', 'pc', { carbons: false });
    const receipt = xml('message', { to: 'carol@localhost/pc', id: 'r1' }, xml('received', { xmlns: NS.RECEIPTS, id: 'x' }));
    await a1.sendStanza(receipt);
    const copied = await a2.next((el) => el.getChild('sent', NS.CARBONS) !== undefined);
    expect(copied.toString()).toContain(NS.RECEIPTS);
    // The receipt itself reaches carol untouched.
    const delivered = await carol.next((el) => el.attrs.id === 'r1');
    expect(delivered.getChild('received', NS.RECEIPTS)?.attrs.id).toBe('x');

    await a1.sendStanza(chat('carol@localhost', 'secret', xml('private', { xmlns: NS.CARBONS })));
    await a1.sendStanza(chat('carol@localhost', 'nocopy', xml('no-copy', { xmlns: NS.HINTS })));
    await a1.sendStanza(xml('message', { to: 'carol@localhost', type: 'headline' }, xml('body', {}, 'news')));
    await carol.sendStanza(chat('alice@localhost/one', 'private reply', xml('private', { xmlns: NS.CARBONS })));
    await carol.sendStanza(chat('alice@localhost/one', 'from a room', xml('x', { xmlns: NS.MUC_USER })));
    const reply = await a1.next((el) => el.getChildText('body') === 'private reply');
    // §7: the receiving server removes <private/> before delivery.
    expect(reply.getChild('private', NS.CARBONS)).toBeUndefined();
    await a1.next((el) => el.getChildText('body') === 'from a room');
    const secret = await carol.next((el) => el.getChildText('body') === 'secret');
    expect(secret.getChild('private', NS.CARBONS)).toBeUndefined();
    await settle();
    for (const body of ['secret', 'nocopy', 'news', 'private reply', 'from a room']) expect(gotBody(a2, body)).toBe(false);
    for (const s of [a1, a2, carol]) await s.disconnect();
  });

  it('stops copying after disable, and a forged carbon from outside is not copied again', async () => {
    const a1 = await device('alice', 'one');
    const a2 = await device('alice', 'two');
    const bob = await device('bob', 'pc', { carbons: false });
    await a2.query(xml('iq', { type: 'set' }, xml('disable', { xmlns: NS.CARBONS })));
    await a1.sendStanza(chat('bob@localhost', 'after disable'));
    await bob.next((el) => el.getChildText('body') === 'after disable');
    // Enabling twice is fine (§10.1).
    await enable(a2);
    expect((await enable(a2)).attrs.type).toBe('result');
    await a1.sendStanza(chat('bob@localhost', 'enabled again'));
    await carbon(a2, 'sent', 'enabled again');
    // Someone else's message that looks like a carbon is delivered, never copied as one.
    const forged = xml('message', { to: 'alice@localhost/one', type: 'chat', id: 'forged' },
      xml('sent', { xmlns: NS.CARBONS }, xml('forwarded', { xmlns: NS.FORWARD }, xml('message', { xmlns: NS.CLIENT, from: 'alice@localhost/x' }, xml('body', {}, 'fake')))));
    await bob.sendStanza(forged);
    await a1.next((el) => el.attrs.id === 'forged');
    await settle();
    expect(a2.received.some((el) => el.toString().includes('fake'))).toBe(false);
    expect(a2.received.some((el) => el.toString().includes('after disable'))).toBe(false);
    for (const s of [a1, a2, bob]) await s.disconnect();
  });

  it('refuses enable from anyone but the account\'s own client', async () => {
    const bob = await h.connect('bob', 'x');
    const reply = await bob.query(xml('iq', { type: 'set', to: 'alice@localhost' }, xml('enable', { xmlns: NS.CARBONS })));
    expect(reply.attrs.type).toBe('error');
    await bob.disconnect();
  });
});
