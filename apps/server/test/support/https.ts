import { request as httpsRequest } from 'node:https';
import { xml } from '@conexizan/protocol';
import type { RawXmppConnection } from './raw-xmpp.ts';

const UPLOAD_NS = 'urn:xmpp:http:upload:0';

/** HTTPS to a test server's listener, as a client on the network would send it (tests of uploads and their deletion). */

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One HTTPS request to our listener (the URL names "localhost"; we connect to 127.0.0.1 with that SNI).
 * `rawPath` is sent as it is, without the URL parser resolving dot segments first.
 */
export function fetchRaw(method: string, url: string, headers: Record<string, string> = {}, body?: Buffer | string, rawPath?: string): Promise<HttpAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', servername: 'localhost', port: target.port, path: rawPath ?? target.pathname + target.search, method, rejectUnauthorized: false, headers: { host: target.host, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** An upload slot (XEP-0363) from the server's domain: where to PUT, with which Authorization header, and where the file will be. */
export async function requestSlot(who: RawXmppConnection, filename: string, size: number, type?: string): Promise<{ put: string; get: string; auth: string }> {
  const reply = await who.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('request', { xmlns: UPLOAD_NS, filename, size: String(size), 'content-type': type })));
  const slot = reply.getChild('slot', UPLOAD_NS);
  if (!slot) throw new Error(`no slot: ${reply.toString()}`);
  return { put: slot.getChild('put')!.attrs.url!, get: slot.getChild('get')!.attrs.url!, auth: slot.getChild('put')!.getChildText('header')! };
}
