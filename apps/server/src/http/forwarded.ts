import type { IncomingMessage } from 'node:http';
import type { TrustedProxies } from '../c2s/trusted-proxies.ts';

function isLoopbackPeer(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * The request reached the browser over https: on our HTTPS listener, or
 * through a reverse proxy that terminated TLS and says so (X-Forwarded-Proto
 * or RFC 7239 Forwarded). Such headers are believed only from a proxy on
 * this machine or one in `trusted_proxies`, since anyone else could send them.
 */
export function cameOverHttps(req: IncomingMessage, secureListener: boolean, proxies: TrustedProxies): boolean {
  if (secureListener) return true;
  if (!isLoopbackPeer(req) && !proxies.trusts(req.socket.remoteAddress)) return false;
  const forwardedProto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase();
  if (forwardedProto === 'https') return true;
  return /(^|[;,\s])proto=("?)https\2(?=$|[;,\s])/i.test(String(req.headers.forwarded ?? ''));
}
