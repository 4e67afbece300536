import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { tryLogin } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * slixmpp (Python, python3-slixmpp 1.8.3 from Debian) against Conexizan over
 * STARTTLS: a whole user story in one script run (slixmpp/scenario.py),
 * which prints what it sees; here we check what a user would check.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/scenario.py', import.meta.url));
const PREFIX = `slix${process.pid}`;
const ALICE = `${PREFIX}-alice@localhost`;
const BOB = `${PREFIX}-bob@localhost`;

let server: TestServer;
let run: PythonRun;
let startedAt: Date;

beforeAll(async () => {
  server = await startTestServer();
  startedAt = new Date();
  run = await runSlixmpp(SCRIPT, ['--host', '127.0.0.1', '--port', String(server.ports.c2s), '--domain', 'localhost', '--prefix', PREFIX], 55_000);
});

afterAll(async () => {
  await server?.stop();
});

describe('slixmpp over STARTTLS', () => {
  it('runs the whole story to the end', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('registers two accounts in-band (XEP-0077)', () => {
    expect(theOne(run, 'register', { user: 'alice' })).toMatchObject({ ok: true });
    expect(theOne(run, 'register', { user: 'bob' })).toMatchObject({ ok: true });
  });

  it('logs in with SCRAM-SHA-256 inside TLS and gets the JID it asked for', () => {
    for (const [user, jid] of [['alice', ALICE], ['bob', BOB]] as const) {
      const login = theOne(run, 'login', { user, label: 'after-register' });
      expect(login).toMatchObject({ ok: true, jid: `${jid}/slix`, mechanism: 'SCRAM-SHA-256' });
      expect(login.tls, 'STARTTLS was negotiated').toMatch(/^TLSv1\.[23]$/);
    }
  });

  it("logs in with slixmpp's own choices too", () => {
    // Left alone, slixmpp 1.8.3 tries SCRAM-*-PLUS with tls-unique, which TLS 1.3 does not
    // define (the server offers tls-exporter and tls-server-end-point, XEP-0440), then plain
    // SCRAM with the gs2 flag 'y', which a server offering -PLUS must refuse (RFC 5802 §6),
    // and ends on PLAIN inside TLS. What matters to its users: the login works.
    const login = theOne(run, 'login', { user: 'alice', label: 'slixmpp-defaults' });
    expect(login).toMatchObject({ ok: true, jid: `${ALICE}/defaults` });
    expect(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']).toContain(login.mechanism);
  });

  it('delivers subscription requests both ways and ends with subscription "both" on both rosters', () => {
    expect(theOne(run, 'subscribe_request', { user: 'bob' }).from).toBe(ALICE);
    expect(theOne(run, 'subscribe_request', { user: 'alice' }).from).toBe(BOB);
    expect(theOne(run, 'roster', { user: 'alice', label: 'after-subscriptions' }).items).toEqual({ [BOB]: { subscription: 'both', ask: null } });
    expect(theOne(run, 'roster', { user: 'bob', label: 'after-subscriptions' }).items).toEqual({ [ALICE]: { subscription: 'both', ask: null } });
  });

  it('shows each contact as online to the other once subscribed', () => {
    expect(theOne(run, 'presence_seen', { user: 'alice' }).from).toContain(BOB);
    expect(theOne(run, 'presence_seen', { user: 'bob' }).from).toContain(ALICE);
  });

  it('exchanges messages both ways, without a delay stamp while online', () => {
    expect(theOne(run, 'message', { user: 'bob', label: 'online' })).toMatchObject({
      from: `${ALICE}/slix`, type: 'chat', body: 'hello bob, from alice', delay: null,
    });
    expect(theOne(run, 'message', { user: 'alice', label: 'online' })).toMatchObject({
      from: `${BOB}/slix`, to: `${ALICE}/slix`, type: 'chat', body: 'hi alice, bob here', delay: null,
    });
  });

  it('keeps a message for an offline user and delivers it on reconnect with a XEP-0203 delay stamp', () => {
    expect(theOne(run, 'login', { user: 'bob', label: 'reconnect' })).toMatchObject({ ok: true, mechanism: 'SCRAM-SHA-256' });
    const message = theOne(run, 'message', { user: 'bob', label: 'offline' });
    expect(message).toMatchObject({ from: `${ALICE}/slix`, body: 'while you were away', type: 'chat' });
    const delay = message.delay as { stamp: string; from: string; parsed: string | null };
    expect(delay, 'the offline message carries <delay xmlns="urn:xmpp:delay"/>').not.toBeNull();
    expect(delay.from).toBe('localhost');
    // XEP-0082 DateTime in UTC; slixmpp could parse it; it lies between the start of the test and now.
    expect(delay.stamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(delay.parsed).not.toBeNull();
    const stamp = new Date(delay.stamp).getTime();
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(startedAt.getTime() / 1000) * 1000);
    expect(stamp).toBeLessThanOrEqual(Date.now());
    // Still friends after reconnecting.
    expect(theOne(run, 'roster', { user: 'bob', label: 'after-reconnect' }).items).toEqual({ [ALICE]: { subscription: 'both', ask: null } });
  });

  it('changes a password: the old one then fails, the new one works', async () => {
    expect(theOne(run, 'password_change', { user: 'bob' })).toMatchObject({ ok: true });
    expect(theOne(run, 'login', { user: 'bob', label: 'old-password' })).toMatchObject({ ok: false, condition: 'not-authorized' });
    expect(theOne(run, 'login', { user: 'bob', label: 'new-password' })).toMatchObject({ ok: true, mechanism: 'SCRAM-SHA-256' });
  });

  it('deletes an account: its session ends and it can no longer log in', async () => {
    expect(theOne(run, 'delete', { user: 'bob' })).toMatchObject({ ok: true });
    expect(theOne(run, 'deleted_session_closed', { user: 'bob' })).toMatchObject({ ok: true });
    expect(theOne(run, 'login', { user: 'bob', label: 'after-delete' })).toMatchObject({ ok: false, condition: 'not-authorized' });
    // A second, independent client agrees (every mechanism), and the account is gone from storage.
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'] as const) {
      const result = await tryLogin({ port: server.ports.c2s, username: `${PREFIX}-bob`, password: 'new staple 3!', mechanism });
      expect(result.ok ? 'success' : result.condition, mechanism).toBe('not-authorized');
    }
    expect(await server.core.accounts.exists(`${PREFIX}-bob`)).toBe(false);
    // alice is untouched.
    expect((await tryLogin({ port: server.ports.c2s, username: `${PREFIX}-alice`, password: 'correct horse 1' })).ok).toBe(true);
  });
});
