import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { chat, connectSecure, createAccount, login, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { serverProcess, type ServerProcess } from '../support/server-process.ts';
import { sleep } from '../support/wait.ts';

/**
 * kill -9 in the middle of acknowledged streams loses nothing: a client
 * sends messages with stream management (XEP-0198) to someone offline, the
 * server acknowledges them (<a h='…'/>), and the server process is killed
 * (SIGKILL, no shutdown) the moment the acknowledgement arrives. After a
 * restart the recipient gets every acknowledged message, each once. On the
 * embedded SQLite and on PostgreSQL.
 */
const SM = 'urn:xmpp:sm:3';
const PASSWORD = 'crash durability';
const COUNT = 40;
const ADDRESS = '127.0.0.1';
const baseUrl = process.env.CONEXIZAN_TEST_POSTGRES_URL;
const noPostgres = !baseUrl && process.env.CONEXIZAN_TEST_POSTGRES === 'off';
if (!baseUrl && !noPostgres) throw new Error('CONEXIZAN_TEST_POSTGRES_URL is not set: run scripts/ensure-postgres.sh (scripts/test.sh does), or set CONEXIZAN_TEST_POSTGRES=off');

const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function startServer(databaseUrl: string): Promise<{ server: ServerProcess; c2s: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'conexizan-crash-'));
  const [c2s, c2sTls, http, https] = (await freePorts(4)) as [number, number, number, number];
  const server = serverProcess({
    configFile: join(dir, 'conexizan.toml'),
    host: ADDRESS,
    c2sPort: c2s,
    toml: [
      'domain = "localhost"',
      `data_dir = "${join(dir, 'data')}"`,
      `database_url = ${JSON.stringify(databaseUrl)}`,
      `bind = "${ADDRESS}"`,
      '[ports]',
      `c2s = ${c2s}`,
      `c2s_tls = ${c2sTls}`,
      's2s = 0',
      `http = ${http}`,
      `https = ${https}`,
      '[limits]',
      'registrations_per_hour = 1000',
      '[accounts]',
      'scram_iterations = 4096',
      '[log]',
      'level = "warn"',
      'format = "json"',
      '',
    ].join('\n'),
  });
  cleanups.push(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  return { server, c2s };
}

async function loginWithSm(port: number, username: string): Promise<RawXmppConnection> {
  const { connection } = await connectSecure({ port, host: ADDRESS });
  const auth = await connection.authenticate(username, PASSWORD);
  if (!auth.ok) throw new Error(`login failed: ${auth.condition}`);
  await connection.openStream();
  await connection.bind('crash');
  connection.send(xml('enable', { xmlns: SM }));
  await connection.inbox.waitFor((el) => el.name === 'enabled' && el.attrs.xmlns === SM, '<enabled/>');
  return connection;
}

const acked = (h: number) => (el: Element) => el.name === 'a' && el.attrs.xmlns === SM && Number(el.attrs.h) >= h;

async function sendAckedThenKill(databaseUrl: string): Promise<void> {
  const { server, c2s } = await startServer(databaseUrl);
  for (const username of ['sender', 'recipient']) await createAccount({ port: c2s, host: ADDRESS, username, password: PASSWORD });
  const sender = await loginWithSm(c2s, 'sender');
  const bodies = Array.from({ length: COUNT }, (_, i) => `acknowledged ${i + 1} ${randomBytes(3).toString('hex')}`);
  for (const body of bodies) sender.send(chat('recipient@localhost', body));
  sender.send(xml('r', { xmlns: SM }));
  await sender.inbox.waitFor(acked(COUNT), `the server to acknowledge all ${COUNT} messages`, 20_000);
  await server.kill(); // no shutdown: whatever was acknowledged must already be safe
  sender.destroy();

  await server.start();
  const recipient = await login({ port: c2s, host: ADDRESS, username: 'recipient', password: PASSWORD });
  try {
    for (const body of bodies) await recipient.inbox.waitFor((el) => el.name === 'message' && el.getChildText('body') === body, `"${body}" after the crash`, 20_000);
    await sleep(500); // room for a duplicate to show up
    for (const body of bodies) expect(recipient.inbox.received.filter((el) => el.getChildText('body') === body)).toHaveLength(1);
  } finally {
    await recipient.close();
  }
}

describe('kill -9 after the server acknowledged messages', () => {
  it('loses none and duplicates none on SQLite', async () => {
    await sendAckedThenKill('');
  }, 120_000);

  it.skipIf(noPostgres)('loses none and duplicates none on PostgreSQL', async () => {
    const url = new URL(baseUrl!);
    url.searchParams.set('schema', `crash_${randomBytes(4).toString('hex')}`);
    await sendAckedThenKill(url.toString());
  }, 120_000);
});
