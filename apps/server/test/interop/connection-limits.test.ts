import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawXmppConnection, XMLNS } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { sleep, withTimeout } from '../support/wait.ts';

/**
 * Connections to 5223 that never started TLS were never closed (50 stayed
 * open for over 7 minutes), and nothing bounded how many one address could
 * hold. Every listener now closes a connection whose TLS handshake or first
 * request does not come within unauthenticated_seconds, and one address may
 * hold only so many connections that have not authenticated yet.
 */
const SECONDS = 2;
const PER_ADDRESS = 10;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ limits: { unauthenticated_seconds: SECONDS, unauthenticated_connections_per_address: PER_ADDRESS } });
});

afterAll(async () => {
  await server?.stop();
});

async function open(port: number, localAddress: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  return { socket, closed };
}

async function expectAllClosedWithin(port: number, localAddress: string, count: number): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: count }, () => open(port, localAddress)));
  try {
    const times = await withTimeout(Promise.all(sockets.map((s) => s.closed)), (SECONDS + 3) * 1000, 'the idle connections to be closed');
    for (const ms of times) expect(ms).toBeGreaterThanOrEqual(SECONDS * 1000 - 200);
  } finally {
    for (const { socket } of sockets) socket.destroy();
  }
}

describe('handshake and first-request timeouts', () => {
  it('connections to the direct TLS port (5223) that never start TLS are closed', async () => {
    await expectAllClosedWithin(server.ports.c2s_tls, '127.0.0.31', PER_ADDRESS);
  });

  it('the same on the HTTPS port, and on the HTTP port for connections that send no request', async () => {
    await expectAllClosedWithin(server.ports.https, '127.0.0.32', 5);
    await expectAllClosedWithin(server.ports.http, '127.0.0.33', 5);
  });
});

describe('unauthenticated connections per address', () => {
  it(`an address holds at most ${PER_ADDRESS}; the rest are closed at once, and other addresses are served`, async () => {
    const sockets = await Promise.all(Array.from({ length: PER_ADDRESS + 5 }, () => open(server.ports.c2s, '127.0.0.34')));
    try {
      await sleep(300);
      const closedEarly = sockets.filter((s) => s.socket.destroyed || s.socket.readyState === 'closed').length;
      expect(closedEarly).toBe(5);
      const other = await RawXmppConnection.connect({ port: server.ports.c2s, localAddress: '127.0.0.35' });
      try {
        const features = await other.openStream();
        expect(features.getChild('starttls', XMLNS.TLS)).toBeTruthy();
      } finally {
        other.destroy();
      }
    } finally {
      for (const { socket } of sockets) socket.destroy();
    }
  });
});
