import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Security headers of the HTTP listeners: there was no frame-ancestors or
 * X-Frame-Options (another origin could frame the web client), no HSTS on
 * https and no Referrer-Policy, and the web client's CSP let it connect to
 * any host over ws:/wss: and load images from any https: host.
 */
let server: TestServer;
let webRoot: string;

beforeAll(async () => {
  webRoot = mkdtempSync(join(tmpdir(), 'conexizan-web-'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>web client</title>');
  server = await startTestServer({ web_root: webRoot });
});

afterAll(async () => {
  await server?.stop();
  rmSync(webRoot, { recursive: true, force: true });
});

function get(secure: boolean, path: string): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const port = secure ? server.ports.https : server.ports.http;
    const req = (secure ? httpsRequest : httpRequest)({ host: '127.0.0.1', port, path, headers: { host: `localhost:${port}` }, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.headers);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP security headers', () => {
  it('the web client may not be framed by another origin, and talks to this server only', async () => {
    const headers = await get(false, '/');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    const directive = (name: string) => csp.split(';').map((d) => d.trim().split(/\s+/)).find(([first]) => first === name)!.slice(1);
    expect(directive('connect-src')).not.toContain('ws:');
    expect(directive('connect-src')).not.toContain('wss:');
    expect(directive('connect-src')).toContain('wss://localhost:*');
    expect(directive('img-src')).not.toContain('https:');
    expect(headers['strict-transport-security']).toBeUndefined();
  });

  it('https answers carry HSTS', async () => {
    const headers = await get(true, '/');
    expect(headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('other endpoints carry the frame and referrer headers too', async () => {
    const headers = await get(false, '/.well-known/host-meta');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });
});
