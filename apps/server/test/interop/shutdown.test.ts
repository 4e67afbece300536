import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, login } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually } from '../support/wait.ts';

/**
 * Stopping the server: every open stream gets <system-shutdown/>, and once
 * the clients are gone nothing is left to wait for. Measured through
 * restart() (stop, then start on the same data and ports).
 */
const PASSWORD = 'shutdown password';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  // Over direct TLS: a STARTTLS connection here would already spoil the first test (see below).
  await createAccount({ port: server.ports.c2s_tls, directTls: true, username: 'erin', password: PASSWORD });
});

afterAll(async () => {
  await server?.stop();
});

/** Logs erin in and out, waits until the server has let go of the session, then times a restart. */
async function restartAfterAClientLeft(options: { port: number; directTls?: boolean }): Promise<number> {
  const erin = await login({ ...options, username: 'erin', password: PASSWORD });
  await erin.close();
  await eventually(() => server.core.sessions.count() === 0, 'the server to drop the session');
  const started = Date.now();
  await server.restart();
  return Date.now() - started;
}

describe('shutdown after clients have left', () => {
  it('is prompt after a direct TLS client left', async () => {
    expect(await restartAfterAClientLeft({ port: server.ports.c2s_tls, directTls: true })).toBeLessThan(1_500);
  });

  // A stream that did STARTTLS runs on a new TLS socket; the listener must still see it
  // close, or every such stream leaks and stop() waits out its whole drain timeout.
  it('is prompt after a STARTTLS client left', async () => {
    expect(await restartAfterAClientLeft({ port: server.ports.c2s })).toBeLessThan(1_500);
  });
});
