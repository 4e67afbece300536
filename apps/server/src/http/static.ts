import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

/**
 * The web client's Content-Security-Policy. It talks to this server only:
 * WebSocket and images from the domain (and its subdomains, e.g. an upload
 * host) rather than from any host; HTTPS fetches to any host stay allowed,
 * because encrypted files (aesgcm://) shared by contacts live on their own
 * servers and host-meta is looked up on https. No other origin may frame the
 * app (clickjacking), and nothing may change its base URL or post forms away.
 */
export function webClientPolicy(domain: string, uploadUrl: string): string {
  const own = (scheme: string) => `${scheme}://${domain}:* ${scheme}://*.${domain}:*`;
  const upload = uploadUrl ? ` ${new URL(uploadUrl).origin}` : '';
  return [
    "default-src 'self'",
    `connect-src 'self' ${own('wss')} https:`,
    `img-src 'self' data: blob: ${own('https')}${upload}`,
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Serves the built web client; unknown paths fall back to index.html (a single-page app). */
export async function serveStatic(root: string, pathname: string, res: ServerResponse, policy: string): Promise<boolean> {
  const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  if (relative.split(sep).includes('..')) return false;
  for (const candidate of [join(root, relative), join(root, 'index.html')]) {
    const info = await stat(candidate).catch(() => null);
    if (!info?.isFile()) continue;
    res.writeHead(200, {
      'content-type': TYPES[extname(candidate)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'content-security-policy': policy,
    });
    createReadStream(candidate).pipe(res);
    return true;
  }
  return false;
}
