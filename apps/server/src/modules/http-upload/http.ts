import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { corsHeaders, type HttpRequest } from '../../core/http-routes.ts';
import type { Logger } from '../../core/log.ts';
import type { UploadRecord, UploadStore } from './store.ts';

/**
 * The HTTP side of XEP-0363 (§6): PUT into a slot, GET/HEAD the file,
 * OPTIONS for browsers' CORS preflight. URLs are /upload/<id>/<name>; only
 * the id is looked at, the name is there for people and clients that read
 * the extension.
 */
export const UPLOAD_PREFIX = '/upload/';
const UPLOAD_IDLE_MS = 60_000;

const CORS = corsHeaders(['GET', 'HEAD', 'PUT', 'OPTIONS'], ['Authorization', 'Content-Type']);

/** The PUT's credential: an HMAC over everything the slot fixes, so it fits this slot only. */
export function slotToken(secret: Uint8Array, record: UploadRecord): string {
  return createHmac('sha256', secret).update(JSON.stringify(['slot', record.id, record.size, record.type, record.slotExpires])).digest('base64url');
}

function tokenMatches(secret: Uint8Array, record: UploadRecord, authorization: string | undefined): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(slotToken(secret, record));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Content types are compared without case and spacing differences ("text/plain;charset=utf-8"). */
export function normaliseType(type: string): string {
  return type.toLowerCase().replace(/\s+/g, '');
}

/** Shown in the browser only when it cannot run anything; everything else is a download. */
function disposition(type: string): string {
  const base = normaliseType(type).split(';')[0]!;
  const inline = (/^(image|audio|video)\//.test(base) && base !== 'image/svg+xml') || base === 'text/plain';
  return inline ? 'inline' : 'attachment';
}

export function uploadHandler(store: UploadStore, secret: Uint8Array, log: Logger) {
  return async ({ req, res, url }: HttpRequest): Promise<void> => {
    if (req.method === 'OPTIONS') return answer(res, 204);
    const [id = '', ...rest] = url.pathname.slice(UPLOAD_PREFIX.length).split('/');
    let record = rest.length <= 1 ? await store.find(id) : null;

    if (req.method === 'GET' || req.method === 'HEAD') {
      // Uploaded through another node a moment ago: its sidecar says so before the news arrives.
      if (record?.state === 'pending') record = await store.refresh(id);
      if (!record || record.state !== 'stored') return answer(res, 404, 'no such file');
      // Video players (iOS in particular) fetch byte ranges.
      const range = byteRange(req.headers.range, record.size);
      if (range === 'unsatisfiable') return answer(res, 416, 'range not satisfiable', { 'content-range': `bytes */${record.size}` });
      // Opened before the headers go out, so a file deleted behind the server's back is a plain 404.
      const bytes = req.method === 'GET' ? await store.read(record, range ?? undefined) : null;
      if (req.method === 'GET' && !bytes) return answer(res, 404, 'no such file');
      res.writeHead(range ? 206 : 200, {
        ...CORS,
        'content-type': record.type,
        'content-length': String(range ? range.end - range.start + 1 : record.size),
        ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${record.size}` } : {}),
        'accept-ranges': 'bytes',
        'content-disposition': disposition(record.type),
        // Uploaded HTML or SVG must never run as if it were our own page.
        'content-security-policy': "default-src 'none'; sandbox",
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'cross-origin',
        'cache-control': 'private, max-age=604800, immutable',
      });
      if (!bytes) return void res.end(); // HEAD
      await pipeline(bytes, res).catch(() => res.destroy());
      return;
    }

    if (req.method !== 'PUT') return answer(res, 405, 'method not allowed', { allow: 'GET, HEAD, PUT, OPTIONS' });
    // Refused uploads close the connection rather than read a body nobody wants.
    const refuse = (status: number, text: string) => answer(res, status, text, { connection: 'close' });
    if (!record) return refuse(404, 'no such slot');
    if (!tokenMatches(secret, record, req.headers.authorization)) return refuse(403, 'this upload is not authorised');
    if (record.state === 'stored' || store.isWriting(record.id)) return refuse(409, 'this slot has been used');
    if (record.slotExpires < Date.now()) return refuse(410, 'this slot has expired');
    const length = req.headers['content-length'];
    if (length === undefined) return refuse(411, 'Content-Length is required');
    if (!/^\d+$/.test(length) || Number(length) !== record.size) {
      return refuse(Number(length) > record.size ? 413 : 400, 'Content-Length differs from the size the slot was requested for');
    }
    const type = req.headers['content-type'];
    if (type !== undefined && normaliseType(type) !== normaliseType(record.type)) {
      return refuse(400, 'Content-Type differs from the one the slot was requested for');
    }
    // A stalled upload gives its connection back after a minute without a byte.
    req.setTimeout(UPLOAD_IDLE_MS, () => req.destroy());
    let outcome;
    try {
      outcome = await store.write(record, req);
    } catch {
      // The client went away mid-upload; the slot stays open for another try.
      if (!res.headersSent) res.destroy();
      return;
    }
    req.setTimeout(0);
    if (outcome === 'stored') {
      log.debug({ size: record.size }, 'file uploaded');
      return answer(res, 201, 'created');
    }
    if (outcome === 'too-long') return refuse(413, 'more bytes than the slot allows');
    if (outcome === 'gone') return refuse(404, 'no such slot');
    return refuse(400, 'fewer bytes than the slot was requested for');
  };
}

/**
 * One range of a Range header (RFC 9110 §14.1.2): 'bytes=a-b', 'bytes=a-' or
 * 'bytes=-n'. Several ranges or other units are answered with the whole file.
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (start > end || start >= size) return 'unsatisfiable';
  }
  return { start, end };
}

function answer(res: ServerResponse, status: number, text?: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...CORS,
    ...headers,
    ...(text ? { 'content-type': 'text/plain; charset=utf-8' } : {}),
    'x-content-type-options': 'nosniff',
  });
  res.end(text ? `${text}\n` : undefined);
}
