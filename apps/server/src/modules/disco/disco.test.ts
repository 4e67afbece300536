import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capsHash, NS, parseDiscoInfo, xml } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { CAPS_NODE } from './index.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['claudio', 'gertrude']) await h.createUser(name);
});
afterAll(() => h.stop());

const info = (to?: string, node?: string) => xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_INFO, node }));

describe('service discovery (XEP-0030) and capabilities (XEP-0115)', () => {
  it('describes the server, and its caps hash in the stream features matches that description', async () => {
    const claudio = await h.connect('claudio');
    const reply = await claudio.query(info('localhost'));
    const described = parseDiscoInfo(reply.getChild('query', NS.DISCO_INFO)!);
    expect(described.identities).toContainEqual(expect.objectContaining({ category: 'server', type: 'im' }));
    expect(described.features).toEqual(expect.arrayContaining([NS.DISCO_INFO, NS.PING, NS.VERSION, NS.TIME, NS.OFFLINE]));

    const caps = h.core.features.streamFeatures({ stage: 'post-auth', secure: true, authenticated: true }).find((el) => el.is('c', NS.CAPS))!;
    expect(caps.attrs.ver).toBe(await capsHash({ identities: described.identities, features: described.features, forms: described.forms ?? [] }));
    // The node#ver form of the query answers the same; an unknown node does not exist.
    const byNode = await claudio.query(info('localhost', `${CAPS_NODE}#${caps.attrs.ver}`));
    expect(byNode.attrs.type).toBe('result');
    const unknown = await claudio.query(info('localhost', 'no-such-node'));
    expect(unknown.getChild('error')!.getChild('item-not-found')).toBeDefined();
  });

  it('shows private storage on the domain, where poezio looks for bookmark storage', async () => {
    const claudio = await h.connect('claudio', 'p');
    const domain = parseDiscoInfo((await claudio.query(info('localhost'))).getChild('query', NS.DISCO_INFO)!);
    expect(domain.features).toContain('jabber:iq:private');
  });

  it('shows MAM on one of the domain\'s items (the group chat service), where profanity looks before asking for history', async () => {
    const claudio = await h.connect('claudio', 'm');
    const items = (await claudio.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query', NS.DISCO_ITEMS)!;
    const withMam: string[] = [];
    for (const item of items.getChildren('item')) {
      const reply = await claudio.query(info(item.attrs.jid as string));
      const query = reply.getChild('query', NS.DISCO_INFO);
      if (query && parseDiscoInfo(query).features.includes('urn:xmpp:mam:2')) withMam.push(item.attrs.jid as string);
    }
    expect(withMam).toContain('conference.localhost');
  });

  it('describes accounts, but not accounts that do not exist', async () => {
    const claudio = await h.connect('claudio', 'b');
    const own = parseDiscoInfo((await claudio.query(info('claudio@localhost'))).getChild('query', NS.DISCO_INFO)!);
    expect(own.identities).toContainEqual(expect.objectContaining({ category: 'account', type: 'registered' }));
    expect(own.features).toContain(NS.PRIVATE);
    const missing = await claudio.query(info('nobody@localhost'));
    expect(missing.getChild('error')!.getChild('service-unavailable')).toBeDefined();
  });
});

describe('software version (XEP-0092) and entity time (XEP-0202)', () => {
  it('answers version and UTC time', async () => {
    const claudio = await h.connect('claudio', 'c');
    const version = await claudio.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.VERSION })));
    expect(version.getChild('query')!.getChildText('name')).toBe('Conexizan');
    expect(version.getChild('query')!.getChild('os')).toBeUndefined(); // the OS is nobody's business
    const time = await claudio.query(xml('iq', { type: 'get', to: 'localhost' }, xml('time', { xmlns: NS.TIME })));
    const utc = Date.parse(time.getChild('time')!.getChildText('utc')!);
    expect(Math.abs(utc - Date.now())).toBeLessThan(60_000);
    expect(time.getChild('time')!.getChildText('tzo')).toBe('+00:00');
  });

  it('can hide the version', async () => {
    const hidden = await createHarness({ server: { show_version: false } });
    await hidden.createUser('quiet');
    const quiet = await hidden.connect('quiet');
    const reply = await quiet.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.VERSION })));
    expect(reply.getChild('error')!.getChild('service-unavailable')).toBeDefined();
    await hidden.stop();
  });
});

describe('vcard-temp (XEP-0054) and private XML storage (XEP-0049)', () => {
  it('stores a vCard that others may read but not change', async () => {
    const claudio = await h.connect('claudio', 'd');
    const gertrude = await h.connect('gertrude');
    await claudio.query(xml('iq', { type: 'set' }, xml('vCard', { xmlns: NS.VCARD }, xml('FN', {}, 'Claudius'))));
    const read = await gertrude.query(xml('iq', { type: 'get', to: 'claudio@localhost' }, xml('vCard', { xmlns: NS.VCARD })));
    expect(read.getChild('vCard')!.getChildText('FN')).toBe('Claudius');
    const forged = await gertrude.query(xml('iq', { type: 'set', to: 'claudio@localhost' }, xml('vCard', { xmlns: NS.VCARD }, xml('FN', {}, 'Usurper'))));
    expect(forged.getChild('error')!.getChild('forbidden')).toBeDefined();
  });

  it("keeps private XML for its owner alone", async () => {
    const claudio = await h.connect('claudio', 'e');
    const gertrude = await h.connect('gertrude', 'e');
    const note = xml('notes', { xmlns: 'urn:example:notes' }, xml('note', {}, 'poison in the cup'));
    expect((await claudio.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.PRIVATE }, note)))).attrs.type).toBe('result');
    const back = await claudio.query(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.PRIVATE }, xml('notes', { xmlns: 'urn:example:notes' }))));
    expect(back.getChild('query')!.getChild('notes', 'urn:example:notes')!.getChildText('note')).toBe('poison in the cup');
    const snoop = await gertrude.query(xml('iq', { type: 'get', to: 'claudio@localhost' }, xml('query', { xmlns: NS.PRIVATE }, xml('notes', { xmlns: 'urn:example:notes' }))));
    expect(snoop.getChild('error')!.getChild('forbidden')).toBeDefined();
    const own = await gertrude.query(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.PRIVATE }, xml('notes', { xmlns: 'urn:example:notes' }))));
    expect(own.toString()).not.toContain('poison');
    const reserved = await claudio.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.PRIVATE }, xml('x', { xmlns: NS.PRIVATE }))));
    expect(reserved.getChild('error')!.getChild('not-acceptable')).toBeDefined();
  });
});
