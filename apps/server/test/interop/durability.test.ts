import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOfflineServer } from '../../src/cli/offline-server.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../support/free-port.ts';
import { SYSTEM_PYTHON, slixmppProblem } from '../support/python.ts';
import { login, uniqueId } from '../support/raw-xmpp.ts';
import { serverProcess, type ServerProcess } from '../support/server-process.ts';
import { makeTestCa } from '../support/test-ca.ts';
import { eventually } from '../support/wait.ts';
import { xml } from '@conexizan/protocol';
import pg from 'pg';

/**
 * Nothing the server acknowledged is lost when it dies. slixmpp senders
 * (python3-slixmpp's XEP-0198 plugin, which counts the server's <a h/>)
 * write to recipients online and offline as fast as the server takes it;
 * the server, a process of its own, is killed with SIGKILL while hundreds
 * of messages are in flight, then started again. Every message the server
 * had acknowledged must be in the sender's archive and the recipient's
 * (XEP-0313), and reach an offline recipient from offline storage: archive
 * writes are group-committed, and an acknowledgement may only follow the
 * commit. On SQLite (the default) and on PostgreSQL; on PostgreSQL the
 * archive table is also locked by another connection for a second before
 * the kill, so that writes are surely pending when the server dies (a
 * server that acknowledged before its commit would lose those). SQLite
 * cannot be stalled that way: its writes block the server's event loop.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/durability.py', import.meta.url));
const PASSWORD = 'durable goods 42';
const SENDERS = 3;
const RECIPIENTS = 4;
const ONLINE = 2;
const MESSAGES = 400;
/** kill once this many messages were acknowledged: the rest are in flight or not sent yet */
const KILL_AFTER = 300;
const MAM = 'urn:xmpp:mam:2';
const RSM = 'http://jabber.org/protocol/rsm';
const FORWARD = 'urn:xmpp:forward:0';

const postgresUrl = process.env.CONEXIZAN_TEST_POSTGRES_URL;
const skipPostgres = !postgresUrl && process.env.CONEXIZAN_TEST_POSTGRES === 'off';
if (!postgresUrl && !skipPostgres) throw new Error('CONEXIZAN_TEST_POSTGRES_URL is not set: run scripts/ensure-postgres.sh (scripts/test.sh does), or set CONEXIZAN_TEST_POSTGRES=off');

let dir: string;
let cert: { certFile: string; keyFile: string };
const slixmpp = slixmppProblem();

beforeAll(() => {
  if (slixmpp) throw new Error(slixmpp);
  dir = mkdtempSync(join(tmpdir(), 'conexizan-durability-'));
  cert = makeTestCa(dir).issue('localhost');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores = [{ store: 'SQLite', url: undefined }, ...(skipPostgres ? [] : [{ store: 'PostgreSQL', url: postgresUrl }])];

describe.each(stores)('kill -9 on $store', ({ store, url }) => {
  const prefix = `dur${randomBytes(3).toString('hex')}`;
  const dataDir = () => join(dir, store);
  let databaseUrl: string | undefined;
  let server: ServerProcess;
  let port: number;
  let python: ChildProcess | null = null;
  /** message id → recipient's bare JID, for every message the server acknowledged */
  const acked = new Map<string, string>();
  let output = '';

  beforeAll(async () => {
    if (url) {
      const u = new URL(url);
      u.searchParams.set('schema', `durability_${prefix}`);
      databaseUrl = u.toString();
    }
    port = await freePort();
    server = serverProcess({
      configFile: join(dir, `${store}.toml`),
      host: '127.0.0.1',
      c2sPort: port,
      toml: `domain = "localhost"
data_dir = "${dataDir()}"
bind = "127.0.0.1"
${databaseUrl ? `database_url = "${databaseUrl}"` : ''}
[ports]
c2s = ${port}
c2s_tls = 0
http = 0
https = 0
s2s = 0
[tls]
cert = "${cert.certFile}"
key = "${cert.keyFile}"
[archive]
default_preference = "always"
[accounts]
scram_iterations = 4096
[log]
level = "warn"
format = "json"
`,
    });
    // The accounts, made as \`conexizan user add\` makes them, before the server starts.
    const offline = await openOfflineServer(loadConfig({ file: server.configFile, env: {} }));
    for (const name of [...Array.from({ length: SENDERS }, (_, i) => `s${i}`), ...Array.from({ length: RECIPIENTS }, (_, i) => `r${i}`)]) {
      await offline.core.accounts.create(`${prefix}-${name}`, PASSWORD);
    }
    await offline.close();
    await server.start();
  }, 60_000);

  afterAll(async () => {
    python?.kill('SIGKILL');
    await server?.stop();
    if (databaseUrl) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(`durability_${prefix}`)} CASCADE`);
      await admin.end();
    }
  });

  it('has acknowledged messages in flight when the server is killed', async () => {
    const child = spawn(SYSTEM_PYTHON, ['-u', SCRIPT, '--port', String(port), '--prefix', prefix, '--password', PASSWORD, '--senders', String(SENDERS), '--recipients', String(RECIPIENTS), '--online', String(ONLINE), '--messages', String(MESSAGES)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    python = child;
    let pending = '';
    child.stderr.setEncoding('utf8').on('data', (data: string) => (output += data));
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      output += data;
      pending += data;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as { step: string; id?: string; to?: string };
        if (event.step === 'acked') acked.set(event.id!, event.to!);
      }
    });
    await eventually(() => acked.size >= KILL_AFTER, `${KILL_AFTER} acknowledged messages`, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}; ${acked.size} were; slixmpp said:\n${output.slice(-3000)}\nthe server said:\n${server.output().slice(-3000)}`);
    });
    if (databaseUrl) await stallArchiveWrites(1000, () => server.kill());
    else await server.kill();
    const atKill = acked.size;
    child.kill('SIGKILL');
    python = null;
    // Some were still unacknowledged: the kill came in the middle of the stream.
    expect(atKill).toBeLessThan(SENDERS * MESSAGES);
    await server.start();
  }, 120_000);

  it("keeps every acknowledged message in the sender's archive and the recipient's", async () => {
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
    for (let s = 0; s < SENDERS; s++) {
      const stored = await archivedIds(`${prefix}-s${s}`);
      const expected = [...acked.keys()].filter((id) => id.startsWith(`s${s}-`));
      expect(expected.filter((id) => !stored.has(id)), `sender s${s}: acknowledged but not archived`).toEqual([]);
    }
    for (let r = 0; r < RECIPIENTS; r++) {
      const stored = await archivedIds(`${prefix}-r${r}`);
      const expected = [...acked].filter(([, to]) => to === `${prefix}-r${r}@localhost`).map(([id]) => id);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.filter((id) => !stored.has(id)), `recipient r${r}: acknowledged but not archived`).toEqual([]);
    }
  }, 60_000);

  it('delivers every acknowledged message to an offline recipient when it logs in', async () => {
    for (let r = ONLINE; r < RECIPIENTS; r++) {
      const expected = [...acked].filter(([, to]) => to === `${prefix}-r${r}@localhost`).map(([id]) => id);
      expect(expected.length).toBeGreaterThan(0);
      const connection = await login({ port, username: `${prefix}-r${r}`, password: PASSWORD });
      try {
        const delivered = () => new Set(connection.inbox.received.filter((el) => el.name === 'message' && el.getChild('body')).map((el) => el.attrs.id as string));
        // Wait (bounded) for them all; what is missing after that shows below.
        await eventually(() => expected.every((id) => delivered().has(id)), 'the offline messages', 20_000).catch(() => undefined);
        expect(expected.filter((id) => !delivered().has(id)), `recipient r${r}: acknowledged but not delivered from offline storage`).toEqual([]);
      } finally {
        await connection.close();
      }
    }
  }, 60_000);

  /** Holds a lock that blocks inserts into the archive for `ms`, then runs `then` while still holding it. */
  async function stallArchiveWrites(ms: number, then: () => Promise<void>): Promise<void> {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE ${pg.escapeIdentifier(`durability_${prefix}`)}.archive IN EXCLUSIVE MODE`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      await then();
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
    }
  }

  /** The ids of the messages in a user's archive, as its owner sees them (XEP-0313, paged with XEP-0059). */
  async function archivedIds(username: string): Promise<Set<string>> {
    const connection = await login({ port, username, password: PASSWORD, presence: false });
    const ids = new Set<string>();
    try {
      let after: string | undefined;
      for (;;) {
        const queryid = uniqueId('q');
        const set = xml('set', { xmlns: RSM }, xml('max', {}, '250'), ...(after ? [xml('after', {}, after)] : []));
        const reply = await connection.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: MAM, queryid }, set)), 20_000);
        const fin = reply.getChild('fin', MAM);
        if (reply.attrs.type !== 'result' || !fin) throw new Error(`MAM query failed: ${reply.toString()}`);
        for (const el of connection.inbox.received) {
          const result = el.getChild('result', MAM);
          if (result?.attrs.queryid !== queryid) continue;
          const original = result.getChild('forwarded', FORWARD)?.getChild('message');
          if (original?.attrs.id) ids.add(original.attrs.id as string);
        }
        after = fin.getChild('set', RSM)?.getChildText('last') ?? undefined;
        if (fin.attrs.complete === 'true' || !after) return ids;
      }
    } finally {
      await connection.close();
    }
  }
});
