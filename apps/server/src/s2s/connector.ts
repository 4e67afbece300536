import { connect as netConnect, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Target } from './resolver.ts';

/**
 * Opens a TCP (or, for `_xmpps-server` targets, TLS from the first byte)
 * connection to one target. Host names go through the system resolver
 * (dns.lookup, so /etc/hosts applies) and every address it returns is
 * tried with happy eyeballs (RFC 8305, Node's autoSelectFamily): IPv6 and
 * IPv4 race instead of waiting for one to time out. `lookup` replaces the
 * system resolver (tests).
 */
export function connectTarget(target: Target, options: { domain: string; timeoutMs: number; tls: ConnectionOptions; lookup?: LookupFunction }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const common = { host: target.host, port: target.port, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 250, ...(options.lookup ? { lookup: options.lookup } : {}) };
    const socket = target.directTls
      ? tlsConnect({ ...options.tls, ...common, servername: options.domain, ALPNProtocols: ['xmpp-server'], rejectUnauthorized: false })
      : netConnect(common);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('connection timed out'), { code: 'ETIMEDOUT' }));
    }, options.timeoutMs);
    socket.once(target.directTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}
