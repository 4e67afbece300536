import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Where the web client goes when a user logs out (apps/web/src/session/forget.ts).
 * The answer's `Clear-Site-Data: "storage"` (W3C Clear Site Data) makes the
 * browser erase this origin's storage files: deleting an IndexedDB database
 * from script leaves its records in the browser's files until a compaction
 * that may never come, and they held messages and keys. Only POST, so that a
 * link or an image elsewhere cannot log anyone out; the browser honours the
 * header on secure origins (https, and http on localhost).
 */
export const CLEAR_SITE_DATA_PATH = '/clear-site-data';

export function clearSiteData(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' });
    res.end('use POST\n');
    return;
  }
  res.writeHead(204, { 'clear-site-data': '"storage"', 'cache-control': 'no-store' });
  res.end();
}
