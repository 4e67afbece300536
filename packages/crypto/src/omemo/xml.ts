import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { base64Decode, base64Encode } from '../bytes.ts';
import { OmemoError } from './errors.ts';

/** PEP node of the device list (one item, id "current"). */
export const DEVICE_LIST_NODE = `${NS.OMEMO_LEGACY}.devicelist`;
/** PEP node of one device's bundle (one item, id "current"). */
export const bundleNode = (deviceId: number): string => `${NS.OMEMO_LEGACY}.bundles:${deviceId}`;

/** No real account has this many devices; a longer list is refused, not truncated. */
export const MAX_DEVICES = 64;
/** Clients publish 100 pre-keys; some publish a few more. */
export const MAX_BUNDLE_PREKEYS = 200;
/** Keys in one <encrypted>: every device of every recipient (group chats included). */
export const MAX_KEYS_PER_MESSAGE = 1000;
/** A Signal message carrying a 32-byte key is ~150 bytes; a pre-key message ~250. */
const MAX_KEY_BYTES = 2048;
/** The payload is a chat message body; files go through aesgcm:// URLs. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Device ids are positive 31-bit integers (XEP-0384 v0.3 §4.1, and what libsignal generates). */
export function isDeviceId(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 0x7fffffff;
}

export interface OmemoKey {
  rid: number;
  prekey: boolean;
  data: Uint8Array;
}

/** An <encrypted> element as data. No payload = an empty (heartbeat / key transport) message. */
export interface OmemoEncrypted {
  sid: number;
  iv: Uint8Array;
  keys: OmemoKey[];
  payload?: Uint8Array;
}

export interface OmemoBundle {
  signedPreKeyId: number;
  /** 33 bytes, 0x05 + Curve25519 */
  signedPreKeyPublic: Uint8Array;
  /** 64-byte XEdDSA signature over signedPreKeyPublic */
  signedPreKeySignature: Uint8Array;
  /** 33 bytes, 0x05 + Curve25519 */
  identityKey: Uint8Array;
  preKeys: { id: number; publicKey: Uint8Array }[];
}

function corrupted(what: string): OmemoError {
  return new OmemoError('corrupted', `malformed OMEMO element: ${what}`);
}

/** base64 as clients send it: some wrap lines, so whitespace is dropped first. */
function decodeBase64(text: string, limit: number, fail: (what: string) => OmemoError, what: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length > Math.ceil(limit / 3) * 4) throw fail(`${what} is too long`);
  try {
    return base64Decode(compact);
  } catch {
    throw fail(`${what} is not base64`);
  }
}

function parseUint(value: string | undefined, fail: (what: string) => OmemoError, what: string): number {
  if (value === undefined || !/^\d{1,10}$/.test(value)) throw fail(`${what} is not a number`);
  const n = Number(value);
  if (!isDeviceId(n) && n !== 0) throw fail(`${what} is out of range`);
  return n;
}

function children(el: Element, name: string): Element[] {
  return el.getChildren(name, NS.OMEMO_LEGACY);
}

function child(el: Element, name: string): Element | undefined {
  return children(el, name)[0];
}

export function buildEncrypted(message: OmemoEncrypted): Element {
  const header = xml(
    'header',
    { sid: String(message.sid) },
    ...message.keys.map((key) => xml('key', key.prekey ? { rid: String(key.rid), prekey: 'true' } : { rid: String(key.rid) }, base64Encode(key.data))),
    xml('iv', {}, base64Encode(message.iv)),
  );
  const encrypted = xml('encrypted', { xmlns: NS.OMEMO_LEGACY }, header);
  if (message.payload) encrypted.append(xml('payload', {}, base64Encode(message.payload)));
  return encrypted;
}

export function parseEncrypted(el: Element): OmemoEncrypted {
  if (el.name !== 'encrypted' || el.getNS() !== NS.OMEMO_LEGACY) throw corrupted('not an <encrypted> element');
  const header = child(el, 'header');
  if (!header) throw corrupted('no <header>');
  const sid = parseUint(header.attrs.sid as string | undefined, corrupted, 'sid');
  const ivEl = child(header, 'iv');
  if (!ivEl) throw corrupted('no <iv>');
  const iv = decodeBase64(ivEl.getText(), 16, corrupted, 'iv');
  if (iv.length !== 12 && iv.length !== 16) throw corrupted('iv is neither 12 nor 16 bytes');
  const keyEls = children(header, 'key');
  if (keyEls.length > MAX_KEYS_PER_MESSAGE) throw new OmemoError('too-large', `message addresses ${keyEls.length} devices, more than ${MAX_KEYS_PER_MESSAGE}`);
  const keys = keyEls.map((keyEl) => ({
    rid: parseUint(keyEl.attrs.rid as string | undefined, corrupted, 'rid'),
    prekey: keyEl.attrs.prekey === 'true' || keyEl.attrs.prekey === '1',
    data: decodeBase64(keyEl.getText(), MAX_KEY_BYTES, corrupted, 'key'),
  }));
  const payloadEl = child(el, 'payload');
  const message: OmemoEncrypted = { sid, iv, keys };
  if (payloadEl) {
    const payload = decodeBase64(payloadEl.getText(), MAX_PAYLOAD_BYTES, (what) => new OmemoError('too-large', `payload: ${what}`), 'payload');
    if (payload.length > 0) message.payload = payload;
  }
  return message;
}

/**
 * An OMEMO message without payload: a heartbeat or a key transport. It never
 * carries text to show, whatever <body> the stanza around it has.
 */
export function isEmptyOmemoMessage(encrypted: Element): boolean {
  const payload = encrypted.getChild('payload', NS.OMEMO_LEGACY);
  return !payload || payload.getText().trim() === '';
}

export function buildDeviceList(deviceIds: Iterable<number>): Element {
  return xml('list', { xmlns: NS.OMEMO_LEGACY }, ...[...new Set(deviceIds)].map((id) => xml('device', { id: String(id) })));
}

export function parseDeviceList(el: Element): number[] {
  const bad = (what: string) => new OmemoError('bad-device-list', `device list: ${what}`);
  if (el.name !== 'list' || el.getNS() !== NS.OMEMO_LEGACY) throw bad('not a <list> element');
  const devices = children(el, 'device');
  if (devices.length > MAX_DEVICES) throw bad(`${devices.length} devices, more than the ${MAX_DEVICES} accepted`);
  const ids = new Set<number>();
  for (const device of devices) {
    const id = parseUint(device.attrs.id as string | undefined, bad, 'device id');
    if (id === 0) throw bad('device id 0');
    ids.add(id);
  }
  return [...ids];
}

export function buildBundle(bundle: OmemoBundle): Element {
  return xml(
    'bundle',
    { xmlns: NS.OMEMO_LEGACY },
    xml('signedPreKeyPublic', { signedPreKeyId: String(bundle.signedPreKeyId) }, base64Encode(bundle.signedPreKeyPublic)),
    xml('signedPreKeySignature', {}, base64Encode(bundle.signedPreKeySignature)),
    xml('identityKey', {}, base64Encode(bundle.identityKey)),
    xml('prekeys', {}, ...bundle.preKeys.map((key) => xml('preKeyPublic', { preKeyId: String(key.id) }, base64Encode(key.publicKey)))),
  );
}

/** Parses a <bundle> and checks its shape; the signature is checked when a session is built from it. */
export function parseBundle(el: Element): OmemoBundle {
  const bad = (what: string) => new OmemoError('bad-bundle', `bundle: ${what}`);
  if (el.name !== 'bundle' || el.getNS() !== NS.OMEMO_LEGACY) throw bad('not a <bundle> element');
  const publicKey = (keyEl: Element | undefined, what: string): Uint8Array => {
    if (!keyEl) throw bad(`no ${what}`);
    const key = decodeBase64(keyEl.getText(), 33, bad, what);
    // 0x05 + 32 bytes is the only form XEP-0384 v0.3 clients publish.
    if (key.length !== 33 || key[0] !== 0x05) throw bad(`${what} is not a 33-byte Curve25519 key`);
    return key;
  };
  const spk = child(el, 'signedPreKeyPublic');
  const signedPreKeyPublic = publicKey(spk, 'signedPreKeyPublic');
  const signedPreKeyId = parseUint(spk?.attrs.signedPreKeyId as string | undefined, bad, 'signedPreKeyId');
  const signatureEl = child(el, 'signedPreKeySignature');
  if (!signatureEl) throw bad('no signedPreKeySignature');
  const signedPreKeySignature = decodeBase64(signatureEl.getText(), 64, bad, 'signedPreKeySignature');
  if (signedPreKeySignature.length !== 64) throw bad('signedPreKeySignature is not 64 bytes');
  const identityKey = publicKey(child(el, 'identityKey'), 'identityKey');
  const prekeysEl = child(el, 'prekeys');
  const preKeyEls = prekeysEl ? children(prekeysEl, 'preKeyPublic') : [];
  if (preKeyEls.length === 0) throw bad('no pre-keys');
  if (preKeyEls.length > MAX_BUNDLE_PREKEYS) throw bad(`${preKeyEls.length} pre-keys, more than ${MAX_BUNDLE_PREKEYS}`);
  const preKeys = preKeyEls.map((keyEl) => ({
    id: parseUint(keyEl.attrs.preKeyId as string | undefined, bad, 'preKeyId'),
    publicKey: publicKey(keyEl, 'preKeyPublic'),
  }));
  return { signedPreKeyId, signedPreKeyPublic, signedPreKeySignature, identityKey, preKeys };
}

/** What clients without OMEMO show instead (Conversations sends the same kind of sentence). */
export const OMEMO_FALLBACK_BODY = 'I sent you an OMEMO encrypted message but your client does not seem to support that.';

/**
 * The <message/> that carries an <encrypted/> element: a fallback <body/>
 * (none for empty messages), the XEP-0380 marker naming OMEMO, and the
 * XEP-0334 store hint so that archives keep messages without a real body.
 */
export function buildOmemoMessage(options: { to: string; id: string; type?: 'chat' | 'groupchat'; encrypted: Element | Element[] }): Element {
  const elements = Array.isArray(options.encrypted) ? options.encrypted : [options.encrypted];
  const empty = elements.every((el) => !el.getChild('payload', el.getNS()));
  return xml(
    'message',
    { to: options.to, id: options.id, type: options.type ?? 'chat' },
    ...(empty ? [] : [xml('body', {}, OMEMO_FALLBACK_BODY)]),
    ...elements,
    ...(empty ? [] : elements.map((el) => xml('encryption', { xmlns: NS.EME, namespace: el.getNS(), name: el.getNS() === NS.OMEMO ? 'OMEMO 2' : 'OMEMO' }))),
    xml('store', { xmlns: NS.HINTS }),
  );
}
