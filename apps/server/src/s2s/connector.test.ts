import { createServer, type LookupFunction, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../test/support/free-port.ts';
import { connectTarget } from './connector.ts';

/** Happy eyeballs: a name with several addresses, the first of which answers nothing. */
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A resolver that knows one name with an IPv6 address first (nothing listens there) and then IPv4. */
const dualStack: LookupFunction = (_host, options, callback) => {
  const addresses = [
    { address: '::1', family: 6 },
    { address: '127.0.0.1', family: 4 },
  ];
  if (typeof options === 'object' && options.all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, addresses);
  else callback(null, addresses[0]!.address, addresses[0]!.family);
};

describe('connecting to a remote server', () => {
  it('moves on from an address family that does not answer to the next one (happy eyeballs)', async () => {
    const socket = await connectTarget({ host: 'dual.test', port, directTls: false }, { domain: 'dual.test', timeoutMs: 5000, tls: {}, lookup: dualStack });
    expect(socket.remoteAddress).toBe('127.0.0.1');
    socket.destroy();
  });

  it('fails with the error of the last address when none answers', async () => {
    const [closed] = (await freePorts(1)) as [number];
    await expect(connectTarget({ host: 'dual.test', port: closed, directTls: false }, { domain: 'dual.test', timeoutMs: 5000, tls: {}, lookup: dualStack })).rejects.toThrow();
  });
});
