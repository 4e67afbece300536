import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { client } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { serverProcess, type ServerProcess } from '../support/server-process.ts';
import { eventually, sleep, withTimeout } from '../support/wait.ts';
import { acceptSelfSignedCertificates, loginJs, stopQuietly, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * Draining a node (SIGTERM, or `conexizan drain` from a Kubernetes preStop
 * hook): it stops taking connections, every client gets a stream error
 * telling it to go (system-shutdown, or see-other-host with another node),
 * the process exits within shutdown.grace_seconds, and no message the
 * server acknowledged to its sender (XEP-0198 <a/>) is lost: what its
 * recipient had not acknowledged is in offline storage or the archive
 * when the recipient comes back. The server runs as its own process, the
 * clients are @xmpp/client with stream management, as a user's app is.
 */
const COMMAND = fileURLToPath(new URL('../../bin/conexizan.mjs', import.meta.url));
const PASSWORD = 'drain password';
const GRACE_SECONDS = 8;
const HOST = '127.0.0.1';
const restoreTls = acceptSelfSignedCertificates();
const sessions: JsSession[] = [];
const directories: string[] = [];

afterAll(async () => {
  for (const session of sessions) await stopQuietly(session.xmpp);
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  restoreTls();
});

interface Node {
  process: ServerProcess;
  c2s: number;
  http: number;
  configFile: string;
}

async function startNode(options: { archive: 'always' | 'never'; databaseUrl?: string; seeOtherHost?: string; dataDir?: string }): Promise<Node> {
  const [c2s, http] = (await freePorts(2)) as [number, number];
  const directory = mkdtempSync(join(tmpdir(), 'cnx-drain-'));
  directories.push(directory);
  const configFile = join(directory, 'conexizan.toml');
  const toml = `domain = "localhost"
data_dir = "${options.dataDir ?? join(directory, 'data')}"
database_url = "${options.databaseUrl ?? ''}"
bind = "${HOST}"
[ports]
c2s = ${c2s}
c2s_tls = 0
http = ${http}
https = 0
s2s = 0
[limits]
registrations_per_hour = 100
[archive]
default_preference = "${options.archive}"
[shutdown]
grace_seconds = ${GRACE_SECONDS}
see_other_host = "${options.seeOtherHost ?? ''}"
[log]
format = "json"
`;
  const node: Node = { process: serverProcess({ configFile, toml, host: HOST, c2sPort: c2s }), c2s, http, configFile };
  await node.process.start();
  return node;
}

async function login(node: Pick<Node, 'c2s' | 'http'>, username: string, presence = true): Promise<JsSession> {
  const session = await loginJs({ server: { ports: { c2s: node.c2s, c2s_tls: 0, http: node.http } }, transport: 'starttls', username, password: PASSWORD, presence });
  sessions.push(session);
  return session;
}

/** Stops the node with SIGTERM and reports how it ended. */
async function terminate(node: Node): Promise<{ ms: number; code: number | null }> {
  const started = Date.now();
  await node.process.stop();
  return { ms: Date.now() - started, code: node.process.exitCode() };
}

function bodies(stanzas: Element[]): string[] {
  return stanzas.filter((el) => el.name === 'message').map((el) => el.getChildText('body')).filter((body): body is string => body !== null);
}

/** The bodies the user's archive (XEP-0313) holds from `peer`, paged through with RSM. */
async function archivedBodies(session: JsSession, peer: string): Promise<string[]> {
  const found: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const queryid = `q${page}`;
    const result: Element = await session.xmpp.iqCaller.request(
      xml('iq', { type: 'set' },
        xml('query', { xmlns: 'urn:xmpp:mam:2', queryid },
          xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
            xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:xmpp:mam:2')),
            xml('field', { var: 'with' }, xml('value', {}, peer))),
          xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, '100'), after ? xml('after', {}, after) : undefined))),
      10_000,
    );
    const messages = session.inbox.received.filter((el) => el.getChild('result', 'urn:xmpp:mam:2')?.attrs.queryid === queryid);
    for (const message of messages) {
      const body = message.getChild('result', 'urn:xmpp:mam:2')?.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message')?.getChildText('body');
      if (body) found.push(body);
    }
    const fin = result.getChild('fin', 'urn:xmpp:mam:2');
    if (fin?.attrs.complete === 'true') return found;
    after = fin?.getChild('set', 'http://jabber.org/protocol/rsm')?.getChildText('last') ?? null;
    if (!after) return found;
  }
  throw new Error('the archive did not end within 20 pages');
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/**
 * Alice sends to carol (online, acking as her client does) and to bob,
 * whose phone lost its connection without closing the stream: his session
 * waits for resumption, so what reaches it stays unacknowledged. The node
 * is stopped in the middle of Alice's stream of messages.
 */
describe.each(['never', 'always'] as const)('SIGTERM with the archive %s', (archive) => {
  let node: Node;
  const [alice, bob, carol] = [`alice-${archive}`, `bob-${archive}`, `carol-${archive}`];

  beforeAll(async () => {
    node = await startNode({ archive });
    for (const username of [alice, bob, carol]) await createAccount({ host: HOST, port: node.c2s, username, password: PASSWORD });
  });

  afterAll(async () => {
    await node?.process.stop();
  });

  it('tells every client system-shutdown, exits in time, and every acknowledged message arrives after reconnecting', async () => {
    const sender = await login(node, alice);
    const receiver = await login(node, carol);
    const phone = await login(node, bob);
    await eventually(() => phone.xmpp.streamManagement.enabled && sender.xmpp.streamManagement.enabled, 'stream management on');
    // The phone's network goes away: no </stream>, the session hibernates.
    phone.xmpp.socket!.socket!.destroy();
    await sleep(300);

    const acknowledged = new Set<string>();
    sender.xmpp.streamManagement.on('ack', (stanza: Element) => {
      const body = stanza.getChildText('body');
      if (body) acknowledged.add(body);
    });
    let sending = true;
    let sent = 0;
    const stream = (async () => {
      while (sending && sender.xmpp.status === 'online') {
        const n = sent++;
        const to = n % 2 === 0 ? carol : bob;
        await sender.send(xml('message', { to: `${to}@localhost`, type: 'chat', id: `m${n}` }, xml('body', {}, `${to} #${n}`))).catch(() => undefined);
        // Bursts of ten: xmpp.js asks for an ack once it has been quiet for 250 ms.
        await sleep(n % 10 === 9 ? 350 : 5);
      }
    })();
    await eventually(() => acknowledged.size >= 60, 'sixty messages acknowledged', 20_000);

    const stopped = await terminate(node);
    sending = false;
    await stream;
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(GRACE_SECONDS * 1000);
    for (const session of [sender, receiver]) {
      await eventually(() => session.errors.some((error) => error.condition === 'system-shutdown'), 'the system-shutdown stream error');
    }

    const liveAtCarol = bodies(receiver.inbox.received);
    await node.process.start();
    // Back online with new sessions (the old ones cannot be resumed: the process is new).
    const carolAgain = await login(node, carol);
    const bobAgain = await login(node, bob);
    await sleep(1_000);
    const offline = { [carol]: bodies(carolAgain.inbox.received), [bob]: bodies(bobAgain.inbox.received) };
    const archived = archive === 'always'
      ? { [carol]: await archivedBodies(carolAgain, `${alice}@localhost`), [bob]: await archivedBodies(bobAgain, `${alice}@localhost`) }
      : { [carol]: [], [bob]: [] };
    const delivered = new Set([...liveAtCarol, ...offline[carol]!, ...offline[bob]!, ...archived[carol]!, ...archived[bob]!]);

    const lost = [...acknowledged].filter((body) => !delivered.has(body));
    expect(lost, `acknowledged but never delivered (of ${acknowledged.size} acknowledged, ${sent} sent)`).toEqual([]);
    // Offline storage holds each rescued message once.
    for (const list of Object.values(offline)) expect(list.length).toBe(new Set(list).size);
    const toBob = [...acknowledged].filter((body) => body.startsWith(bob));
    expect(toBob.length).toBeGreaterThan(0);
    if (archive === 'never') {
      // Nothing else keeps them: what bob's waiting session held is in offline storage.
      expect(offline[bob]).toEqual(expect.arrayContaining(toBob));
    } else {
      // Archived messages are caught up from the archive, not stored a second time.
      expect(archived[bob]).toEqual(expect.arrayContaining(toBob));
      expect(offline[bob]).toEqual([]);
    }
  });
});

/**
 * `conexizan drain` with shutdown.see_other_host: two nodes on one
 * PostgreSQL (as a cluster shares it), the first drained. Its clients are
 * sent to the second with see-other-host and log in there; the process
 * stays up, refusing connections, until SIGTERM.
 */
const postgresUrl = process.env.CONEXIZAN_TEST_POSTGRES_URL;
const skipPostgres = !postgresUrl && process.env.CONEXIZAN_TEST_POSTGRES === 'off';
if (!postgresUrl && !skipPostgres) throw new Error('CONEXIZAN_TEST_POSTGRES_URL is not set: run scripts/ensure-postgres.sh (scripts/test.sh does), or set CONEXIZAN_TEST_POSTGRES=off');

describe.skipIf(skipPostgres)('conexizan drain', () => {
  let first: Node;
  let second: Node;

  beforeAll(async () => {
    const url = new URL(postgresUrl!);
    url.searchParams.set('schema', `drain_${randomBytes(4).toString('hex')}`);
    second = await startNode({ archive: 'never', databaseUrl: url.toString() });
    first = await startNode({ archive: 'never', databaseUrl: url.toString(), seeOtherHost: `${HOST}:${second.c2s}` });
    for (const username of ['dana', 'eve']) await createAccount({ host: HOST, port: first.c2s, username, password: PASSWORD });
  });

  afterAll(async () => {
    await first?.process.stop();
    await second?.process.stop();
  });

  it('sends clients to the other node with see-other-host, refuses new connections, and stays up until SIGTERM', async () => {
    const xmpp = client({ service: `xmpp://${HOST}:${first.c2s}`, domain: 'localhost', username: 'dana', password: PASSWORD, timeout: 10_000 });
    xmpp.reconnect.stop();
    const received: Element[] = [];
    const streamErrors: string[] = [];
    const online: string[] = [];
    xmpp.on('stanza', (stanza) => received.push(stanza));
    xmpp.on('nonza', (element) => {
      const condition = element.name === 'stream:error' ? element.children.find((child) => typeof child !== 'string' && child.name !== 'text') : undefined;
      if (condition && typeof condition !== 'string') streamErrors.push(condition.name);
    });
    xmpp.on('online', () => online.push(String(xmpp.socket?.socket?.remotePort ?? '')));
    await withTimeout(xmpp.start(), 10_000, 'dana logging in on the first node');
    await xmpp.send(xml('presence'));
    // A message for eve, who is away: stored by the first node, delivered by the second.
    const eve = await login(first, 'eve');
    await eve.stop();
    await xmpp.send(xml('message', { to: 'eve@localhost', type: 'chat' }, xml('body', {}, 'kept across the move')));
    await xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 5_000);

    const { stdout } = await promisify(execFile)(process.execPath, [COMMAND, 'drain', '--config', first.configFile], { env: { ...process.env, CONEXIZAN_CONFIG: undefined }, timeout: 30_000 });
    expect(stdout).toMatch(/^drained:/);
    expect(streamErrors).toContain('see-other-host');
    // xmpp.js follows the redirect: dana is online again, on the second node.
    await eventually(() => online.length === 2 && xmpp.status === 'online', 'dana online on the second node', 15_000);
    expect(online[1]).toBe(String(second.c2s));
    expect(await refusesConnections(first.c2s)).toBe(true);
    expect(await refusesConnections(first.http)).toBe(true);
    await sleep(1_500);
    expect(first.process.exitCode(), 'the drained node waits for SIGTERM').toBeNull();

    const eveAgain = await login(second, 'eve');
    await eventually(() => bodies(eveAgain.inbox.received).includes('kept across the move'), 'the message, from offline storage on the shared database');
    await stopQuietly(xmpp);

    const stopped = await terminate(first);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(3_000);
  });

  it('refuses a drain request without the control token, and stays ready', async () => {
    const response = await fetch(`http://${HOST}:${second.http}/drain`, { method: 'POST', headers: { authorization: 'Bearer 00' } });
    expect(response.status).toBe(403);
    expect(await refusesConnections(second.c2s)).toBe(false);
    expect((await fetch(`http://${HOST}:${second.http}/health`)).status).toBe(200);
    expect(await (await fetch(`http://${HOST}:${second.http}/health/live`)).json()).toEqual({ status: 'alive' });
  });
});
