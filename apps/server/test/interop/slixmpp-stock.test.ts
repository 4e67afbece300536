import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observed, runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { createAccount, login, tryLogin } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Stock slixmpp 1.8.3 (Debian; poezio and many bots are built on it), left
 * to its own SASL choices, logging in to one account 20 times in a row from
 * one address, with the default login limits (10 failed logins per
 * address and per account).
 *
 * slixmpp offers SCRAM-*-PLUS with tls-unique, which TLS 1.3 lacks, then
 * plain SCRAM with the gs2 flag 'y', which a server offering -PLUS must
 * refuse (RFC 5802 §6): four refusals before PLAIN, 80 in all here. None of
 * them tests a password, so none may count against the user: counted, they
 * would exhaust the address's budget within three logins.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/stock_logins.py', import.meta.url));
const PASSWORD = 'stock slixmpp password';
const LOGINS = 20;

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  server = await startTestServer({ limits: { failed_logins_per_address: 10, failed_logins_per_account: 10 } });
  await createAccount({ port: server.ports.c2s, username: 'bot', password: PASSWORD });
  const args = ['--port', String(server.ports.c2s), '--jid', 'bot@localhost', '--password', PASSWORD, '--ca', server.server.certificate.path.cert, '--logins', String(LOGINS)];
  run = await runSlixmpp(SCRIPT, args, 110_000);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('stock slixmpp 1.8.3 logs in again and again', () => {
  it('logs in every time, quickly, ending on PLAIN inside TLS after the four channel-binding refusals', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
    const logins = observed(run, 'login');
    expect(logins).toHaveLength(LOGINS);
    for (const attempt of logins) {
      expect(attempt, JSON.stringify(attempt)).toMatchObject({ ok: true, jid: `bot@localhost/stock${attempt.n}`, mechanism: 'PLAIN' });
      expect(attempt.refusals).toEqual([
        { mechanism: 'SCRAM-SHA-256-PLUS', condition: 'not-authorized' },
        { mechanism: 'SCRAM-SHA-1-PLUS', condition: 'not-authorized' },
        { mechanism: 'SCRAM-SHA-256', condition: 'not-authorized' },
        { mechanism: 'SCRAM-SHA-1', condition: 'not-authorized' },
      ]);
      // Never held back by the throttle (a held failure costs a second, a queued one more).
      expect(attempt.seconds as number, `login ${attempt.n as number}`).toBeLessThan(5);
    }
  });

  it('leaves the address its whole budget: a wrong password is still checked, the right one works at once', async () => {
    const wrong = await tryLogin({ port: server.ports.c2s, username: 'bot', password: 'not the password' });
    expect(wrong.ok ? 'success' : wrong.condition).toBe('not-authorized');
    const started = performance.now();
    const connection = await login({ port: server.ports.c2s, username: 'bot', password: PASSWORD, resource: 'after' });
    await connection.close();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
