import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Whether a browser gets the page in a secure context. Browsers withhold
 * WebCrypto (which SCRAM and OMEMO need) from pages that are neither https
 * nor on a loopback host (W3C Secure Contexts §3.1, "potentially
 * trustworthy"), and plain http on any other address can be read and
 * changed by the network.
 */

/** The host name the browser asked for, from the Host header (without port or IPv6 brackets), lower-cased. */
export function requestHostname(req: IncomingMessage): string {
  const host = (req.headers.host ?? '').trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') === -1 ? undefined : host.indexOf(']'));
  return host.replace(/:\d*$/, '');
}

/** localhost, *.localhost and loopback addresses: secure contexts even over http. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (isIP(hostname) === 4) return hostname.startsWith('127.');
  if (isIP(hostname) === 6) return hostname === '::1' || hostname === '0:0:0:0:0:0:0:1';
  return false;
}

/** The page works in the browser: it came over https (see HttpRequest.secure), or from a loopback host name. */
export function isSecureContext(req: IncomingMessage, https: boolean): boolean {
  return https || isLoopbackHost(requestHostname(req));
}

/** The same address on our HTTPS listener, or null if there is none. */
export function httpsLocation(req: IncomingMessage, url: URL, httpsPort: number): string | null {
  if (!httpsPort) return null;
  const hostname = requestHostname(req);
  if (!hostname || !/^[a-z0-9.:-]+$/.test(hostname)) return null;
  const host = isIP(hostname) === 6 ? `[${hostname}]` : hostname;
  return `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${url.pathname}${url.search}`;
}
