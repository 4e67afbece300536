import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { base64Decode, base64Encode, ScramClientSession } from '@conexizan/crypto';
import { xml } from '@conexizan/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSecure, mechanismsOffered, XMLNS } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * SCRAM-SHA-256-PLUS (RFC 5802 §6) with both channel bindings the server
 * offers, on STARTTLS and direct TLS, the client computing the binding from
 * its own side of the TLS connection: tls-server-end-point (RFC 5929 §4.1,
 * the hash of the server's certificate, which the server works out once per
 * connection) and tls-exporter (RFC 9266). A binding that does not match
 * the connection is refused.
 */
const PASSWORD = 'bound to this channel';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.core.accounts.create('binder', PASSWORD);
});
afterAll(() => server?.stop());

function bindingData(socket: TLSSocket, type: string): Uint8Array {
  // The test server's certificate is EC P-256 signed with SHA-256: the end-point hash is SHA-256.
  if (type === 'tls-server-end-point') return new Uint8Array(createHash('sha256').update(socket.getPeerCertificate().raw).digest());
  return new Uint8Array(socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)));
}

async function plusLogin(directTls: boolean, type: string, tamper = false): Promise<string> {
  const { connection, features } = await connectSecure({ port: directTls ? server.ports.c2s_tls : server.ports.c2s, directTls });
  try {
    expect(mechanismsOffered(features)).toContain('SCRAM-SHA-256-PLUS');
    const data = bindingData(connection.socket as TLSSocket, type);
    if (tamper) data[0]! ^= 1;
    const scram = new ScramClientSession({ hash: 'SHA-256', username: 'binder', password: PASSWORD, plus: { type, data } });
    const isSasl = (el: { getNS(): string | undefined }) => el.getNS() === XMLNS.SASL;
    connection.send(xml('auth', { xmlns: XMLNS.SASL, mechanism: 'SCRAM-SHA-256-PLUS' }, base64Encode(scram.first())));
    const challenge = await connection.inbox.waitFor(isSasl, 'the server-first-message');
    if (challenge.name !== 'challenge') return challenge.name;
    connection.send(xml('response', { xmlns: XMLNS.SASL }, base64Encode(await scram.final(base64Decode(challenge.getText().trim())))));
    const outcome = await connection.inbox.waitFor(isSasl, 'the outcome');
    if (outcome.name === 'success') await scram.verify(base64Decode(outcome.getText().trim()));
    return outcome.name;
  } finally {
    await connection.close();
  }
}

describe('SCRAM-SHA-256-PLUS', () => {
  for (const directTls of [false, true]) {
    for (const type of ['tls-server-end-point', 'tls-exporter']) {
      it(`logs in with ${type} over ${directTls ? 'direct TLS' : 'STARTTLS'}, twice on the same server`, async () => {
        expect(await plusLogin(directTls, type)).toBe('success');
        expect(await plusLogin(directTls, type)).toBe('success');
      });
    }
  }

  it('refuses a binding that is not this connection’s', async () => {
    expect(await plusLogin(false, 'tls-server-end-point', true)).toBe('failure');
    expect(await plusLogin(true, 'tls-exporter', true)).toBe('failure');
  });
});
