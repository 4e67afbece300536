import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['pat', 'quinn', 'stranger']) await h.createUser(name);
});
afterAll(() => h.stop());

const image = (seed: string) => Buffer.from(`\x89PNG fake image ${seed}`.repeat(20));
const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');
const publish = (node: string, id: string, payload: Element) =>
  xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node }, xml('item', { id }, payload))));
const vcardOf = async (who: string, asker: string) => {
  const session = await h.connect(asker, `v${Math.random()}`);
  return (await session.query(xml('iq', { type: 'get', to: `${who}@localhost` }, xml('vCard', { xmlns: NS.VCARD })))).getChild('vCard')!;
};

describe('avatar conversion (XEP-0398)', () => {
  it('announces the conversion on the account', async () => {
    const pat = await h.connect('pat', 'disco');
    const reply = await pat.query(xml('iq', { type: 'get', to: 'pat@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain('urn:xmpp:pep-vcard-conversion:0');
  });

  it('puts a XEP-0084 avatar into the vCard and its hash into presence; an empty metadata removes it', async () => {
    const pat = await h.connect('pat', 'phone');
    const png = image('pat');
    const id = sha1(png);
    expect((await pat.query(publish('urn:xmpp:avatar:data', id, xml('data', { xmlns: 'urn:xmpp:avatar:data' }, png.toString('base64'))))).attrs.type).toBe('result');
    expect((await pat.query(publish('urn:xmpp:avatar:metadata', id, xml('metadata', { xmlns: 'urn:xmpp:avatar:metadata' },
      xml('info', { id, type: 'image/png', bytes: String(png.length) }))))).attrs.type).toBe('result');

    const photo = (await vcardOf('pat', 'quinn')).getChild('PHOTO')!;
    expect(photo.getChildText('TYPE')).toBe('image/png');
    expect(Buffer.from(photo.getChildText('BINVAL')!, 'base64').equals(png)).toBe(true);

    await pat.sendStanza(xml('presence'));
    const own = await pat.next((el) => el.name === 'presence' && el.attrs.from === 'pat@localhost/phone');
    expect(own.getChild('x', NS.VCARD_UPDATE)?.getChildText('photo')).toBe(id);

    await pat.query(publish('urn:xmpp:avatar:metadata', 'off', xml('metadata', { xmlns: 'urn:xmpp:avatar:metadata' })));
    expect((await vcardOf('pat', 'quinn')).getChild('PHOTO')).toBeUndefined();
  });

  it('publishes a vCard PHOTO as an open XEP-0084 avatar that anyone can fetch', async () => {
    const quinn = await h.connect('quinn', 'old-client');
    const png = image('quinn');
    const set = await quinn.query(xml('iq', { type: 'set' }, xml('vCard', { xmlns: NS.VCARD }, xml('FN', {}, 'Quinn'),
      xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, png.toString('base64'))))));
    expect(set.attrs.type).toBe('result');
    const stranger = await h.connect('stranger', 's');
    const metadata = await stranger.query(xml('iq', { type: 'get', to: 'quinn@localhost' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: 'urn:xmpp:avatar:metadata' }))));
    const info = metadata.getChild('pubsub')!.getChild('items')!.getChild('item')!.getChild('metadata')!.getChild('info')!;
    expect(info.attrs).toMatchObject({ id: sha1(png), type: 'image/png', bytes: String(png.length) });
    const data = await stranger.query(xml('iq', { type: 'get', to: 'quinn@localhost' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: 'urn:xmpp:avatar:data' }, xml('item', { id: sha1(png) })))));
    expect(Buffer.from(data.getChild('pubsub')!.getChild('items')!.getChild('item')!.getChildText('data')!, 'base64').equals(png)).toBe(true);
    // the vCard itself is what the client set
    expect((await vcardOf('quinn', 'stranger')).getChildText('FN')).toBe('Quinn');
  });
});
