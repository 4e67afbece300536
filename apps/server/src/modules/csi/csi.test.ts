import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import type { ClientElementEvent } from '../../core/events.ts';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { MAX_HELD } from './index.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['alice', 'bob']) await h.createUser(name);
});
afterAll(() => h.stop());

/** What the stream does with a top-level <active/> or <inactive/>. */
const indicate = (session: TestSession, state: 'active' | 'inactive') =>
  h.core.hooks.fire('c2s/element', { element: xml(state, { xmlns: NS.CSI }), session } as unknown as ClientElementEvent);
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
const presenceFrom = (from: string, status: string) => xml('presence', { from, to: 'alice@localhost/phone' }, xml('status', {}, status));
const message = (...children: Element[]) => xml('message', { from: 'bob@localhost/pc', to: 'alice@localhost/phone', type: 'chat' }, ...children);
const describeAll = (received: Element[]) =>
  received.map((el) => el.getChildText('status') ?? el.getChildText('body') ?? el.getChildElements()[0]?.name ?? el.name);

describe('client state indication (XEP-0352)', () => {
  it('is offered as a stream feature after authentication only', () => {
    const post = h.core.features.streamFeatures({ stage: 'post-auth', secure: true, authenticated: true });
    expect(post.some((el) => el.is('csi', NS.CSI))).toBe(true);
    const pre = h.core.features.streamFeatures({ stage: 'pre-auth', secure: true, authenticated: false });
    expect(pre.some((el) => el.is('csi', NS.CSI))).toBe(false);
  });

  it('holds presence and chat states while inactive, keeps only the latest, and sends bodies at once after them', async () => {
    const phone = await h.connect('alice', 'phone');
    expect(await indicate(phone, 'inactive')).toBe(true);
    phone.send(presenceFrom('bob@localhost/pc', 'at work'));
    phone.send(presenceFrom('bob@localhost/pc', 'at lunch'));
    phone.send(presenceFrom('carol@localhost/x', 'hi'));
    phone.send(message(xml('composing', { xmlns: NS.CHATSTATES })));
    phone.send(message(xml('paused', { xmlns: NS.CHATSTATES })));
    phone.send(message(xml('received', { xmlns: NS.RECEIPTS, id: 'm1' })));
    await settle();
    expect(phone.received).toEqual([]);

    // A message with a body goes out now, after what was held (latest only, in order).
    phone.send(message(xml('body', {}, 'lunch?'), xml('active', { xmlns: NS.CHATSTATES })));
    expect(describeAll(phone.received)).toEqual(['at lunch', 'hi', 'paused', 'received', 'lunch?']);
    // The receipt passed untouched.
    expect(phone.received[3]!.getChild('received', NS.RECEIPTS)?.attrs.id).toBe('m1');
    await phone.disconnect();
  });

  it('never delays encrypted messages, carbons with a body, iqs, subscription requests or errors', async () => {
    const phone = await h.connect('alice', 'phone');
    await indicate(phone, 'inactive');
    const urgent = [
      message(xml('encrypted', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('header', { sid: '1' }))),
      message(xml('encrypted', { xmlns: 'urn:xmpp:omemo:2' })),
      xml('message', { from: 'alice@localhost', to: 'alice@localhost/phone', type: 'chat' },
        xml('sent', { xmlns: NS.CARBONS }, xml('forwarded', { xmlns: NS.FORWARD }, xml('message', { xmlns: NS.CLIENT, to: 'bob@localhost' }, xml('body', {}, 'from my laptop'))))),
      xml('iq', { type: 'get', id: 'ping', from: 'localhost', to: 'alice@localhost/phone' }, xml('ping', { xmlns: NS.PING })),
      xml('presence', { type: 'subscribe', from: 'dave@localhost', to: 'alice@localhost' }),
      xml('message', { type: 'error', from: 'nobody@localhost', to: 'alice@localhost/phone' }),
    ];
    for (const stanza of urgent) phone.send(stanza);
    expect(phone.received).toEqual(urgent);
    await phone.disconnect();
  });

  it('releases everything on <active/>, and then holds nothing', async () => {
    const phone = await h.connect('alice', 'phone');
    await indicate(phone, 'inactive');
    phone.send(presenceFrom('bob@localhost/pc', 'busy'));
    phone.send(message(xml('displayed', { xmlns: NS.CHAT_MARKERS, id: 'm2' })));
    expect(phone.received).toEqual([]);
    expect(await indicate(phone, 'active')).toBe(true);
    expect(describeAll(phone.received)).toEqual(['busy', 'displayed']);
    phone.send(presenceFrom('bob@localhost/pc', 'free'));
    expect(describeAll(phone.received)).toEqual(['busy', 'displayed', 'free']);
    await phone.disconnect();
  });

  it('bounds what it holds: at most MAX_HELD stanzas wait', async () => {
    const phone = await h.connect('alice', 'phone');
    await indicate(phone, 'inactive');
    for (let i = 0; i < MAX_HELD * 2 + 10; i++) phone.send(presenceFrom(`user${i}@example.org/x`, `s${i}`));
    expect(phone.received.length).toBe(MAX_HELD * 2);
    await indicate(phone, 'active');
    expect(phone.received.length).toBe(MAX_HELD * 2 + 10);
    await phone.disconnect();
  });

  it('works end to end: a contact\'s presence waits, a message does not', async () => {
    await h.core.storage.roster.put('alice', { jid: 'bob@localhost', name: null, subscription: 'both', askSubscribe: false, approved: false, groups: [] });
    await h.core.storage.roster.put('bob', { jid: 'alice@localhost', name: null, subscription: 'both', askSubscribe: false, approved: false, groups: [] });
    const phone = await h.connect('alice', 'phone');
    await phone.sendStanza(xml('presence'));
    const bob = await h.connect('bob', 'pc');
    await bob.sendStanza(xml('presence'));
    await phone.next((el) => el.name === 'presence' && el.attrs.from === 'bob@localhost/pc');
    await indicate(phone, 'inactive');
    await bob.sendStanza(xml('presence', {}, xml('show', {}, 'away')));
    await bob.sendStanza(xml('message', { to: 'alice@localhost/phone', type: 'chat' }, xml('composing', { xmlns: NS.CHATSTATES })));
    await settle();
    expect(phone.received.filter((el) => el.attrs.from === 'bob@localhost/pc')).toEqual([]);
    await bob.sendStanza(xml('message', { to: 'alice@localhost/phone', type: 'chat' }, xml('body', {}, 'ping me')));
    await phone.next((el) => el.getChildText('body') === 'ping me');
    await bob.disconnect();
    await phone.disconnect();
  });
});
