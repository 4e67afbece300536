import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPv4Address, IPv4ProxyAddress, Command, TransportProtocol, V2ProxyProtocol } from 'proxy-protocol-js';
import { createAccount, RawXmppConnection, registerInBand, tryLogin, type SaslResult } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Behind a reverse proxy or NAT everyone shared one login budget: the
 * server saw only the proxy's address. With `trusted_proxies`, a PROXY
 * protocol header (v1 or v2) from those addresses names the real client on
 * the c2s ports, and X-Forwarded-For does on the HTTP ports; from anyone
 * else neither is believed. Here 127.0.0.3 is the proxy and 192.0.2.x are
 * the clients behind it.
 */
const PASSWORD = 'proxied password';
const PROXY = '127.0.0.3';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ trusted_proxies: ['127.0.0.3'], limits: { failed_logins_per_address: 3, failed_logins_per_account: 1000, registrations_per_hour: 2 } });
  await createAccount({ port: server.ports.c2s, username: 'erin', password: PASSWORD });
});

afterAll(async () => {
  await server?.stop();
});

const v1 = (client: string) => `PROXY TCP4 ${client} 127.0.0.1 40000 ${server.ports.c2s}\r\n`;
function v2(client: string): Uint8Array {
  const source = IPv4Address.createFrom(client.split('.').map(Number));
  return new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, new IPv4ProxyAddress(source, 40000, IPv4Address.createFrom([127, 0, 0, 1]), server.ports.c2s_tls)).build();
}

const condition = (result: SaslResult) => (result.ok ? 'success' : result.condition);

describe('PROXY protocol from a trusted proxy', () => {
  it('v1 on the STARTTLS port: each client behind the proxy has its own login budget', async () => {
    const guess = (client: string, password: string) => tryLogin({ port: server.ports.c2s, localAddress: PROXY, proxyHeader: v1(client), username: 'erin', password });
    for (let i = 0; i < 3; i++) expect(condition(await guess('192.0.2.1', 'wrong'))).toBe('not-authorized');
    expect(condition(await guess('192.0.2.1', 'wrong'))).toBe('temporary-auth-failure');
    // Another client behind the same proxy is not held responsible.
    expect(condition(await guess('192.0.2.2', PASSWORD))).toBe('success');
  });

  it('v2 before TLS on the direct TLS port', async () => {
    const guess = (client: string, password: string) => tryLogin({ port: server.ports.c2s_tls, directTls: true, localAddress: PROXY, proxyHeader: v2(client), username: 'erin', password });
    for (let i = 0; i < 3; i++) expect(condition(await guess('192.0.2.3', 'wrong'))).toBe('not-authorized');
    expect(condition(await guess('192.0.2.3', 'wrong'))).toBe('temporary-auth-failure');
    expect(condition(await guess('192.0.2.4', PASSWORD))).toBe('success');
  });

  it('a connection from the proxy without a header (a health check) is served as the proxy itself', async () => {
    expect(condition(await tryLogin({ port: server.ports.c2s, localAddress: PROXY, username: 'erin', password: PASSWORD }))).toBe('success');
  });

  it('from an address that is not a trusted proxy, a PROXY header is just bad XML', async () => {
    const connection = await RawXmppConnection.connect({ port: server.ports.c2s, localAddress: '127.0.0.2', proxyHeader: v1('192.0.2.99') });
    try {
      connection.sendHeader();
      const { condition: error } = await connection.streamError();
      expect(error).toBe('not-well-formed');
    } finally {
      connection.destroy();
    }
  });
});

describe('IPv6 clients are counted by /64', () => {
  it('rotating through addresses of one /64 does not reset the registration limit (2 an hour here)', async () => {
    const register = (client: string, username: string) =>
      registerInBand({ port: server.ports.c2s, localAddress: PROXY, proxyHeader: `PROXY TCP6 ${client} ::1 40000 ${server.ports.c2s}\r\n`, username, password: PASSWORD });
    expect((await register('2001:db8:1:2::1', 'six-a')).attrs.type).toBe('result');
    expect((await register('2001:db8:1:2::2', 'six-b')).attrs.type).toBe('result');
    const third = await register('2001:db8:1:2:ffff::3', 'six-c');
    expect(third.attrs.type).toBe('error');
    expect(third.getChild('error')?.getChild('policy-violation')).toBeDefined();
    // The next /64 is someone else.
    expect((await register('2001:db8:1:3::1', 'six-d')).attrs.type).toBe('result');
  });
});

describe('X-Forwarded-For from a trusted proxy', () => {
  it('/metrics (loopback clients only) is refused to an outside client the proxy names, not to the proxy itself', async () => {
    expect(await metricsStatus(PROXY, '203.0.113.5')).toBe(403);
    expect(await metricsStatus(PROXY, '127.0.0.1')).toBe(200);
    // From an untrusted address the header is ignored: the socket's address (loopback) counts.
    expect(await metricsStatus('127.0.0.1', '203.0.113.5')).toBe(200);
  });

  it('X-Forwarded-Proto: https from the proxy makes host-meta offer wss:// and https://; from anyone else it is ignored', async () => {
    const links = async (localAddress: string) =>
      JSON.parse(await get('/.well-known/host-meta.json', localAddress, { 'x-forwarded-proto': 'https', host: 'chat.example.org' })) as { links: { rel: string; href: string }[] };
    expect((await links(PROXY)).links.map((link) => link.href)).toEqual(['wss://chat.example.org/xmpp-websocket', 'https://chat.example.org/http-bind']);
    expect((await links('127.0.0.1')).links.map((link) => link.href)).toEqual(['ws://chat.example.org/xmpp-websocket', 'http://chat.example.org/http-bind']);
  });
});

function get(path: string, localAddress: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.ports.http, path, localAddress, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

function metricsStatus(localAddress: string, forwardedFor?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.ports.http, path: '/metrics', localAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
