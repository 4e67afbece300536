import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import { postgresUrlForTests, startCluster, type ClusterNodeUnderTest, type ClusterUnderTest } from '../support/cluster.ts';
import { chat, connectSecure, createAccount, hasBody, login, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { SlixmppDriver } from '../support/slixmpp-driver.ts';
import { eventually, sleep } from '../support/wait.ts';
import { acceptSelfSignedCertificates, loginJs, type JsSession } from '../support/xmpp-js.ts';

/**
 * What a cluster promises when things break (three nodes, real Redis and
 * PostgreSQL, node_timeout_seconds = 3): a node killed with -9 in the middle
 * of a steady stream of messages loses none its senders saw acknowledged
 * (XEP-0198) and delivers none twice: each arrives live, from offline storage
 * or from the archive; a session on the dead node cannot be resumed
 * (item-not-found) and the client catches up; the node hosting a room dies
 * and the room goes on elsewhere, its occupants finding out by self-ping;
 * Redis restarts and routing resumes; registry entries that point nowhere
 * never swallow a message.
 */
const SM = 'urn:xmpp:sm:3';
const PASSWORD = 'faults tests password';
const postgresUrl = postgresUrlForTests();

let cluster: ClusterUnderTest;
let slix: SlixmppDriver;
let restoreTls: () => void;
const connections: RawXmppConnection[] = [];
const sessions: JsSession[] = [];

const node = (n: 1 | 2 | 3): ClusterNodeUnderTest => cluster.nodes[n - 1]!;
const jidOf = (user: string) => `${user}@localhost`;
const where = (n: 1 | 2 | 3) => ({ host: node(n).address, port: node(n).ports.c2s });

async function account(user: string): Promise<void> {
  await createAccount({ ...where(1), username: user, password: PASSWORD });
}

async function raw(user: string, at: 1 | 2 | 3, resource: string): Promise<RawXmppConnection> {
  const connection = await login({ ...where(at), username: user, password: PASSWORD, resource });
  connections.push(connection);
  return connection;
}

/** A login that enables stream management (with resumption); returns the resumption id. */
async function rawWithSm(user: string, at: 1 | 2 | 3, resource: string): Promise<{ connection: RawXmppConnection; previd: string }> {
  const { connection } = await connectSecure(where(at));
  connections.push(connection);
  const auth = await connection.authenticate(user, PASSWORD);
  if (!auth.ok) throw new Error(`login of ${user} failed`);
  await connection.openStream();
  await connection.bind(resource);
  connection.send(xml('enable', { xmlns: SM, resume: 'true' }));
  const enabled = await connection.inbox.waitFor((el) => el.name === 'enabled' && el.attrs.xmlns === SM, '<enabled/>');
  connection.send(xml('presence'));
  return { connection, previd: String(enabled.attrs.id) };
}

/** Every body in the account's archive (XEP-0313), page by page. */
async function archivedBodies(connection: RawXmppConnection): Promise<string[]> {
  const bodies: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 50; page++) {
    const queryid = `q${page}`;
    const set = xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, '100'), after ? xml('after', {}, after) : null);
    const before = connection.inbox.received.length;
    const done = await connection.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.MAM, queryid }, set)), 15_000);
    const results = connection.inbox.received.slice(before).filter((el) => el.name === 'message' && el.getChild('result', NS.MAM)?.attrs.queryid === queryid);
    for (const result of results) bodies.push(result.getChild('result', NS.MAM)!.getChild('forwarded', NS.FORWARD)!.getChild('message')!.getChildText('body') ?? '');
    const fin = done.getChild('fin', NS.MAM)!;
    if (fin.attrs.complete === 'true' || results.length === 0) return bodies;
    after = fin.getChild('set', 'http://jabber.org/protocol/rsm')!.getChildText('last');
  }
  return bodies;
}

/** Sends numbered messages one after the other, asking for acknowledgements; keeps the highest 'h' seen. */
class SteadySender {
  readonly bodies: string[] = [];
  acked = 0;
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(readonly connection: RawXmppConnection, to: string, label: string, everyMs = 15) {
    connection.send(xml('enable', { xmlns: SM }));
    const track = () => {
      for (const el of connection.inbox.received) if (el.name === 'a' && el.attrs.xmlns === SM) this.acked = Math.max(this.acked, Number(el.attrs.h));
    };
    this.#done = (async () => {
      await connection.inbox.waitFor((el) => el.name === 'enabled' && el.attrs.xmlns === SM, '<enabled/>');
      for (let i = 1; !this.#stopped && !connection.isClosed; i++) {
        const body = `${label} ${i} ${randomBytes(3).toString('hex')}`;
        this.bodies.push(body);
        connection.send(chat(to, body));
        connection.send(xml('r', { xmlns: SM }));
        await sleep(everyMs);
        track();
      }
      track();
    })();
  }

  /** The messages the server acknowledged: what it promised to deliver. */
  get acknowledged(): string[] {
    return this.bodies.slice(0, this.acked);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
    if (this.connection.isClosed) return;
    await this.connection.inbox.waitFor((el) => el.name === 'a' && el.attrs.xmlns === SM && Number(el.attrs.h) >= this.bodies.length, 'the last acknowledgement', 15_000);
    this.acked = this.bodies.length;
  }
}

beforeAll(async () => {
  if (!postgresUrl) return;
  restoreTls = acceptSelfSignedCertificates();
  cluster = await startCluster({ addresses: ['127.0.0.62', '127.0.0.63', '127.0.0.64'], redisAddress: '127.0.0.65', postgresUrl });
  await cluster.waitForNodes(3);
  slix = await SlixmppDriver.start();
}, 120_000);

afterAll(async () => {
  for (const connection of connections) connection.destroy();
  for (const session of sessions) await session.stop();
  await slix?.quit();
  await cluster?.stop();
  restoreTls?.();
});

describe.skipIf(!postgresUrl)('a cluster when things break', () => {
  it('registry entries that point at a dead node, or at a session a live node does not have, never swallow a message', async () => {
    await account('eve');
    await account('finn');
    const finn = await raw('finn', 2, 'pc');
    // What a node leaves behind when it dies between writing a session and cleaning up, and one a live node has lost.
    const redis = new Redis(cluster.redis.url);
    try {
      const record = (node: string, resource: string) => JSON.stringify({ id: `stale-${resource}`, node, jid: `${jidOf('eve')}/${resource}`, available: true, priority: 5, presence: '<presence/>', interested: false, flags: [] });
      await redis.hset('conexizan:localhost:sessions', `${jidOf('eve')}/ghost`, record('node-that-never-was', 'ghost'));
      await redis.publish('conexizan:localhost:all', JSON.stringify({ t: 'sessions', f: 'test', m: JSON.stringify({ s: JSON.parse(record('node-that-never-was', 'ghost')) }) }));
      finn.send(chat(jidOf('eve'), 'for eve, whose only session is a ghost'));
      // A ping answered means the message before it has been routed (a stream is handled in order).
      await finn.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      await redis.publish('conexizan:localhost:all', JSON.stringify({ t: 'sessions', f: 'test', m: JSON.stringify({ s: JSON.parse(record('node-3', 'lost')) }) }));
      await sleep(300);
      finn.send(chat(`${jidOf('eve')}/lost`, 'for a session node 3 does not have'));
    } finally {
      redis.disconnect();
    }
    await sleep(1000);
    const eve = await raw('eve', 1, 'phone');
    // To the bare JID with no session that counts: kept offline, delivered when eve comes.
    const kept = await eve.inbox.waitFor(hasBody('for eve, whose only session is a ghost'), 'the message from offline storage', 15_000);
    expect(kept.getChild('delay', NS.DELAY)).toBeDefined();
    // To the full JID node 3 does not know: node 3 hands it back as undelivered; it is in eve's archive.
    expect(await archivedBodies(eve)).toContain('for a session node 3 does not have');
    expect(finn.inbox.received.filter((el) => el.name === 'message' && el.attrs.type === 'error')).toEqual([]);
  });

  it('Redis restarts: the nodes reconnect, write their sessions again, and routing resumes', async () => {
    await account('gus');
    await account('hana');
    const gus = await raw('gus', 1, 'pc');
    const hana = await raw('hana', 3, 'pc');
    gus.send(chat(`${jidOf('hana')}/pc`, 'before the restart'));
    await hana.inbox.waitFor(hasBody('before the restart'), 'a message before the restart');
    await cluster.redis.restart();
    await eventually(async () => {
      for (const member of cluster.nodes) {
        const health = await member.health();
        if (health.body.redis !== 'ok' || health.body.nodes !== 3) return false;
      }
      return true;
    }, 'every node to be back on Redis and see the others', 20_000);
    // The sessions that were there before are found again (each node wrote its own back).
    await eventually(async () => {
      gus.send(chat(`${jidOf('hana')}/pc`, 'after the restart'));
      return hana.inbox.nothing(hasBody('after the restart'), 1000).then((nothing) => !nothing);
    }, 'a message across nodes after the restart', 20_000);
    expect((await node(1).health()).status).toBe(200);
  });

  it('kill -9 of a node in the middle of steady streams: every acknowledged message arrives exactly once (live, offline or from the archive); the dead node\'s session cannot be resumed', async () => {
    for (const user of ['ivy', 'jay', 'kim', 'lou']) await account(user);
    // ivy (node 1) writes to kim (node 2): the sender's node dies. lou (node 3) writes to jay (node 1): the recipient's node dies.
    const kim = await raw('kim', 2, 'phone');
    const jay = await rawWithSm('jay', 1, 'phone');
    const ivy = new SteadySender(await raw('ivy', 1, 'pc'), jidOf('kim'), 'ivy to kim');
    const lou = new SteadySender(await raw('lou', 3, 'pc'), jidOf('jay'), 'lou to jay');
    await sleep(1500);
    await node(1).process.kill();
    // lou goes on writing to jay, whose session was on the dead node: first it is still registered
    // (the node's lease has not run out: what is sent there waits, then is let go as undelivered), then gone.
    await sleep(6000);
    await lou.stop();
    await ivy.stop();
    expect(ivy.acked).toBeGreaterThan(10);
    expect(lou.acked).toBeGreaterThan(50);

    // jay comes back through another node: resuming the dead node's session fails cleanly…
    const { connection } = await connectSecure(where(2));
    connections.push(connection);
    expect((await connection.authenticate('jay', PASSWORD)).ok).toBe(true);
    await connection.openStream();
    connection.send(xml('resume', { xmlns: SM, previd: jay.previd, h: '0' }));
    const failed = await connection.inbox.waitFor((el) => el.attrs.xmlns === SM && (el.name === 'failed' || el.name === 'resumed'), 'the answer to <resume/>', 15_000);
    expect(failed.name).toBe('failed');
    expect(failed.getChild('item-not-found', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toBeDefined();
    // …so it binds afresh, gets what waited in offline storage, and catches up from its archive.
    await connection.bind('phone');
    connection.send(xml('presence'));
    await sleep(2000);
    const live = (c: RawXmppConnection) => c.inbox.received.filter((el) => el.name === 'message' && el.getChild('body') && !el.getChild('result', NS.MAM)).map((el) => el.getChildText('body')!);
    const jayDelivered = [...live(jay.connection), ...live(connection)];
    const jayArchive = await archivedBodies(connection);
    const kimDelivered = live(kim);
    const kimArchive = await archivedBodies(kim);

    for (const [who, sender, delivered, archive] of [['jay', lou, jayDelivered, jayArchive], ['kim', ivy, kimDelivered, kimArchive]] as const) {
      const missing = sender.acknowledged.filter((body) => !delivered.includes(body) && !archive.includes(body));
      expect(missing, `acknowledged messages ${who} never got`).toEqual([]);
      const twice = delivered.filter((body, index) => delivered.indexOf(body) !== index);
      expect(twice, `messages ${who} got twice`).toEqual([]);
      const archivedTwice = archive.filter((body, index) => archive.indexOf(body) !== index);
      expect(archivedTwice, `messages archived twice for ${who}`).toEqual([]);
    }
    // Some of lou's reached jay live, some waited in offline storage once the node was known dead.
    expect(live(jay.connection).length).toBeGreaterThan(0);
    expect(live(connection).length).toBeGreaterThan(0);

    await node(1).process.start();
    await cluster.waitForNodes(3);
  });

  it('the node hosting a room dies: the room goes on on another node, and its occupants find out by self-ping and come back', async () => {
    for (const user of ['mia', 'ned', 'ola']) await account(user);
    const room = 'survivors@conference.localhost';
    // ola (node 3) creates the room, so node 3 hosts it.
    const ola = await loginJs({ service: `xmpp://${node(3).address}:${node(3).ports.c2s}`, transport: 'starttls', username: 'ola', password: PASSWORD, resource: 'pc' });
    sessions.push(ola);
    await ola.send(xml('presence', { to: `${room}/ola` }, xml('x', { xmlns: NS.MUC })));
    await ola.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/ola`, 'the new room');
    await ola.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: NS.MUC_OWNER }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
      xml('field', { var: 'muc#roomconfig_roomname' }, xml('value', {}, 'Survivors'))))));
    await slix.command('login', { client: 'mia', jid: `${jidOf('mia')}/slix`, password: PASSWORD, ...where(1) });
    await slix.command('join', { client: 'mia', room, nick: 'mia' });
    const ned = await loginJs({ service: `xmpp://${node(2).address}:${node(2).ports.c2s}`, transport: 'starttls', username: 'ned', password: PASSWORD, resource: 'pc' });
    sessions.push(ned);
    await ned.send(xml('presence', { to: `${room}/ned` }, xml('x', { xmlns: NS.MUC })));
    await ned.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/ned`, 'ned in the room');
    await slix.command('groupchat', { client: 'mia', room, body: 'before the host died' });
    await ned.inbox.waitFor((el) => el.getChildText('body') === 'before the host died', 'the message before');

    await node(3).process.kill();
    // XEP-0410: each occupant asks the room whether it is still in; the room, taken over from storage, says no.
    const ping = await slix.command('self_ping', { client: 'mia', room, nick: 'mia' });
    expect(ping).toMatchObject({ joined: false, condition: 'not-acceptable' });
    await slix.command('join', { client: 'mia', room, nick: 'mia' });
    const nedPing = await ned.xmpp.iqCaller.request(xml('iq', { type: 'get', to: `${room}/ned` }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 20_000).then(() => 'joined', (error: { condition?: string }) => error.condition);
    expect(nedPing).toBe('not-acceptable');
    const mark = ned.inbox.received.length;
    await ned.send(xml('presence', { to: `${room}/ned` }, xml('x', { xmlns: NS.MUC })));
    await ned.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `${room}/mia` && el.attrs.type === undefined && ned.inbox.received.indexOf(el) >= mark, 'mia back in the room', 20_000);
    await slix.command('groupchat', { client: 'mia', room, body: 'after the host died' });
    await ned.inbox.waitFor((el) => el.getChildText('body') === 'after the host died', 'the message after', 20_000);
    // The same room: its name, and its archive with what was said before.
    const info = await ned.xmpp.iqCaller.request(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(info.getChild('query')!.getChild('identity')!.attrs.name).toBe('Survivors');
    const archive = await ned.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: NS.MAM, queryid: 'room' })), 20_000).then(() => ned.inbox.received.filter((el) => el.getChild('result', NS.MAM)?.attrs.queryid === 'room'));
    const bodies = archive.map((el: Element) => el.getChild('result', NS.MAM)!.getChild('forwarded', NS.FORWARD)!.getChild('message')!.getChildText('body'));
    expect(bodies).toEqual(expect.arrayContaining(['before the host died', 'after the host died']));

    await node(3).process.start();
    await cluster.waitForNodes(3);
  });
});
