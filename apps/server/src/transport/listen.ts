import type { Server } from 'node:net';

/**
 * What every listener of the server shares (c2s, s2s, HTTP, and the modules
 * that listen themselves: external components, the SOCKS5 proxy): this
 * folder holds the port binding, the strict XML stream parser (restricted
 * XML, size limits: stream-parser.ts) and the pace of a sender
 * (byte-rate.ts). None of it knows a protocol's rules.
 */

/** Binds `server` and resolves with the port it got (useful when asked for port 0). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
