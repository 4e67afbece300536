import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import Negotiator from 'negotiator';

/**
 * Files and pages for browsers: the built web client (compressed at build
 * time, see apps/web/vite.config.ts) and the website's pages (compressed
 * here), each with the encoding the browser asks for and cache headers.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
  '.wasm': 'application/wasm',
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

/** The headers every page and file for browsers carries, with the policy above. */
export function webPageHeaders(policy: string): Record<string, string> {
  return { 'x-content-type-options': 'nosniff', 'content-security-policy': policy };
}

/**
 * immutable: the name changes with the content (Vite's hashed /assets/), so
 * browsers keep it a year without asking; revalidate: the browser keeps it
 * but asks each time whether it changed (answered 304 when it did not), so
 * a new release shows at once.
 */
export type CachePolicy = 'immutable' | 'revalidate';
const CACHE_CONTROL: Record<CachePolicy, string> = {
  immutable: 'public, max-age=31536000, immutable',
  revalidate: 'no-cache',
};

/** Precompressed siblings a build leaves beside a file, best first. */
const PRECOMPRESSED = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const;

/** `pathname` inside `root`, or null if it would leave it. */
export function fileIn(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  if (relative.split(sep).includes('..')) return null;
  return join(root, relative);
}

const OURS = ['br', 'gzip', 'identity'];

/** The encodings the browser accepts by its q-values; among equals the smallest (brotli) first. */
function acceptedEncodings(req: IncomingMessage): string[] {
  // negotiator 1.x takes the tie-breaking order as a second argument; @types/negotiator predates it.
  const negotiator = new Negotiator(req) as unknown as { encodings(available: string[], options: { preferred: string[] }): string[] };
  return negotiator.encodings(OURS, { preferred: OURS });
}

/**
 * Serves one file with the best precompressed variant the browser accepts
 * (`file.br`, `file.gz`), an ETag and Last-Modified, and 304 for a
 * revalidation that finds it unchanged. False if there is no such file.
 */
export async function serveFile(req: IncomingMessage, res: ServerResponse, file: string, cache: CachePolicy, policy: string, type?: string): Promise<boolean> {
  const original = await stat(file).catch(() => null);
  if (!original?.isFile()) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', ...webPageHeaders(policy) });
    res.end();
    return true;
  }
  let chosen = { path: file, size: original.size, encoding: 'identity' };
  const accepted = acceptedEncodings(req);
  for (const encoding of accepted) {
    const variant = PRECOMPRESSED.find((v) => v.encoding === encoding);
    if (!variant) break; // identity preferred over anything not yet tried
    const info = await stat(file + variant.suffix).catch(() => null);
    // A variant older than the file belongs to an earlier build: never serve stale bytes.
    if (info?.isFile() && info.mtimeMs >= original.mtimeMs) {
      chosen = { path: file + variant.suffix, size: info.size, encoding };
      break;
    }
  }
  const etag = `"${original.size.toString(36)}-${Math.floor(original.mtimeMs).toString(36)}-${chosen.encoding}"`;
  const headers: Record<string, string> = {
    ...webPageHeaders(policy),
    'content-type': type ?? TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': CACHE_CONTROL[cache],
    vary: 'Accept-Encoding',
    etag,
    'last-modified': original.mtime.toUTCString(),
  };
  if (chosen.encoding !== 'identity') headers['content-encoding'] = chosen.encoding;
  if (matches(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  headers['content-length'] = String(chosen.size);
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  createReadStream(chosen.path).pipe(res);
  return true;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*');
}

/**
 * Sends a page made on the fly, compressed as the browser prefers (these
 * pages are small, so a fast compression level is enough) and revalidated
 * on each visit; `compress` false for a page that holds a secret beside
 * what the visitor typed. HEAD gets the headers only.
 */
export function sendPage(req: IncomingMessage, res: ServerResponse, status: number, body: string, policy: string, headers: Record<string, string> = {}, compress = true): void {
  const raw = Buffer.from(body, 'utf8');
  let encoded = raw;
  let encoding = 'identity';
  const preferred = compress ? acceptedEncodings(req)[0] : 'identity';
  if (raw.length > 1024 && preferred === 'br') {
    encoded = brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    encoding = 'br';
  } else if (raw.length > 1024 && preferred === 'gzip') {
    encoded = gzipSync(raw, { level: 6 });
    encoding = 'gzip';
  }
  res.writeHead(status, {
    ...webPageHeaders(policy),
    'content-type': 'text/html; charset=utf-8',
    'cache-control': CACHE_CONTROL.revalidate,
    vary: 'Accept-Encoding, Accept-Language',
    'content-length': String(encoded.length),
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : encoded);
}
