import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryOmemoStore } from '@conexizan/crypto/omemo';
import { NS, type Element } from '@conexizan/protocol';
import { NodeOmemoClient, PythonOmemoPeer } from '../interop/omemo-peers.ts';
import { postgresUrlForTests, startCluster, type ClusterNodeUnderTest, type ClusterUnderTest } from '../support/cluster.ts';
import { createAccount, registerInBand, tryLogin } from '../support/raw-xmpp.ts';
import { SlixmppDriver } from '../support/slixmpp-driver.ts';
import { eventually } from '../support/wait.ts';
import { acceptSelfSignedCertificates, loginJs, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * One domain on three `conexizan serve` processes (127.0.0.51–53) sharing a
 * real Redis and the real PostgreSQL, with users of two client libraries
 * nobody here wrote, slixmpp and @xmpp/client, on different nodes: what
 * each of them sees must be what it would see on a single server.
 */
const PASSWORD = 'cluster tests password';
/** in-band registrations per address and hour (the tests' own accounts come from 127.0.0.1, well below it) */
const REGISTRATIONS = 30;
const COMPONENT_SECRET = 'cluster component secret';
const postgresUrl = postgresUrlForTests();

let cluster: ClusterUnderTest;
let slix: SlixmppDriver;
let restoreTls: () => void;
const sessions: JsSession[] = [];

const node = (n: 1 | 2 | 3): ClusterNodeUnderTest => cluster.nodes[n - 1]!;
const jidOf = (user: string) => `${user}@localhost`;

async function account(user: string, at: 1 | 2 | 3 = 1): Promise<void> {
  await createAccount({ host: node(at).address, port: node(at).ports.c2s, username: user, password: PASSWORD });
}

/** An @xmpp/client session on a node (STARTTLS). */
async function js(user: string, at: 1 | 2 | 3, resource: string): Promise<JsSession> {
  const session = await loginJs({ service: `xmpp://${node(at).address}:${node(at).ports.c2s}`, transport: 'starttls', username: user, password: PASSWORD, resource });
  sessions.push(session);
  return session;
}

/** A slixmpp client on a node. */
async function slixmpp(name: string, user: string, at: 1 | 2 | 3): Promise<void> {
  await slix.command('login', { client: name, jid: `${jidOf(user)}/slix`, password: PASSWORD, host: node(at).address, port: node(at).ports.c2s });
}

const stanzaError = (el: Element) => el.getChild('error')?.getChildElements().find((child) => child.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas')?.name;
/** Sessions node n holds, as /metrics on node 2 counts them. */
async function countOn(n: 1 | 2 | 3): Promise<number> {
  const match = new RegExp(`conexizan_cluster_sessions\\{node="node-${n}"\\} (\\d+)`).exec(await node(2).metrics());
  return match ? Number(match[1]) : 0;
}

const isPresence = (from: string, type?: string) => (el: Element) => el.name === 'presence' && el.attrs.from === from && el.attrs.type === type;
const withBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;

beforeAll(async () => {
  if (!postgresUrl) return;
  restoreTls = acceptSelfSignedCertificates();
  cluster = await startCluster({
    addresses: ['127.0.0.51', '127.0.0.52', '127.0.0.53'], redisAddress: '127.0.0.50', postgresUrl,
    limits: { registrations_per_hour: REGISTRATIONS }, components: [{ domain: 'bot.localhost', secret: COMPONENT_SECRET }],
  });
  await cluster.waitForNodes(3);
  slix = await SlixmppDriver.start();
});

afterAll(async () => {
  for (const session of sessions) await session.stop();
  await slix?.quit();
  await cluster?.stop();
  restoreTls?.();
});

describe.skipIf(!postgresUrl)('one domain on three nodes', () => {
  it('each node reports its link to Redis and PostgreSQL and counts the others in /health', async () => {
    for (const [index, member] of cluster.nodes.entries()) {
      const health = await member.health();
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', storage: 'ok', redis: 'ok', node: `node-${index + 1}`, nodes: 3 });
    }
  });

  it('slixmpp on node 1 and @xmpp/client on node 2 subscribe to each other, see each other online and chat', async () => {
    await account('alice');
    await account('bob', 2);
    await slixmpp('alice', 'alice', 1);
    const bob = await js('bob', 2, 'laptop');

    await slix.command('presence', { client: 'alice', to: jidOf('bob'), type: 'subscribe' });
    await bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from === jidOf('alice'), 'the subscription request on node 2');
    await bob.send(xml('presence', { to: jidOf('alice'), type: 'subscribed' }));
    await bob.send(xml('presence', { to: jidOf('alice'), type: 'subscribe' }));
    await slix.stanza('alice', (el) => el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from === jidOf('bob'), 'the request back');
    await slix.command('presence', { client: 'alice', to: jidOf('bob'), type: 'subscribed' });

    // Each sees the other's resource come online (presence probe and broadcast across nodes).
    await slix.stanza('alice', isPresence(`${jidOf('bob')}/laptop`), "bob's presence");
    await bob.inbox.waitFor(isPresence(`${jidOf('alice')}/slix`), "alice's presence");
    const roster = await slix.command('roster', { client: 'alice' });
    expect(roster.items).toEqual({ [jidOf('bob')]: { subscription: 'both', ask: null } });

    await slix.command('message', { client: 'alice', to: jidOf('bob'), body: 'hello from node 1' });
    const received = await bob.inbox.waitFor(withBody('hello from node 1'), 'the message on node 2');
    expect(received.attrs.from).toBe(`${jidOf('alice')}/slix`);
    expect(received.getChild('stanza-id', NS.SID)?.attrs.by).toBe(jidOf('bob'));
    await bob.send(xml('message', { to: `${jidOf('alice')}/slix`, type: 'chat' }, xml('body', {}, 'hello back from node 2')));
    const answer = await slix.stanza('alice', withBody('hello back from node 2'), 'the answer on node 1');
    expect(answer.attrs.from).toBe(`${jidOf('bob')}/laptop`);

    // Bob leaves: alice on the other node sees him go.
    await bob.stop();
    await slix.stanza('alice', isPresence(`${jidOf('bob')}/laptop`, 'unavailable'), "bob's unavailable presence");
  });

  it('offline storage and the archive: what slixmpp on node 1 sends while bob is away reaches @xmpp/client on node 3 at login; slixmpp\'s MAM finds the conversation', async () => {
    await slix.command('message', { client: 'alice', to: jidOf('bob'), body: 'while you were away' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const bob = await js('bob', 3, 'back');
    const kept = await bob.inbox.waitFor(withBody('while you were away'), 'the offline message on node 3');
    expect(kept.getChild('delay', 'urn:xmpp:delay')?.attrs.from).toBe('localhost');
    await bob.send(xml('message', { to: jidOf('alice'), type: 'chat' }, xml('body', {}, 'got it, thanks')));
    await slix.stanza('alice', withBody('got it, thanks'), 'the answer from node 3');
    const archive = await slix.command('mam', { client: 'alice', with: jidOf('bob') });
    const bodies = (archive.results as { body: string }[]).map((result) => result.body);
    expect(bodies).toEqual(expect.arrayContaining(['hello from node 1', 'hello back from node 2', 'while you were away', 'got it, thanks']));
    await bob.stop();
  });

  it('carbons: slixmpp on node 1 gets copies of what alice sends and receives with @xmpp/client on node 3', async () => {
    await slix.command('carbons', { client: 'alice' });
    const aliceOnThree = await js('alice', 3, 'tablet');
    await aliceOnThree.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('enable', { xmlns: NS.CARBONS })));
    const bob = await js('bob', 2, 'laptop');
    await slix.stanza('alice', isPresence(`${jidOf('bob')}/laptop`), "bob's presence again");

    // To alice's other device only: slixmpp gets the received carbon (XEP-0280 §6).
    await bob.send(xml('message', { to: `${jidOf('alice')}/tablet`, type: 'chat' }, xml('body', {}, 'for the tablet')));
    await aliceOnThree.inbox.waitFor(withBody('for the tablet'), 'the message on node 3');
    const received = await slix.carbon('alice', 'received', withBody('for the tablet'), 'the received carbon on node 1');
    expect(received.attrs.from).toBe(`${jidOf('bob')}/laptop`);

    // From the tablet: slixmpp gets the sent carbon.
    await aliceOnThree.send(xml('message', { to: jidOf('bob'), type: 'chat' }, xml('body', {}, 'from the tablet')));
    await bob.inbox.waitFor(withBody('from the tablet'), 'the message on node 2');
    const sent = await slix.carbon('alice', 'sent', withBody('from the tablet'), 'the sent carbon on node 1');
    expect(sent.attrs.to).toBe(jidOf('bob'));

    // To the bare JID: both of alice's devices (same priority) get the message itself, no carbon.
    await bob.send(xml('message', { to: jidOf('alice'), type: 'chat' }, xml('body', {}, 'for all of alice')));
    await aliceOnThree.inbox.waitFor(withBody('for all of alice'), 'the bare-JID message on node 3');
    await slix.stanza('alice', withBody('for all of alice'), 'the bare-JID message on node 1');
    expect(slix.events.received.filter((e) => e.event === 'carbon' && e.element?.getChildText('body') === 'for all of alice')).toEqual([]);
    await aliceOnThree.stop();
    await bob.stop();
  });

  it('roster pushes reach every interested resource, whichever node it is on', async () => {
    const aliceOnTwo = await js('alice', 2, 'desk');
    await aliceOnTwo.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await aliceOnTwo.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: jidOf('bob'), name: 'Bob B.' }))));
    const push = await slix.stanza('alice', (el) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.name === 'Bob B.', 'the roster push on node 1');
    expect(push.getChild('query', 'jabber:iq:roster')!.getChild('item')!.attrs.subscription).toBe('both');
    await aliceOnTwo.stop();
  });

  it('a second session with the same full JID on another node ends the first with conflict', async () => {
    await account('carol');
    const first = await js('carol', 1, 'phone');
    await js('carol', 3, 'phone');
    await eventually(() => first.errors.find((error) => error.condition === 'conflict'), 'the first session to get a conflict stream error', 10_000);
  });

  it('deleting an account ends its sessions on every node, and its contacts elsewhere hear of it', async () => {
    await account('erin');
    const onOne = await js('erin', 1, 'one');
    const onTwo = await js('erin', 2, 'two');
    const onThree = await js('erin', 3, 'three');
    // alice (slixmpp, node 1) and erin become contacts.
    await slix.command('presence', { client: 'alice', to: jidOf('erin'), type: 'subscribe' });
    await onThree.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe', 'the request');
    await onThree.send(xml('presence', { to: jidOf('alice'), type: 'subscribed' }));
    await slix.stanza('alice', isPresence(`${jidOf('erin')}/three`), "erin's presence");

    await onTwo.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:register' }, xml('remove'))));
    for (const session of [onOne, onTwo, onThree]) {
      await eventually(() => session.xmpp.status === 'offline' || session.errors.some((e) => e.condition === 'not-authorized'), `erin's session ${session.jid} to end`, 10_000);
    }
    await slix.stanza('alice', isPresence(jidOf('erin'), 'unsubscribed'), 'the unsubscribed from the deleted account');
    const roster = await slix.command('roster', { client: 'alice' });
    expect((roster.items as Record<string, { subscription: string }>)[jidOf('erin')]?.subscription).toBe('none');
  });

  it('a group chat with occupants on all three nodes: everyone sees everyone enter and every message', async () => {
    const room = 'lounge@conference.localhost';
    const bob = await js('bob', 2, 'muc');
    const carol = await js('carol', 3, 'muc');
    // Created by @xmpp/client on node 2 (so node 2 hosts it), default configuration accepted.
    await bob.send(xml('presence', { to: `${room}/bob` }, xml('x', { xmlns: NS.MUC })));
    await bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/bob` && el.getChild('x', NS.MUC_USER)?.getChildren('status').some((st) => st.attrs.code === '201') === true, 'the new room');
    await bob.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: NS.MUC_OWNER }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
    await slix.command('join', { client: 'alice', room, nick: 'alice' });
    await carol.send(xml('presence', { to: `${room}/carol` }, xml('x', { xmlns: NS.MUC })));
    await carol.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/carol`, 'carol in the room');
    for (const nick of ['alice', 'bob']) await carol.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/${nick}`, `${nick} seen from node 3`);
    await slix.stanza('alice', (el) => el.name === 'presence' && el.attrs.from === `${room}/carol`, 'carol seen from node 1');
    await bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/alice`, 'alice seen from node 2');

    await slix.command('groupchat', { client: 'alice', room, body: 'hello room, from node 1' });
    await carol.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'hello room, from node 3')));
    for (const body of ['hello room, from node 1', 'hello room, from node 3']) {
      await bob.inbox.waitFor((el) => withBody(body)(el) && el.attrs.type === 'groupchat', `"${body}" on node 2`);
      await carol.inbox.waitFor((el) => withBody(body)(el) && el.attrs.type === 'groupchat', `"${body}" on node 3`);
      await slix.stanza('alice', (el) => withBody(body)(el) && el.attrs.type === 'groupchat', `"${body}" on node 1`);
    }
    const fromAlice = carol.inbox.received.find(withBody('hello room, from node 1'))!;
    expect(fromAlice.attrs.from).toBe(`${room}/alice`);
    expect(fromAlice.getChild('stanza-id', NS.SID)?.attrs.by).toBe(room);
  });

  it('a block list changed on node 1 applies at once on node 2, which had it cached', async () => {
    await account('frank');
    await account('mallory', 2);
    const frank = await js('frank', 1, 'home');
    const mallory = await js('mallory', 2, 'away');
    const say = (body: string) => mallory.send(xml('message', { to: jidOf('frank'), type: 'chat', id: body }, xml('body', {}, body)));
    await say('first, before the block');
    await frank.inbox.waitFor(withBody('first, before the block'), 'the first message');
    await frank.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('block', { xmlns: NS.BLOCKING }, xml('item', { jid: jidOf('mallory') }))));
    await say('after the block');
    // XEP-0191 §3.3: as if frank had no account; node 2 asked its cache, which node 1 told to forget.
    const refused = await mallory.inbox.waitFor((el) => el.name === 'message' && el.attrs.type === 'error' && el.attrs.id === 'after the block', 'the error for a blocked message');
    expect(stanzaError(refused)).toBe('service-unavailable');
    await frank.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('unblock', { xmlns: NS.BLOCKING }, xml('item', { jid: jidOf('mallory') }))));
    await say('after the unblock');
    await frank.inbox.waitFor(withBody('after the unblock'), 'the message after unblocking');
    expect(frank.inbox.received.filter(withBody('after the block'))).toEqual([]);
  });

  it('archiving preferences set on node 1 apply to messages that arrive on node 2', async () => {
    const frank = await js('frank', 1, 'prefs');
    const mallory = await js('mallory', 2, 'prefs');
    // Node 2 archives for frank (and so has read his preferences) before he changes them.
    await mallory.send(xml('message', { to: `${jidOf('frank')}/prefs`, type: 'chat' }, xml('body', {}, 'kept in the archive')));
    const kept = await frank.inbox.waitFor(withBody('kept in the archive'), 'an archived message');
    expect(kept.getChild('stanza-id', NS.SID)?.attrs.by).toBe(jidOf('frank'));
    await frank.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('prefs', { xmlns: NS.MAM, default: 'never' })));
    await mallory.send(xml('message', { to: `${jidOf('frank')}/prefs`, type: 'chat' }, xml('body', {}, 'not archived')));
    const unkept = await frank.inbox.waitFor(withBody('not archived'), 'the message after "never"');
    expect(unkept.getChild('stanza-id', NS.SID)).toBeUndefined();
  });

  it('failed logins from one address count on every node', async () => {
    await account('grace', 2);
    // From an address no other test uses: five failures against one account spread over the three nodes.
    const from = { localAddress: '127.0.0.60', username: 'grace', password: 'not her password', mechanism: 'SCRAM-SHA-1' as const };
    const outcomes: (string | null)[] = [];
    for (const at of [1, 2, 3, 1, 2] as const) {
      const result = await tryLogin({ host: node(at).address, port: node(at).ports.c2s, ...from });
      outcomes.push(result.ok ? 'ok' : result.condition);
    }
    expect(outcomes).toEqual(Array(5).fill('not-authorized'));
    // No node saw more than two of them, yet the sixth is refused before any password check.
    const sixth = await tryLogin({ host: node(3).address, port: node(3).ports.c2s, ...from });
    expect(sixth.ok ? 'ok' : sixth.condition).toBe('temporary-auth-failure');
    const owner = await tryLogin({ host: node(3).address, port: node(3).ports.c2s, username: 'grace', password: PASSWORD });
    expect(owner.ok).toBe(true);
  });

  it('in-band registrations from one address count on every node', async () => {
    const from = (n: 1 | 2 | 3, i: number) => ({ host: node(n).address, port: node(n).ports.c2s, localAddress: '127.0.0.61', username: `many-${i}`, password: PASSWORD });
    for (let i = 0; i < REGISTRATIONS; i++) expect((await registerInBand(from(((i % 3) + 1) as 1 | 2 | 3, i))).attrs.type).toBe('result');
    const refused = await registerInBand(from(2, REGISTRATIONS));
    expect(refused.attrs.type).toBe('error');
    expect(stanzaError(refused)).toBe('policy-violation');
  });

  it('PEP: slixmpp on node 1 announces +notify and gets the item published on node 3 (caps learnt on one node, used on another)', async () => {
    await account('heidi', 3);
    await slix.command('presence', { client: 'alice', to: jidOf('heidi'), type: 'subscribe' });
    const heidi = await js('heidi', 3, 'pc');
    await heidi.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe', "alice's request");
    await heidi.send(xml('presence', { to: jidOf('alice'), type: 'subscribed' }));
    const node_ = 'urn:example:cluster-mood';
    await slix.command('interest', { client: 'alice', node: node_ });
    // Node 1 queried slixmpp's caps; give the news a moment to reach node 3.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await heidi.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: node_ }, xml('item', { id: 'now' }, xml('mood', { xmlns: node_ }, 'clustered'))))));
    const event = await slix.stanza('alice', (el) => el.getChild('event', NS.PUBSUB_EVENT)?.getChild('items')?.attrs.node === node_, 'the PEP notification on node 1');
    expect(event.attrs.from).toBe(jidOf('heidi'));
    expect(event.getChild('event', NS.PUBSUB_EVENT)!.getChild('items')!.getChild('item')!.getChildText('mood')).toBe('clustered');
  });

  it('OMEMO: python-omemo on node 1 publishes its device list and bundle; @conexizan/crypto on node 2 reads them and both decrypt each other', async () => {
    await account('olivia');
    await account('oscar', 2);
    const dir = await mkdtemp(join(tmpdir(), 'cnx-cluster-omemo-'));
    const { peer: olivia, ready } = await PythonOmemoPeer.start({ host: node(1).address, port: node(1).ports.c2s, user: 'olivia', password: PASSWORD, state: join(dir, 'olivia.json') });
    let oscar: NodeOmemoClient | undefined;
    try {
      oscar = await NodeOmemoClient.start({ server: { service: `xmpp://${node(2).address}:${node(2).ports.c2s}`, domain: 'localhost' }, username: 'oscar', password: PASSWORD, resource: 'node', store: new MemoryOmemoStore() });
      const list = await oscar.directory.fetchDeviceList(jidOf('olivia'));
      expect(list?.getChildren('device').map((device) => Number(device.attrs.id))).toContain(ready.device_id);
      await oscar.sendText(jidOf('olivia'), 'hello olivia, from node 2');
      const received = await olivia.waitFor((o) => o.step === 'received' && o.text === 'hello olivia, from node 2', 'python-omemo to decrypt on node 1');
      expect(received.from).toBe(jidOf('oscar'));
      olivia.send({ cmd: 'send', to: jidOf('oscar'), text: 'hello oscar, from node 1' });
      const answer = await oscar.waitFor((r) => r.result?.plaintext === 'hello oscar, from node 1', '@conexizan/crypto to decrypt on node 2');
      expect(answer.result?.senderDevice).toBe(ready.device_id);
    } finally {
      await olivia.quit();
      await oscar?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a file uploaded through node 1 is served by node 3 (one shared upload directory)', async () => {
    const oscar = await js('oscar', 1, 'uploads');
    const reply = await oscar.xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'note.txt', size: '17', 'content-type': 'text/plain' })));
    const slot = reply.getChild('slot', NS.HTTP_UPLOAD)!;
    const put = slot.getChild('put')!;
    const at = (n: 1 | 2 | 3, url: string) => { const u = new URL(url); u.host = `${node(n).address}:${node(n).ports.http}`; return u.toString(); };
    const authorization = put.getChildren('header').find((h) => h.attrs.name === 'Authorization')!.getText();
    // A load balancer may send the PUT to another node than the one that handed out the slot.
    const stored = await fetch(at(2, put.attrs.url as string), { method: 'PUT', headers: { authorization, 'content-type': 'text/plain' }, body: 'shared by 3 nodes' });
    expect(stored.status).toBe(201);
    const served = await fetch(at(3, slot.getChild('get')!.attrs.url as string));
    expect(served.status).toBe(200);
    expect(await served.text()).toBe('shared by 3 nodes');
  });

  it('stream management: a client whose connection drops resumes on another node and gets what was sent meanwhile', async () => {
    await account('sam');
    await slix.command('login', { client: 'sam', jid: `${jidOf('sam')}/phone`, password: PASSWORD, host: node(1).address, port: node(1).ports.c2s, sm: true });
    const bob = await js('bob', 2, 'sm');
    const toSam = (body: string) => bob.send(xml('message', { to: `${jidOf('sam')}/phone`, type: 'chat' }, xml('body', {}, body)));
    await toSam('before the drop');
    await slix.stanza('sam', withBody('before the drop'), 'the first message');
    const before = { one: await countOn(1), three: await countOn(3) };
    await slix.command('drop', { client: 'sam' });
    // Node 1 keeps the session waiting for resumption and queues these for it.
    for (const n of [1, 2, 3]) await toSam(`while away ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { outcome } = await slix.command('reconnect', { client: 'sam', host: node(3).address, port: node(3).ports.c2s });
    expect(outcome).toBe('resumed');
    for (const n of [1, 2, 3]) await slix.stanza('sam', withBody(`while away ${n}`), `queued message ${n} after resuming on node 3`);
    await toSam('after the move');
    await slix.stanza('sam', withBody('after the move'), 'a message to the session on its new node');
    // One session all along: nobody was told it went away, and no message came twice.
    expect(slix.events.received.filter((e) => e.client === 'sam' && e.element?.getChildText('body') === 'while away 2')).toHaveLength(1);
    // The session itself moved: node 1 holds one fewer, node 3 one more.
    await eventually(async () => (await countOn(1)) === before.one - 1 && (await countOn(3)) === before.three + 1, 'the session to be counted on node 3 instead of node 1');
  });

  it('an external component connected to node 1 (slixmpp\'s ComponentXMPP) serves users on every node; a second connection elsewhere is refused', async () => {
    await slix.command('component', { client: 'bot', jid: 'bot.localhost', secret: COMPONENT_SECRET, host: node(1).address, port: node(1).ports.component });
    const user = await js('bob', 3, 'bot-user');
    await user.send(xml('message', { to: 'echo@bot.localhost', type: 'chat' }, xml('body', {}, 'hello bot, from node 3')));
    const atBot = await slix.stanza('bot', withBody('hello bot, from node 3'), 'the message at the component');
    expect(atBot.attrs.from).toBe(`${jidOf('bob')}/bot-user`);
    await slix.command('message', { client: 'bot', from: 'echo@bot.localhost', to: `${jidOf('bob')}/bot-user`, body: 'hello bob, from the bot' });
    const answer = await user.inbox.waitFor(withBody('hello bob, from the bot'), 'the answer on node 3');
    expect(answer.attrs.from).toBe('echo@bot.localhost');
    const second = await slix.try('component', { client: 'bot-again', jid: 'bot.localhost', secret: COMPONENT_SECRET, host: node(2).address, port: node(2).ports.component });
    if (second.ok) await slix.events.waitFor((e) => e.client === 'bot-again' && e.event === 'closed', 'the second connection to be closed');
    // The first one still serves.
    await user.send(xml('message', { to: 'echo@bot.localhost', type: 'chat' }, xml('body', {}, 'still there?')));
    await slix.stanza('bot', withBody('still there?'), 'the message at the first component');
  });

  it('/metrics counts sessions per node and stanzas routed between nodes', async () => {
    await account('dave');
    const onOne = await js('dave', 1, 'one');
    const onThree = await js('dave', 3, 'three');
    await onOne.send(xml('message', { to: `${jidOf('dave')}/three`, type: 'chat' }, xml('body', {}, 'to my other device')));
    await onThree.inbox.waitFor(withBody('to my other device'), 'the message on node 3');
    const text = await eventually(async () => {
      const metrics = await node(1).metrics();
      return /conexizan_cluster_sessions\{node="node-3"\} [1-9]/.test(metrics) && metrics;
    }, 'node 1 to count sessions on node 3');
    expect(text).toMatch(/conexizan_cluster_nodes 3/);
    expect(text).toMatch(/conexizan_cluster_stanzas_total\{direction="sent"\} [1-9]/);
    expect(await node(3).metrics()).toMatch(/conexizan_cluster_stanzas_total\{direction="received"\} [1-9]/);
  });
});
