import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainHttpBind } from '../../src/http/http-server.ts';
import { accepts } from '../support/server-process.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * A third-party client registered and logged in over cleartext WebSocket
 * (ws:// on 0.0.0.0), sidestepping the STARTTLS requirement. The plain HTTP
 * listener, which carries WebSocket, BOSH and uploads, now serves this
 * machine only unless http_bind says otherwise; the quick start's
 * http://localhost:5280 still works.
 */
let server: TestServer;

beforeAll(async () => {
  // Every address, as the default bind is; only the plain HTTP listener is on (it then binds to loopback).
  server = await startTestServer({ bind: '0.0.0.0', ports: { c2s: 0, c2s_tls: 0, https: 0 } });
});

afterAll(async () => {
  await server?.stop();
});

const external = Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address;

describe('the plain HTTP listener', () => {
  it('is on loopback by default even when bind is 0.0.0.0 (the quick start still reaches it)', async () => {
    expect(await accepts('127.0.0.1', server.ports.http)).toBe(true);
  });

  it.skipIf(!external)('is not reachable on the machine\'s other addresses', async () => {
    expect(await accepts(external!, server.ports.http)).toBe(false);
  });

  it('follows http_bind when the operator sets it, and a loopback bind', () => {
    expect(plainHttpBind({ bind: '0.0.0.0', http_bind: '' })).toBe('127.0.0.1');
    expect(plainHttpBind({ bind: '127.0.0.19', http_bind: '' })).toBe('127.0.0.19');
    expect(plainHttpBind({ bind: '0.0.0.0', http_bind: '10.0.0.5' })).toBe('10.0.0.5');
  });
});
