import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['vera', 'walt', 'stranger']) await h.createUser(name);
  await h.core.storage.roster.put('vera', { jid: 'walt@localhost', name: null, subscription: 'from', askSubscribe: false, approved: false, groups: [] });
});
afterAll(() => h.stop());

const VCARD4 = 'urn:ietf:params:xml:ns:vcard-4.0';
const card = (fn: string) => xml('vcard', { xmlns: VCARD4 }, xml('fn', {}, xml('text', {}, fn)));
const fnOf = (reply: Element) => reply.getChild('vcard', VCARD4)?.getChild('fn')?.getChildText('text');
const get = (to: string) => xml('iq', { type: 'get', to }, xml('vcard', { xmlns: VCARD4 }));

describe('vCard4 over PEP (XEP-0292) and nicknames (XEP-0172)', () => {
  it('stores a vCard4 set by iq on the PEP node, readable as the node\'s access model allows', async () => {
    const vera = await h.connect('vera', 'r');
    expect((await vera.query(xml('iq', { type: 'set' }, card('Vera V.')))).attrs.type).toBe('result');
    expect(fnOf(await vera.query(get('vera@localhost')))).toBe('Vera V.');
    const walt = await h.connect('walt', 'r');
    expect(fnOf(await walt.query(get('vera@localhost')))).toBe('Vera V.');
    const item = (await walt.query(xml('iq', { type: 'get', to: 'vera@localhost' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: 'urn:xmpp:vcard4' })))))
      .getChild('pubsub')!.getChild('items')!.getChild('item')!;
    expect(item.attrs.id).toBe('current');
    const stranger = await h.connect('stranger', 'r');
    const refused = await stranger.query(get('vera@localhost'));
    expect(refused.getChild('error')?.getChild('not-authorized', NS.STANZAS_ERR)).toBeDefined();
    expect((await walt.query(xml('iq', { type: 'set', to: 'vera@localhost' }, card('Mallory')))).getChild('error')?.getChild('forbidden', NS.STANZAS_ERR)).toBeDefined();
  });

  it('publishes a nickname like any PEP node, for contacts', async () => {
    const vera = await h.connect('vera', 'nick');
    const nick = 'http://jabber.org/protocol/nick';
    await vera.query(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: nick }, xml('item', {}, xml('nick', { xmlns: nick }, 'V'))))));
    const walt = await h.connect('walt', 'nick');
    const reply = await walt.query(xml('iq', { type: 'get', to: 'vera@localhost' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: nick }))));
    expect(reply.getChild('pubsub')!.getChild('items')!.getChild('item')!.getChildText('nick', nick)).toBe('V');
  });
});
