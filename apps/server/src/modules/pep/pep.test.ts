import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataForm, capsHash, NS, xml, type Element } from '@conexizan/protocol';
import type { Subscription } from '@conexizan/storage';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['alice', 'bob', 'stranger', 'carol']) await h.createUser(name);
  // bob and carol see alice's presence; stranger is nobody to her
  await befriend('bob', 'alice');
  await befriend('carol', 'alice');
});
afterAll(() => h.stop());

let counter = 0;
const unique = (prefix: string) => `${prefix}.${++counter}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setSubscription(user: string, contact: string, subscription: Subscription): Promise<void> {
  await h.core.storage.roster.put(user, { jid: `${contact}@localhost`, name: null, subscription, askSubscribe: false, approved: false, groups: ['friends'] });
}
/** `watcher` is subscribed to `owner`'s presence. */
async function befriend(watcher: string, owner: string): Promise<void> {
  await setSubscription(owner, watcher, 'from');
  await setSubscription(watcher, owner, 'to');
}

const pubsub = (type: 'get' | 'set', to: string, ...children: Element[]) => xml('iq', { type, to }, xml('pubsub', { xmlns: NS.PUBSUB }, ...children));
const owner = (type: 'get' | 'set', ...children: Element[]) => xml('iq', { type }, xml('pubsub', { xmlns: NS.PUBSUB_OWNER }, ...children));
const options = (fields: Record<string, string>, formType = 'http://jabber.org/protocol/pubsub#publish-options') =>
  buildDataForm({ type: 'submit', fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [formType] }, ...Object.entries(fields).map(([k, v]) => ({ var: k, values: [v] }))] });

function publish(node: string, payload: Element, opts?: { id?: string; options?: Record<string, string> }): Element {
  return pubsub(
    'set',
    'alice@localhost',
    xml('publish', { node }, xml('item', { id: opts?.id }, payload)),
    opts?.options ? xml('publish-options', {}, options(opts.options)) : undefined as never,
  );
}

const errorOf = (reply: Element) => {
  const error = reply.getChild('error');
  return {
    type: reply.attrs.type,
    errorType: error?.attrs.type,
    condition: error?.getChildElements().find((c) => c.getNS() === NS.STANZAS_ERR && c.name !== 'text')?.name,
    pubsub: error?.getChildElements().find((c) => c.getNS() === NS.PUBSUB_ERRORS)?.name,
  };
};
const itemIds = (reply: Element) => reply.getChild('pubsub')!.getChild('items')!.getChildren('item').map((i) => i.attrs.id);
const formField = (form: Element, name: string) => form.getChildren('field').find((f) => f.attrs.var === name)?.getChildText('value');
const isEvent = (node: string) => (el: Element) => el.name === 'message' && el.getChild('event', NS.PUBSUB_EVENT)?.getChildElements()[0]?.attrs.node === node;

/** Goes online announcing caps whose disco#info has +notify for these nodes, and answers the server's disco#info. */
async function online(name: string, resource: string, notify: string[]): Promise<TestSession> {
  const session = await h.connect(name, resource);
  const identities = [{ category: 'client', type: 'pc' }];
  const features = [NS.DISCO_INFO, ...notify.map((n) => `${n}+notify`)];
  const ver = await capsHash({ identities, features });
  let asked = false;
  const deliver = session.writeElement.bind(session);
  session.writeElement = (el: Element) => {
    const query = el.name === 'iq' && el.attrs.type === 'get' ? el.getChild('query', NS.DISCO_INFO) : undefined;
    if (!query) return deliver(el);
    asked = true;
    void session.sendStanza(
      xml('iq', { type: 'result', id: el.attrs.id, to: el.attrs.from }, xml('query', { xmlns: NS.DISCO_INFO, node: query.attrs.node },
        ...identities.map((i) => xml('identity', i)), ...features.map((f) => xml('feature', { var: f })))),
    );
  };
  await session.sendStanza(xml('presence', {}, xml('c', { xmlns: NS.CAPS, hash: 'sha-1', node: 'https://client.example', ver })));
  await sleep(notify.length && !asked ? 60 : 20);
  return session;
}

function noEvent(session: TestSession, node: string): void {
  expect(session.received.filter(isEvent(node)), `${session.jid} got no event for ${node}`).toEqual([]);
}

describe('PEP discovery (XEP-0163 §6)', () => {
  it('shows the pep identity and the pubsub features OMEMO clients look for on the account', async () => {
    const alice = await h.connect('alice', 'disco');
    const reply = await alice.query(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const query = reply.getChild('query')!;
    expect(query.getChildren('identity').some((i) => i.attrs.category === 'pubsub' && i.attrs.type === 'pep')).toBe(true);
    const features = query.getChildren('feature').map((f) => f.attrs.var);
    for (const f of ['publish-options', 'persistent-items', 'auto-create', 'filtered-notifications', 'publish', 'subscribe', 'create-nodes',
      'delete-items', 'delete-nodes', 'retrieve-items', 'multi-items', 'item-ids', 'config-node-max', 'last-published']) {
      expect(features).toContain(`${NS.PUBSUB}#${f}`);
    }
  });

  it("names publish-options on the server's own disco#info too, where profanity looks before publishing its OMEMO keys world-readable", async () => {
    const alice = await h.connect('alice', 'disco-server');
    const reply = await alice.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(`${NS.PUBSUB}#publish-options`);
  });
});

describe('the OMEMO publish flow (XEP-0060 §7.1.5, §8.2, §8.4)', () => {
  it('auto-creates an arbitrary node with publish-options, makes up the item id, and a stranger reads it', async () => {
    const alice = await h.connect('alice', 'phone');
    const node = `eu.siacs.conversations.axolotl.${crypto.randomUUID()}`;
    const reply = await alice.query(publish(node, xml('bundle', { xmlns: 'eu.siacs.conversations.axolotl' }), { options: { 'pubsub#access_model': 'open' } }));
    expect(reply.attrs.type).toBe('result');
    const id = reply.getChild('pubsub')!.getChild('publish')!.getChild('item')!.attrs.id as string;
    expect(id.length).toBeGreaterThan(8);

    const stranger = await h.connect('stranger', 'x');
    const read = await stranger.query(pubsub('get', 'alice@localhost', xml('items', { node })));
    expect(read.attrs.type).toBe('result');
    expect(itemIds(read)).toEqual([id]);
    expect(read.getChild('pubsub')!.getChild('items')!.getChild('item')!.getChild('bundle', 'eu.siacs.conversations.axolotl')).toBeDefined();

    const configure = await alice.query(owner('get', xml('configure', { node })));
    expect(formField(configure.getChild('pubsub')!.getChild('configure')!.getChild('x')!, 'pubsub#access_model')).toBe('open');
    expect((await alice.query(owner('set', xml('delete', { node })))).attrs.type).toBe('result');
    expect(errorOf(await stranger.query(pubsub('get', 'alice@localhost', xml('items', { node }))))).toMatchObject({ condition: 'item-not-found' });
  });

  it('refuses a mismatching publish with precondition-not-met, then publishes after the owner reconfigures', async () => {
    const alice = await h.connect('alice', 'phone2');
    const node = unique('eu.siacs.conversations.axolotl.devicelist');
    const list = xml('list', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('device', { id: '1' }));
    expect((await alice.query(publish(node, list, { id: 'current' }))).attrs.type).toBe('result'); // default: presence

    const refused = await alice.query(publish(node, list, { id: 'current', options: { 'pubsub#access_model': 'open' } }));
    expect(errorOf(refused)).toEqual({ type: 'error', errorType: 'cancel', condition: 'conflict', pubsub: 'precondition-not-met' });

    const form = (await alice.query(owner('get', xml('configure', { node })))).getChild('pubsub')!.getChild('configure')!.getChild('x')!;
    expect(formField(form, 'pubsub#access_model')).toBe('presence');
    // what Conversations does: take the form, change the access model, submit it whole
    form.attrs.type = 'submit';
    form.getChildren('field').find((f) => f.attrs.var === 'pubsub#access_model')!.getChild('value')!.children = ['open'];
    expect((await alice.query(owner('set', xml('configure', { node }, form)))).attrs.type).toBe('result');
    expect((await alice.query(publish(node, list, { id: 'current', options: { 'pubsub#access_model': 'open' } }))).attrs.type).toBe('result');
    const after = (await alice.query(owner('get', xml('configure', { node })))).getChild('pubsub')!.getChild('configure')!.getChild('x')!;
    expect(formField(after, 'pubsub#access_model')).toBe('open');
  });

  it('keeps presence-only items from strangers but shows them to contacts', async () => {
    const alice = await h.connect('alice', 'phone3');
    const node = unique('urn:example:mood');
    await alice.query(publish(node, xml('mood', { xmlns: 'urn:example' }), { id: 'm1' }));
    const stranger = await h.connect('stranger', 'y');
    expect(errorOf(await stranger.query(pubsub('get', 'alice@localhost', xml('items', { node }))))).toEqual({
      type: 'error', errorType: 'auth', condition: 'not-authorized', pubsub: 'presence-subscription-required',
    });
    expect(errorOf(await stranger.query(pubsub('set', 'alice@localhost', xml('subscribe', { node, jid: 'stranger@localhost' }))))).toMatchObject({
      condition: 'not-authorized', pubsub: 'presence-subscription-required',
    });
    const bob = await h.connect('bob', 'y');
    expect(itemIds(await bob.query(pubsub('get', 'alice@localhost', xml('items', { node }))))).toEqual(['m1']);
  });
});

describe('items (XEP-0060 §6.5) and limits', () => {
  it('keeps max_items (including max), fetches the newest or one by id, and drops the oldest', async () => {
    const alice = await h.connect('alice', 'items');
    const node = unique('urn:xmpp:omemo:2:bundles');
    const bundle = (id: string) => publish(node, xml('bundle', { xmlns: 'urn:xmpp:omemo:2', n: id }), { id, options: { 'pubsub#max_items': 'max', 'pubsub#access_model': 'open' } });
    for (const id of ['11', '22', '33']) expect((await alice.query(bundle(id))).attrs.type).toBe('result');
    expect(itemIds(await alice.query(pubsub('get', 'alice@localhost', xml('items', { node }))))).toEqual(['33', '22', '11']);
    expect(itemIds(await alice.query(pubsub('get', 'alice@localhost', xml('items', { node, max_items: '1' }))))).toEqual(['33']);
    expect(itemIds(await alice.query(pubsub('get', 'alice@localhost', xml('items', { node }, xml('item', { id: '22' })))))).toEqual(['22']);
    expect(errorOf(await alice.query(pubsub('get', 'alice@localhost', xml('items', { node }, xml('item', { id: 'nope' })))))).toMatchObject({ condition: 'item-not-found' });

    const small = unique('urn:example:small');
    for (const id of ['a', 'b', 'c']) await alice.query(publish(small, xml('x', { xmlns: 'urn:example' }), { id, options: { 'pubsub#max_items': '2' } }));
    expect(itemIds(await alice.query(pubsub('get', 'alice@localhost', xml('items', { node: small }))))).toEqual(['c', 'b']);
    // a node created with max_items=max matches a later publish with max
    expect((await alice.query(bundle('44'))).attrs.type).toBe('result');
  });

  it('answers bad input with the XEP errors', async () => {
    const alice = await h.connect('alice', 'bad');
    const node = unique('urn:example:bad');
    const payload = () => xml('x', { xmlns: 'urn:example' });
    const cases: [Element, Partial<ReturnType<typeof errorOf>>][] = [
      [pubsub('set', 'alice@localhost', xml('publish', {}, xml('item', {}, payload()))), { condition: 'bad-request', pubsub: 'nodeid-required' }],
      [pubsub('set', 'alice@localhost', xml('publish', { node }, xml('item', { id: '1' }, payload()), xml('item', { id: '2' }, payload()))), { condition: 'bad-request', pubsub: 'invalid-payload' }],
      [pubsub('set', 'alice@localhost', xml('publish', { node }, xml('item', { id: '1' }))), { condition: 'bad-request', pubsub: 'payload-required' }],
      [pubsub('set', 'alice@localhost', xml('publish', { node })), { condition: 'bad-request', pubsub: 'item-required' }],
      [publish(node, payload(), { options: { 'pubsub#access_model': 'everyone' } }), { condition: 'conflict', pubsub: 'precondition-not-met' }],
      [publish(node, payload(), { options: { 'pubsub#no_such_option': '1' } }), { condition: 'conflict', pubsub: 'precondition-not-met' }],
      [publish(node, payload(), { options: { 'pubsub#max_items': '100000' } }), { condition: 'conflict', pubsub: 'precondition-not-met' }],
      [publish(node, xml('x', { xmlns: 'urn:example' }, 'x'.repeat(200_000))), { condition: 'not-acceptable', pubsub: 'payload-too-big' }],
      [pubsub('set', 'alice@localhost', xml('retract', { node }, xml('item', { id: 'none' }))), { condition: 'item-not-found' }],
      [owner('get', xml('configure', { node: 'urn:example:missing' })), { condition: 'item-not-found' }],
      [owner('set', xml('delete', { node: 'urn:example:missing' })), { condition: 'item-not-found' }],
      [pubsub('get', 'alice@localhost', xml('items', { node: 'urn:example:missing' })), { condition: 'item-not-found' }],
      [pubsub('get', 'alice@localhost', xml('items', { node, max_items: '-1' })), { condition: 'bad-request' }],
      [pubsub('set', 'alice@localhost', xml('frobnicate', { node })), { condition: 'feature-not-implemented', pubsub: 'unsupported' }],
    ];
    for (const [request, expected] of cases) expect(errorOf(await alice.query(request)), request.toString().slice(0, 200)).toMatchObject({ type: 'error', ...expected });
    // none of that created the node
    expect(errorOf(await alice.query(owner('get', xml('configure', { node }))))).toMatchObject({ condition: 'item-not-found' });

    await alice.query(publish(node, payload(), { id: '1' }));
    const configure = (fields: Record<string, string>) => owner('set', xml('configure', { node }, options(fields, 'http://jabber.org/protocol/pubsub#node_config')));
    expect(errorOf(await alice.query(configure({ 'pubsub#access_model': 'authorize' })))).toMatchObject({ condition: 'not-acceptable' });
    expect(errorOf(await alice.query(configure({ 'pubsub#max_items': '0' })))).toMatchObject({ condition: 'not-acceptable' });
    expect(errorOf(await alice.query(pubsub('set', 'alice@localhost', xml('create', { node }))))).toMatchObject({ condition: 'conflict' });

    const bob = await h.connect('bob', 'bad');
    expect(errorOf(await bob.query(pubsub('set', 'alice@localhost', xml('publish', { node }, xml('item', {}, payload())))))).toMatchObject({ condition: 'forbidden' });
    expect(errorOf(await bob.query(pubsub('set', 'alice@localhost', xml('retract', { node }, xml('item', { id: '1' })))))).toMatchObject({ condition: 'forbidden' });
    expect(errorOf(await bob.query(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('pubsub', { xmlns: NS.PUBSUB_OWNER }, xml('configure', { node })))))).toMatchObject({ condition: 'forbidden' });
    expect(errorOf(await bob.query(pubsub('set', 'alice@localhost', xml('subscribe', { node, jid: 'carol@localhost' }))))).toMatchObject({ condition: 'bad-request', pubsub: 'invalid-jid' });
    expect(errorOf(await bob.query(pubsub('get', 'nobody@localhost', xml('items', { node }))))).toMatchObject({ condition: 'service-unavailable' });
  });
});

describe('notifications (XEP-0163 §4)', () => {
  it('goes only to resources that asked with +notify: two of the owner\'s, a contact, never a stranger', async () => {
    const node = unique('urn:example:tune');
    const phone = await online('alice', 'n-phone', [node]);
    const laptop = await online('alice', 'n-laptop', []);
    const bob = await online('bob', 'n', [node]);
    const stranger = await online('stranger', 'n', [node]);
    await phone.query(publish(node, xml('tune', { xmlns: 'urn:example' }, 'song'), { id: 't1' }));

    for (const session of [phone, bob]) {
      const event = await session.next(isEvent(node));
      expect(event.attrs.from).toBe('alice@localhost');
      expect(event.attrs.type).toBe('headline');
      const item = event.getChild('event')!.getChild('items')!.getChild('item')!;
      expect(item.attrs.id).toBe('t1');
      expect(item.getChildText('tune', 'urn:example')).toBe('song');
    }
    await sleep(30);
    noEvent(laptop, node);
    noEvent(stranger, node);

    // retract with notify, then delete: both heard by the same subscribers
    await phone.query(pubsub('set', 'alice@localhost', xml('retract', { node, notify: 'true' }, xml('item', { id: 't1' }))));
    const retracted = await bob.next(isEvent(node));
    expect(retracted.getChild('event')!.getChild('items')!.getChild('retract')!.attrs.id).toBe('t1');
    await phone.query(owner('set', xml('delete', { node })));
    const deleted = await bob.next((el) => el.name === 'message' && el.getChild('event', NS.PUBSUB_EVENT)?.getChild('delete')?.attrs.node === node);
    expect(deleted.attrs.from).toBe('alice@localhost');
    for (const s of [phone, laptop, bob, stranger]) await s.disconnect();
  });

  it('sends the last item when a contact comes online wanting it, with a delay stamp', async () => {
    const node = unique('urn:example:geoloc');
    const alice = await h.connect('alice', 'last');
    await alice.query(publish(node, xml('geoloc', { xmlns: 'urn:example' }, 'old'), { id: 'g1' }));
    await alice.query(publish(node, xml('geoloc', { xmlns: 'urn:example' }, 'new'), { id: 'g2' }));
    const carol = await online('carol', 'last', [node]);
    const event = await carol.next(isEvent(node));
    expect(event.getChild('event')!.getChild('items')!.getChildren('item').map((i) => i.attrs.id)).toEqual(['g2']);
    expect(event.getChild('delay', NS.DELAY)).toBeDefined();
    // a stranger who wants it too gets nothing: presence access
    const stranger = await online('stranger', 'last', [node]);
    await sleep(30);
    noEvent(stranger, node);
    await carol.disconnect();
    await stranger.disconnect();
  });

  it('lets a non-contact subscribe explicitly to an open node and notifies them without caps', async () => {
    const node = unique('eu.siacs.conversations.axolotl.devicelist');
    const alice = await h.connect('alice', 'sub');
    await alice.query(publish(node, xml('list', { xmlns: 'eu.siacs.conversations.axolotl' }), { id: 'current', options: { 'pubsub#access_model': 'open' } }));
    const stranger = await h.connect('stranger', 'sub');
    stranger.update({ available: true });
    const reply = await stranger.query(pubsub('set', 'alice@localhost', xml('subscribe', { node, jid: 'stranger@localhost/sub' })));
    expect(reply.getChild('pubsub')!.getChild('subscription')!.attrs).toMatchObject({ node, subscription: 'subscribed' });
    expect((await stranger.next(isEvent(node))).getChild('event')!.getChild('items')!.getChild('item')!.attrs.id).toBe('current'); // the last item
    await alice.query(publish(node, xml('list', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('device', { id: '7' })), { id: 'current' }));
    const event = await stranger.next(isEvent(node));
    expect(event.getChild('event')!.getChild('items')!.getChild('item')!.getChild('list')!.getChild('device')!.attrs.id).toBe('7');
    expect(errorOf(await stranger.query(pubsub('set', 'alice@localhost', xml('unsubscribe', { node, jid: 'stranger@localhost/sub' }))))).toMatchObject({ type: 'result' });
    expect(errorOf(await stranger.query(pubsub('set', 'alice@localhost', xml('unsubscribe', { node, jid: 'stranger@localhost/sub' }))))).toMatchObject({ condition: 'unexpected-request', pubsub: 'not-subscribed' });
  });
});

describe('whitelist (XEP-0223) and account deletion', () => {
  it('lets only the owner and members read a whitelist node', async () => {
    const alice = await h.connect('alice', 'wl');
    const node = unique('storage:bookmarks');
    await alice.query(publish(node, xml('storage', { xmlns: 'storage:bookmarks' }), { id: 'current', options: { 'pubsub#access_model': 'whitelist', 'pubsub#persist_items': 'true' } }));
    const bob = await h.connect('bob', 'wl');
    expect(errorOf(await bob.query(pubsub('get', 'alice@localhost', xml('items', { node }))))).toEqual({ type: 'error', errorType: 'cancel', condition: 'not-allowed', pubsub: 'closed-node' });
    await alice.query(owner('set', xml('affiliations', { node }, xml('affiliation', { jid: 'bob@localhost', affiliation: 'member' }))));
    expect(itemIds(await bob.query(pubsub('get', 'alice@localhost', xml('items', { node }))))).toEqual(['current']);
    expect(itemIds(await alice.query(pubsub('get', 'alice@localhost', xml('items', { node }))))).toEqual(['current']);
  });

  it('deletes an account\'s nodes with it', async () => {
    await h.createUser('leaving');
    await h.core.storage.pubsub.createNode('leaving', 'urn:example:n', '{}', 10);
    await h.core.storage.accounts.delete('leaving');
    expect(await h.core.storage.pubsub.listNodes('leaving')).toEqual([]);
  });
});
