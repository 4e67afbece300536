import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { buildDataForm, NS, StanzaError, xml, type Element, type Jid } from '@conexizan/protocol';
import { persistentSecret } from '../../accounts/secrets.ts';
import type { Config } from '../../config/schema.ts';
import type { ServerModule } from '../../core/module.ts';
import { publicHttpBase } from '../../core/public-url.ts';
import { normaliseType, slotToken, UPLOAD_PREFIX, uploadHandler } from './http.ts';
import { newUploadId, UploadStore, type UploadRecord } from './store.ts';

/**
 * XEP-0363 HTTP File Upload, served by the server itself: the domain
 * answers slot requests (disco identity store/file, max-file-size in its
 * extended info), and the HTTP(S) listeners take the PUT and serve the GET
 * under /upload/. Files live in data_dir/uploads (see store.ts), count
 * against a per-account quota and are deleted after upload.expire_days
 * and with the account.
 */
const SLOT_SECONDS = 600;
const SWEEP_MS = 3_600_000;
const DAY_MS = 86_400_000;
const TYPE_TOKEN = "[A-Za-z0-9!#$&^_.+-]+";
const CONTENT_TYPE = new RegExp(`^${TYPE_TOKEN}/${TYPE_TOKEN}(\\s*;\\s*${TYPE_TOKEN}=(${TYPE_TOKEN}|"[^"\\\\\\r\\n]*"))*$`);

export const httpUpload: ServerModule = {
  name: 'http-upload',
  implements: ['XEP-0363'],
  async setup(ctx) {
    const options = ctx.config.upload;
    if (!options.enabled) return;
    const base = publicBase(ctx.config, ctx.domain);
    if (!base) {
      ctx.log.warn('file upload is off: no HTTP listener and no upload.public_url');
      return;
    }
    const dataDir = resolve(ctx.config.data_dir);
    // One directory for every node of a cluster (a shared volume): each tells the others what it changed.
    const store = new UploadStore(options.path ? resolve(options.path) : join(dataDir, 'uploads'), (id) => ctx.cluster.broadcast('http-upload', id));
    ctx.cluster.onBroadcast('http-upload', (id) => void (id === null ? store.reload() : store.refresh(id)).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not read an upload record again')));
    await store.open();
    const secret = persistentSecret(dataDir, 'http-upload');
    const ownerOf = (user: Jid) => createHmac('sha256', secret).update(`owner\0${user.bare().toString()}`).digest('base64url');

    ctx.features.addFeature('server', NS.HTTP_UPLOAD);
    ctx.features.addIdentity('server', { category: 'store', type: 'file', name: 'HTTP File Upload' });
    ctx.features.addForm('server', () =>
      buildDataForm({
        type: 'result',
        fields: [
          { var: 'FORM_TYPE', type: 'hidden', values: [NS.HTTP_UPLOAD] },
          { var: 'max-file-size', values: [String(options.max_file_bytes)] },
        ],
      }),
    );

    ctx.iq.on('get', 'host', NS.HTTP_UPLOAD, 'request', async ({ from, origin, payload }) => {
      if (origin.kind !== 'c2s' || !ctx.router.isLocal(from)) throw new StanzaError('not-allowed', { type: 'cancel', text: 'only accounts of this server may upload' });
      const request = parseRequest(payload, options.max_file_bytes);
      const record: UploadRecord = {
        id: newUploadId(),
        owner: ownerOf(from),
        size: request.size,
        type: request.type,
        created: Date.now(),
        slotExpires: Date.now() + SLOT_SECONDS * 1000,
        state: 'pending',
      };
      if (!(await store.reserve(record, options.quota_bytes))) {
        throw new StanzaError('resource-constraint', { type: 'wait', text: 'your upload quota is used up; old files make room as they expire' });
      }
      const url = `${slotBase(ctx.config, ctx.domain, origin.session.transport) ?? base}${UPLOAD_PREFIX}${record.id}/${urlName(request.filename)}`;
      return xml(
        'slot',
        { xmlns: NS.HTTP_UPLOAD },
        xml('put', { url }, xml('header', { name: 'Authorization' }, `Bearer ${slotToken(secret, record)}`)),
        xml('get', { url }),
      );
    });

    ctx.http.route(UPLOAD_PREFIX, uploadHandler(store, secret, ctx.log));

    ctx.hooks.on('account/deleting', async ({ user }) => {
      await store.removeOwner(ownerOf(user));
    });

    const sweep = async () => {
      try {
        const removed = await store.sweep(Date.now(), options.expire_days * DAY_MS);
        if (removed) ctx.log.info({ removed }, 'expired uploads deleted');
      } catch (error) {
        ctx.log.error({ err: error }, 'deleting expired uploads failed');
      }
    };
    await sweep();
    const timer = setInterval(() => void sweep(), SWEEP_MS);
    timer.unref();
    ctx.onStop(() => clearInterval(timer));
  },
};

/** Where clients reach the HTTP(S) listener (no trailing slash), or null if nowhere. */
export function publicBase(config: Config, domain: string): string | null {
  return publicHttpBase(config.upload.public_url, config, domain, 'upload.public_url');
}

/**
 * A client that came in over the plain HTTP listener (WebSocket or BOSH, like
 * the web client served at http://domain:5280) gets slots on that same
 * listener: an https:// slot on another port is another origin, which the
 * page's security policy refuses and whose self-signed certificate a browser
 * would not accept anyway. Everyone else gets publicBase(). An operator
 * behind a reverse proxy sets upload.public_url, which always wins.
 */
export function slotBase(config: Config, domain: string, transport: string | undefined): string | null {
  if (config.upload.public_url) return null;
  const { http } = config.ports;
  if ((transport === 'ws' || transport === 'bosh') && http) return `http://${domain}${http === 80 ? '' : `:${http}`}`;
  return null;
}

/** XEP-0363 §4: filename, size and (optional) content-type of the file to come. */
function parseRequest(payload: Element, maxBytes: number): { filename: string; size: number; type: string } {
  const { filename, size, 'content-type': type } = payload.attrs as Record<string, string | undefined>;
  if (!filename) throw new StanzaError('bad-request', { type: 'modify', text: 'a slot request names the file' });
  if (!size || !/^\d{1,16}$/.test(size) || Number(size) < 1) throw new StanzaError('bad-request', { type: 'modify', text: 'a slot request gives the size in bytes' });
  if (Number(size) > maxBytes) {
    throw new StanzaError('not-acceptable', {
      type: 'modify',
      text: `the file is too large; the largest is ${maxBytes} bytes`,
      appCondition: xml('file-too-large', { xmlns: NS.HTTP_UPLOAD }, xml('max-file-size', {}, String(maxBytes))),
    });
  }
  if (type !== undefined && (type.length > 255 || !CONTENT_TYPE.test(type.trim()))) {
    throw new StanzaError('bad-request', { type: 'modify', text: 'the content-type is not a media type' });
  }
  return { filename, size: Number(size), type: type ? normaliseType(type) : 'application/octet-stream' };
}

/**
 * The file name as the last URL segment: no directories, no control
 * characters, at most 100 characters (keeping the extension), percent-encoded.
 * It is never used as a path on disk.
 */
export function urlName(filename: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are what this removes from a file name
  let chars = Array.from(base.replace(/[\u0000-\u001f\u007f]/g, '').trim().replace(/^\.+/, ''));
  if (chars.length > 100) {
    const extension = Array.from(/\.[A-Za-z0-9]{1,10}$/.exec(base)?.[0] ?? '');
    chars = [...chars.slice(0, 100 - extension.length), ...extension];
  }
  return encodeURIComponent(chars.join('').replace(/\p{Cs}/gu, '') || 'file');
}
