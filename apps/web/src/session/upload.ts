import { NS } from '@conexizan/protocol/namespaces';
import { xml } from '@conexizan/protocol/xml';
import type { Connection } from './client.ts';
import type { FileRef } from './model.ts';
import { sealForUpload } from './omemo/media.ts';

/** Largest file we offer to send; the server's own limit (disco max-file-size) may be lower and is checked there. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface UploadSlot {
  put: string;
  get: string;
  headers: Record<string, string>;
}

export class UploadError extends Error {
  override name = 'UploadError';
  constructor(readonly reason: 'too-large' | 'quota' | 'unavailable' | 'failed', message?: string) {
    super(message ?? reason);
  }
}

/** XEP-0363 §4 slot request to the upload service (our server's domain). */
export async function requestSlot(connection: Pick<Connection, 'iq'>, service: string, file: { name: string; size: number; type: string }): Promise<UploadSlot> {
  let slot;
  try {
    const result = await connection.iq(
      'get',
      xml('request', { xmlns: NS.HTTP_UPLOAD, filename: file.name.slice(0, 200) || 'file', size: String(file.size), 'content-type': file.type || 'application/octet-stream' }),
      service,
    );
    slot = result.getChild('slot', NS.HTTP_UPLOAD);
  } catch (error) {
    const condition = (error as { condition?: string }).condition;
    if (condition === 'not-acceptable') throw new UploadError('too-large', (error as { text?: string }).text);
    // XEP-0363 §4: resource-constraint is the account's quota, not this file's size.
    if (condition === 'resource-constraint') throw new UploadError('quota', (error as { text?: string }).text);
    throw new UploadError('unavailable', (error as Error).message);
  }
  const put = slot?.getChild('put')?.attrs.url;
  const get = slot?.getChild('get')?.attrs.url;
  if (!put || !get || !/^https?:/.test(put) || !/^https?:/.test(get)) throw new UploadError('unavailable', 'the server gave no usable slot');
  const headers: Record<string, string> = {};
  // §4: only these headers may be passed on; anything else is ignored.
  for (const h of slot!.getChildren('put')[0]!.getChildren('header')) {
    const name = h.attrs.name?.toLowerCase();
    if (name === 'authorization' || name === 'cookie' || name === 'expires') headers[name] = h.getText().replace(/[\r\n]/g, '');
  }
  return { put, get, headers };
}

/** PUTs the file with progress (XMLHttpRequest: fetch has no upload progress). */
export function putFile(slot: UploadSlot, file: Blob, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', slot.put);
    for (const [k, v] of Object.entries(slot.headers)) request.setRequestHeader(k, v);
    if (file.type) request.setRequestHeader('content-type', file.type);
    request.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    request.onload = () => (request.status >= 200 && request.status < 300 ? resolve() : reject(new UploadError('failed', `HTTP ${request.status}`)));
    request.onerror = () => reject(new UploadError('failed', 'network error'));
    request.onabort = () => reject(new UploadError('failed', 'cancelled'));
    signal?.addEventListener('abort', () => request.abort());
    request.send(file);
  });
}

export interface UploadOptions {
  /** seal the file for an OMEMO chat (XEP-0454): the server gets only ciphertext, the link carries the key */
  encrypt: boolean;
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
  /** how the bytes travel (the browser's XMLHttpRequest unless a test says otherwise) */
  put?: typeof putFile;
}

/**
 * Uploads a file for a message (XEP-0363 on `service`, our server's domain):
 * refuses one that is too large, seals it when asked, asks for a slot and
 * PUTs it. Returns what the message carries: the link (aesgcm:// for a
 * sealed file) and what the file is. Rejects with UploadError.
 */
export async function uploadFile(connection: Pick<Connection, 'iq'>, service: string, file: File, options: UploadOptions): Promise<FileRef> {
  if (file.size > MAX_UPLOAD_BYTES) throw new UploadError('too-large');
  const sealed = options.encrypt ? await sealForUpload(file) : null;
  const body = sealed?.blob ?? file;
  const slot = await requestSlot(connection, service, { name: file.name, size: body.size, type: sealed ? 'application/octet-stream' : file.type });
  await (options.put ?? putFile)(slot, body, options.onProgress ?? (() => {}), options.signal);
  return { url: sealed ? sealed.link(slot.get) : slot.get, name: file.name, mime: file.type, size: file.size };
}
