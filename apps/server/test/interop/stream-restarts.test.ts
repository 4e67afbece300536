import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Encode, utf8Encode } from '@conexizan/crypto';
import { createAccount, XMLNS } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually, sleep } from '../support/wait.ts';

/**
 * Stream restarts the way real clients time them:
 * - tsung sends the new stream header right behind <auth/>, in the same
 *   packet, because its `ack="local"` takes any packet as the answer. The
 *   restart used to be parsed as part of the old stream (SASL is checked
 *   asynchronously) and ended it with restricted-xml; Prosody and ejabberd
 *   log the same script in every time.
 * - Plaintext sent behind <starttls/> must never be taken into the
 *   encrypted stream (STARTTLS command injection).
 * - The stream header and its features go out in one write (one TLS
 *   record), not two, at each restart.
 */
const PASSWORD = 'restart password';
const HEADER = `<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='${XMLNS.CLIENT}' xmlns:stream='${XMLNS.STREAM}'>`;
const plainAuth = (username: string, password: string) =>
  `<auth xmlns='${XMLNS.SASL}' mechanism='PLAIN'>${base64Encode(utf8Encode(`\u0000${username}\u0000${password}`))}</auth>`;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await createAccount({ port: server.ports.c2s, username: 'tsung1', password: PASSWORD });
});

afterAll(async () => {
  await server?.stop();
});

/** A socket that keeps everything it reads as text. */
function transcript(socket: Socket | TLSSocket): { text: () => string; wait: (pattern: RegExp, what: string) => Promise<void> } {
  let text = '';
  socket.setEncoding('utf8').on('data', (data: string) => (text += data));
  socket.on('error', () => undefined);
  return {
    text: () => text,
    wait: async (pattern, what) => {
      await eventually(() => pattern.test(text), what);
    },
  };
}

/** A direct TLS connection with its stream opened and the first features read. */
async function openDirectTls(): Promise<{ socket: TLSSocket; log: ReturnType<typeof transcript> }> {
  const socket = tlsConnect({ host: '127.0.0.1', port: server.ports.c2s_tls, rejectUnauthorized: false, servername: 'localhost' });
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  const log = transcript(socket);
  socket.write(HEADER);
  await log.wait(/<\/stream:features>/, 'the first features');
  return { socket, log };
}

describe('a stream restart pipelined behind <auth/> (tsung)', () => {
  it('logs in and binds, as with Prosody and ejabberd', async () => {
    const { socket, log } = await openDirectTls();
    try {
      const before = log.text().length;
      socket.write(plainAuth('tsung1', PASSWORD) + HEADER);
      await log.wait(/<bind[^>]*urn:ietf:params:xml:ns:xmpp-bind/, 'the features of the restarted stream');
      const after = log.text().slice(before);
      expect(after).toMatch(/^<success/);
      expect(after).not.toContain('stream:error');
      socket.write(`<iq type='set' id='b1'><bind xmlns='${XMLNS.BIND}'><resource>tsung</resource></bind></iq>`);
      await log.wait(/<jid>tsung1@localhost\/tsung<\/jid>/, 'the bound JID');
    } finally {
      socket.destroy();
    }
  });

  it('a failed <auth/> with input behind it keeps the same stream for the next try', async () => {
    const { socket, log } = await openDirectTls();
    try {
      socket.write(plainAuth('tsung1', 'wrong password') + plainAuth('tsung1', PASSWORD));
      await log.wait(/<success/, 'the second try to succeed');
      expect(log.text()).toContain('<not-authorized/>');
      expect(log.text()).not.toContain('stream:error');
    } finally {
      socket.destroy();
    }
  });
});

describe('STARTTLS', () => {
  it('plaintext injected behind <starttls/> is dropped, and the encrypted stream goes on', async () => {
    const plain = netConnect({ host: '127.0.0.1', port: server.ports.c2s });
    await new Promise((resolve) => plain.once('connect', resolve));
    let text = '';
    const onData = (data: Buffer) => (text += data.toString());
    plain.on('data', onData);
    plain.write(HEADER);
    await eventually(() => text.includes('</stream:features>'), 'the plaintext features');
    plain.write(`<starttls xmlns='${XMLNS.TLS}'/><iq type='get' id='injected' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await eventually(() => text.includes('<proceed'), 'proceed');
    plain.off('data', onData);
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise((resolve) => secure.once('secureConnect', resolve));
    const log = transcript(secure);
    try {
      secure.write(HEADER);
      await log.wait(/<\/stream:features>/, 'the features over TLS');
      expect(log.text()).toContain('SCRAM-SHA-256');
      secure.write(plainAuth('tsung1', PASSWORD));
      await log.wait(/<success/, 'the login over TLS');
      await sleep(200);
      expect(log.text()).not.toContain('injected');
      expect(log.text()).not.toContain('stream:error');
    } finally {
      secure.destroy();
    }
  });
});

describe('stream header and features', () => {
  it('go out in one TLS record at each restart', async () => {
    // A relay that counts the TLS records the server sends.
    let records = 0;
    let counting = false;
    const relay: Server = createServer((client) => {
      const upstream = netConnect({ host: '127.0.0.1', port: server.ports.c2s_tls });
      let pending = Buffer.alloc(0);
      upstream.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
          if (counting && pending[0] === 23) records++;
          pending = pending.subarray(5 + pending.readUInt16BE(3));
        }
        client.write(chunk);
      });
      client.on('data', (chunk) => upstream.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as { port: number }).port;
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    const log = transcript(socket);
    try {
      await sleep(300); // session tickets and the like come first
      counting = true;
      socket.write(HEADER);
      await log.wait(/<\/stream:features>/, 'the features');
      await sleep(300);
      expect(records).toBe(1);
    } finally {
      socket.destroy();
      relay.close();
    }
  });
});
