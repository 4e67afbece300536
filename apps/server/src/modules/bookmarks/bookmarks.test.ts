import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['ann', 'ben', 'eve']) await h.createUser(name);
});
afterAll(() => h.stop());

const B2 = 'urn:xmpp:bookmarks:1';
const privateGet = () => xml('iq', { type: 'get' }, xml('query', { xmlns: NS.PRIVATE }, xml('storage', { xmlns: 'storage:bookmarks' })));
const privateSet = (...conferences: Element[]) => xml('iq', { type: 'set' }, xml('query', { xmlns: NS.PRIVATE }, xml('storage', { xmlns: 'storage:bookmarks' }, ...conferences)));
const items = (to: string, node: string) => xml('iq', { type: 'get', to }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node })));
const publish2 = (jid: string, name: string, autojoin: string, nick?: string) =>
  xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB },
    xml('publish', { node: B2 }, xml('item', { id: jid }, xml('conference', { xmlns: B2, name, autojoin }, nick ? xml('nick', {}, nick) : undefined))),
    xml('publish-options', {}, xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' },
      ...Object.entries({ FORM_TYPE: 'http://jabber.org/protocol/pubsub#publish-options', 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' })
        .map(([k, v]) => xml('field', { var: k }, xml('value', {}, v)))))));
const legacyRooms = (storage: Element | undefined) =>
  (storage?.getChildren('conference') ?? []).map((c) => ({ jid: c.attrs.jid, name: c.attrs.name, autojoin: c.attrs.autojoin, nick: c.getChildText('nick') }));

describe('bookmarks (XEP-0402 with #compat and #compat-pep, XEP-0411)', () => {
  it('announces the compatibility features', async () => {
    const ann = await h.connect('ann', 'disco');
    const reply = await ann.query(xml('iq', { type: 'get', to: 'ann@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const features = reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([`${B2}#compat`, `${B2}#compat-pep`, 'urn:xmpp:bookmarks-conversion:0']));
  });

  it('turns private XML bookmarks into XEP-0402 items and the legacy PEP node, and back', async () => {
    const ann = await h.connect('ann', 'old-client');
    const stored = await ann.query(privateSet(
      xml('conference', { jid: 'room1@muc.example', name: 'Room one', autojoin: 'true' }, xml('nick', {}, 'annie')),
      xml('conference', { jid: 'room2@muc.example', name: 'Room two' }),
    ));
    expect(stored.attrs.type).toBe('result');

    const b2 = (await ann.query(items('ann@localhost', B2))).getChild('pubsub')!.getChild('items')!.getChildren('item');
    expect(b2.map((i) => i.attrs.id).sort()).toEqual(['room1@muc.example', 'room2@muc.example']);
    const room1 = b2.find((i) => i.attrs.id === 'room1@muc.example')!.getChild('conference', B2)!;
    expect(room1.attrs).toMatchObject({ name: 'Room one', autojoin: 'true' });
    expect(room1.getChildText('nick')).toBe('annie');
    const legacyPep = (await ann.query(items('ann@localhost', 'storage:bookmarks'))).getChild('pubsub')!.getChild('items')!.getChild('item')!;
    expect(legacyRooms(legacyPep.getChild('storage', 'storage:bookmarks')).map((r) => r.jid)).toEqual(['room1@muc.example', 'room2@muc.example']);

    // a XEP-0402 client adds a room and removes one: the old client sees both changes
    expect((await ann.query(publish2('room3@muc.example', 'Room three', 'false', 'a'))).attrs.type).toBe('result');
    await ann.query(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('retract', { node: B2, notify: 'true' }, xml('item', { id: 'room2@muc.example' })))));
    const legacy = (await ann.query(privateGet())).getChild('query')!.getChild('storage', 'storage:bookmarks');
    expect(legacyRooms(legacy)).toEqual([
      { jid: 'room1@muc.example', name: 'Room one', autojoin: 'true', nick: 'annie' },
      { jid: 'room3@muc.example', name: 'Room three', autojoin: 'false', nick: 'a' },
    ]);
    const legacyPep2 = (await ann.query(items('ann@localhost', 'storage:bookmarks'))).getChild('pubsub')!.getChild('items')!.getChild('item')!;
    expect(legacyRooms(legacyPep2.getChild('storage', 'storage:bookmarks')).map((r) => r.jid)).toEqual(['room1@muc.example', 'room3@muc.example']);
  });

  it('keeps bookmarks from everyone else, contacts included', async () => {
    await h.core.storage.roster.put('ben', { jid: 'eve@localhost', name: null, subscription: 'from', askSubscribe: false, approved: false, groups: [] });
    const ben = await h.connect('ben', 'c');
    await ben.query(privateSet(xml('conference', { jid: 'secret@muc.example', autojoin: 'true' })));
    const eve = await h.connect('eve', 'c');
    for (const node of [B2, 'storage:bookmarks']) {
      const reply = await eve.query(items('ben@localhost', node));
      expect(reply.attrs.type).toBe('error');
      expect(reply.getChild('error')!.getChild('not-allowed', NS.STANZAS_ERR)).toBeDefined();
    }
  });
});
