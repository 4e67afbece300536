import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { xml } from '@conexizan/protocol';
import { freePorts } from '../support/free-port.ts';
import { RawS2s } from '../support/raw-s2s.ts';
import { createAccount, login, RawXmppConnection, uniqueId } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { withTimeout } from '../support/wait.ts';

/**
 * One unauthenticated payload used to stall the whole server: a stream
 * header followed by `<a>` 87,000 times (the parser's cost grew with the
 * square of the depth), on plain TCP before STARTTLS, as one WebSocket
 * message, as a BOSH body and on the s2s port; and the pre-authentication
 * byte limit was only checked when a stanza completed. Each attack must be
 * refused at once while a logged-in user's ping is still answered promptly.
 */
const PASSWORD = 'parser attack password';
const DEEP_TCP = '<a>'.repeat(87_000);
/** under the WebSocket and pre-authentication size limits, so only the depth can stop it */
const DEEP_SMALL = '<a>'.repeat(20_000);
/** A logged-in user's ping must come back within this while an attack is parsed (the stall was 60 s). */
const RESPONSIVE_MS = 2_000;

let server: TestServer;
let s2sPort: number;
let carol: RawXmppConnection;

beforeAll(async () => {
  [s2sPort] = (await freePorts(1)) as [number];
  server = await startTestServer({ ports: { s2s: s2sPort } });
  await createAccount({ port: server.ports.c2s, username: 'carol', password: PASSWORD });
  carol = await login({ port: server.ports.c2s, username: 'carol', password: PASSWORD });
});

afterAll(async () => {
  await carol?.close();
  await server?.stop();
});

/** Round trip of a ping from carol to the server, started right after the attack was sent. */
async function pingTime(): Promise<number> {
  const started = performance.now();
  const reply = await carol.iq(xml('iq', { type: 'get', to: 'localhost', id: uniqueId('ping') }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 30_000);
  expect(reply.attrs.type).toBe('result');
  return performance.now() - started;
}

describe('deeply nested XML before authentication (87,000 <a>)', () => {
  it('on plain TCP before STARTTLS: policy-violation at once, other users unaffected', async () => {
    const attacker = await RawXmppConnection.connect({ port: server.ports.c2s });
    try {
      attacker.sendHeader();
      attacker.write(DEEP_TCP);
      const ping = pingTime();
      const { condition } = await attacker.streamError(RESPONSIVE_MS);
      expect(condition).toBe('policy-violation');
      expect(await ping).toBeLessThan(RESPONSIVE_MS);
    } finally {
      attacker.destroy();
    }
  });

  it('as one WebSocket message: policy-violation at once, other users unaffected', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.ports.http}/xmpp-websocket`, 'xmpp');
    const received: string[] = [];
    ws.on('message', (data) => received.push(data.toString()));
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    try {
      await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 5_000, 'the WebSocket to open');
      ws.send(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>`);
      ws.send(DEEP_SMALL);
      const ping = pingTime();
      await withTimeout(closed, RESPONSIVE_MS, 'the server to close the WebSocket');
      expect(received.join('')).toContain('<policy-violation');
      expect(await ping).toBeLessThan(RESPONSIVE_MS);
    } finally {
      ws.terminate();
    }
  });

  it('as a BOSH body: refused at once, other users unaffected', async () => {
    const body = `<body rid='1' to='localhost' wait='1' hold='1' ver='1.6' xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'>${DEEP_SMALL}</body>`;
    const answer = postBosh(body);
    const ping = pingTime();
    const text = await withTimeout(answer, RESPONSIVE_MS, 'the BOSH answer');
    expect(text).toContain("type=\"terminate\"");
    expect(text).toContain('bad-request');
    expect(await ping).toBeLessThan(RESPONSIVE_MS);
  });

  it('on the s2s port before TLS: policy-violation at once, other users unaffected', async () => {
    const peer = await RawS2s.connect('127.0.0.1', s2sPort);
    try {
      expect((await peer.open('evil.test', 'localhost')).name).toBe('stream:features');
      peer.write(DEEP_TCP);
      const ping = pingTime();
      expect(await peer.streamError(RESPONSIVE_MS)).toBe('policy-violation');
      expect(await ping).toBeLessThan(RESPONSIVE_MS);
    } finally {
      peer.destroy();
    }
  });
});

describe('bytes before authentication are counted as they arrive', () => {
  it('a stanza that never ends is cut off at the pre-authentication limit (TCP)', async () => {
    const attacker = await RawXmppConnection.connect({ port: server.ports.c2s });
    try {
      attacker.sendHeader();
      // 70,000 bytes of one unfinished stanza: over the 64 KiB allowance, under the stanza size limit.
      attacker.write(`<message><body>${'x'.repeat(70_000)}`);
      const { condition, element } = await attacker.streamError(RESPONSIVE_MS);
      expect(condition).toBe('policy-violation');
      expect(element.toString()).toContain('before authentication');
    } finally {
      attacker.destroy();
    }
  });

  it('the same over the s2s port before the peer authenticated', async () => {
    const peer = await RawS2s.connect('127.0.0.1', s2sPort);
    try {
      expect((await peer.open('evil.test', 'localhost')).name).toBe('stream:features');
      peer.write(`<db:result from='evil.test' to='localhost'>${'k'.repeat(70_000)}`);
      expect(await peer.streamError(RESPONSIVE_MS)).toBe('policy-violation');
    } finally {
      peer.destroy();
    }
  });
});

describe('what stays allowed', () => {
  it('a stanza nested 120 deep is still delivered after login', async () => {
    const nested = `${'<x>'.repeat(119)}${'</x>'.repeat(119)}`;
    carol.write(`<message to='${carol.jid}' id='deep-ok-2' type='normal'><body>deep</body><data xmlns='urn:example:deep'>${nested}</data></message>`);
    const echoed = await carol.inbox.waitFor((el) => el.attrs.id === 'deep-ok-2', 'the deep message back');
    expect(echoed.getChildText('body')).toBe('deep');
  });
});

function postBosh(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.ports.http, path: '/http-bind', method: 'POST', headers: { host: 'localhost', 'content-type': 'text/xml; charset=utf-8' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
