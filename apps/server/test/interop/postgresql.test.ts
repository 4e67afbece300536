import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, hasBody, XMLNS } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates, loginJs, stopQuietly, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * The same server on PostgreSQL (CONEXIZAN_DATABASE_URL=postgres://…), the
 * deployment for scale: register, subscribe, chat, and keep an offline
 * message and the roster across a restart. The database comes from
 * scripts/ensure-postgres.sh (the test command exports its URL); each run
 * gets a schema of its own.
 */
const baseUrl = process.env.CONEXIZAN_TEST_POSTGRES_URL;
const skip = !baseUrl && process.env.CONEXIZAN_TEST_POSTGRES === 'off';
if (!baseUrl && !skip) throw new Error('CONEXIZAN_TEST_POSTGRES_URL is not set: run scripts/ensure-postgres.sh (scripts/test.sh does), or set CONEXIZAN_TEST_POSTGRES=off');

const restoreTls = acceptSelfSignedCertificates();
const PASSWORD = 'postgres password';
let server: TestServer;
const sessions: JsSession[] = [];

async function login(username: string): Promise<JsSession> {
  const session = await loginJs({ server, transport: 'direct-tls', username, password: PASSWORD });
  sessions.push(session);
  return session;
}

describe.skipIf(skip)('Conexizan on PostgreSQL', () => {
  beforeAll(async () => {
    const url = new URL(baseUrl!);
    url.searchParams.set('schema', `interop_${randomBytes(4).toString('hex')}`);
    server = await startTestServer({ database_url: url.toString() });
    expect(server.core.storage.kind).toBe('postgresql');
    for (const username of ['pg-alice', 'pg-bob']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  });

  afterAll(async () => {
    for (const session of sessions) await stopQuietly(session.xmpp);
    await server?.stop();
    restoreTls();
  });

  it('registers, subscribes and chats', async () => {
    const alice = await login('pg-alice');
    const bob = await login('pg-bob');
    await alice.send(xml('presence', { to: 'pg-bob@localhost', type: 'subscribe' }));
    await bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe', 'the subscription request');
    await bob.send(xml('presence', { to: 'pg-alice@localhost', type: 'subscribed' }));
    await alice.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribed', 'the approval');
    await alice.send(xml('message', { to: 'pg-bob@localhost', type: 'chat' }, xml('body', {}, 'stored in PostgreSQL')));
    await bob.inbox.waitFor(hasBody('stored in PostgreSQL'), 'the message');
    await stopQuietly(bob.xmpp);
    await alice.send(xml('message', { to: 'pg-bob@localhost', type: 'chat' }, xml('body', {}, 'while you were away')));
    await alice.xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: XMLNS.PING })), 5_000);
  });

  it('keeps the roster and the offline message across a restart', async () => {
    await server.restart();
    const bob = await login('pg-bob');
    const message = await bob.inbox.waitFor(hasBody('while you were away'), 'the offline message after the restart');
    expect(message.getChild('delay', XMLNS.DELAY)).toBeDefined();
    const roster = await bob.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: XMLNS.ROSTER })), 5_000);
    const item = roster.getChild('query', XMLNS.ROSTER)?.getChild('item');
    expect(item?.attrs).toMatchObject({ jid: 'pg-alice@localhost', subscription: 'from' });
  });
});
