import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ limits: { offline_messages: 2 } });
  for (const name of ['alice', 'bob', 'carol']) await h.createUser(name);
});
afterAll(() => h.stop());

const chat = (to: string, body: string, type = 'chat') => xml('message', { to, type }, xml('body', {}, body));
const withBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;

describe('message delivery (RFC 6121 §8.5) and offline storage (XEP-0160)', () => {
  it('delivers to the highest-priority available resource', async () => {
    const alice = await h.connect('alice');
    const bobLow = await h.connect('bob', 'low');
    const bobHigh = await h.connect('bob', 'high');
    await bobLow.sendStanza(xml('presence', {}, xml('priority', {}, '1')));
    await bobHigh.sendStanza(xml('presence', {}, xml('priority', {}, '5')));
    await alice.sendStanza(chat('bob@localhost', 'to the best one'));
    await bobHigh.next(withBody('to the best one'));
    expect(bobLow.received.some(withBody('to the best one'))).toBe(false);
    // A full JID reaches exactly that resource.
    await alice.sendStanza(chat('bob@localhost/low', 'just you'));
    await bobLow.next(withBody('just you'));
    await bobLow.disconnect();
    await bobHigh.disconnect();
  });

  it('keeps messages for an offline user and delivers them in order with a delay stamp', async () => {
    const alice = await h.connect('alice', 'b');
    await alice.sendStanza(chat('carol@localhost', 'first'));
    await alice.sendStanza(chat('carol@localhost', 'second'));
    // The third exceeds the limit of 2: the sender hears about it (XEP-0160 §3).
    await alice.sendStanza(chat('carol@localhost', 'third'));
    const bounce = await alice.next((el) => el.attrs.type === 'error');
    expect(bounce.getChild('error')!.getChild('service-unavailable')).toBeDefined();

    const carol = await h.connect('carol');
    await carol.sendStanza(xml('presence'));
    const first = await carol.next(withBody('first'));
    const second = await carol.next(withBody('second'));
    expect(first.getChild('delay', NS.DELAY)?.attrs.from).toBe('localhost');
    expect(second.getChild('delay', NS.DELAY)?.attrs.stamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(carol.received.indexOf(first)).toBe(-1);
    // Delivered once: a second login gets nothing more.
    const again = await h.connect('carol', 'again');
    await again.sendStanza(xml('presence'));
    await expect(again.next(withBody('first'), 300)).rejects.toThrow();
  });

  it('answers a message to a nonexistent account with service-unavailable', async () => {
    const alice = await h.connect('alice', 'c');
    await alice.sendStanza(chat('nobody@localhost', 'hello?'));
    const reply = await alice.next((el) => el.name === 'message' && el.attrs.type === 'error');
    expect(reply.attrs.from).toBe('nobody@localhost');
    expect(reply.getChild('error')!.getChild('service-unavailable')).toBeDefined();
  });

  it('stores nothing marked no-store and no bare chat states', async () => {
    const alice = await h.connect('alice', 'd');
    await alice.sendStanza(xml('message', { to: 'carol@localhost', type: 'chat' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await alice.sendStanza(xml('message', { to: 'carol@localhost', type: 'chat' }, xml('body', {}, 'ephemeral'), xml('no-store', { xmlns: 'urn:xmpp:hints' })));
    expect(await h.core.storage.offline.count('carol')).toBe(0);
  });
});
