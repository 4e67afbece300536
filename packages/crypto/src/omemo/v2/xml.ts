import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { base64Decode, base64Encode } from '../../bytes.ts';
import { OmemoError } from '../errors.ts';
import { MAX_BUNDLE_PREKEYS, MAX_DEVICES, MAX_KEYS_PER_MESSAGE, MAX_PAYLOAD_BYTES, isDeviceId } from '../xml.ts';

/**
 * OMEMO 2's XML (XEP-0384 v0.8+): the device list (one item "current" of
 * urn:xmpp:omemo:2:devices, with optional labels), the bundles (one node,
 * urn:xmpp:omemo:2:bundles, one item per device id) and the <encrypted>
 * element, whose keys are grouped by the recipient's bare JID.
 */
export const DEVICES_NODE_2 = `${NS.OMEMO}:devices`;
export const BUNDLES_NODE_2 = `${NS.OMEMO}:bundles`;
const MAX_LABEL = 64;
const MAX_KEY_BYTES = 2048;

export interface Device2 {
  id: number;
  label?: string;
}

export interface Bundle2 {
  signedPreKeyId: number;
  /** 32-byte X25519 public key */
  signedPreKey: Uint8Array;
  /** 64-byte Ed25519 signature over signedPreKey */
  signedPreKeySignature: Uint8Array;
  /** 32-byte Ed25519 public key */
  identityKey: Uint8Array;
  preKeys: { id: number; publicKey: Uint8Array }[];
}

export interface Key2 {
  rid: number;
  /** an OMEMOKeyExchange (true) or an OMEMOAuthenticatedMessage */
  kex: boolean;
  data: Uint8Array;
}

export interface Encrypted2 {
  sid: number;
  /** recipient bare JID -> its devices' keys */
  keys: Map<string, Key2[]>;
  payload?: Uint8Array;
}

function fail(code: 'corrupted' | 'bad-bundle' | 'bad-device-list', what: string): OmemoError {
  return new OmemoError(code, `malformed OMEMO 2 ${what}`);
}

function decode(text: string, limit: number, onError: () => OmemoError): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length > Math.ceil(limit / 3) * 4) throw onError();
  try {
    return base64Decode(compact);
  } catch {
    throw onError();
  }
}

function id(value: unknown, onError: () => OmemoError): number {
  const text = String(value ?? '');
  if (!/^\d{1,10}$/.test(text)) throw onError();
  const n = Number(text);
  if (!isDeviceId(n) && n !== 0) throw onError();
  return n;
}

const child = (el: Element, name: string) => el.getChildren(name, NS.OMEMO)[0];

export function buildDevices2(devices: Device2[]): Element {
  const seen = new Set<number>();
  return xml(
    'devices',
    { xmlns: NS.OMEMO },
    ...devices.filter((d) => !seen.has(d.id) && seen.add(d.id)).map((d) => xml('device', d.label ? { id: String(d.id), label: d.label.slice(0, MAX_LABEL) } : { id: String(d.id) })),
  );
}

export function parseDevices2(el: Element): Device2[] {
  const bad = () => fail('bad-device-list', 'device list');
  if (el.getName() !== 'devices' || el.getNS() !== NS.OMEMO) throw bad();
  const devices = el.getChildren('device', NS.OMEMO);
  if (devices.length > MAX_DEVICES) throw new OmemoError('bad-device-list', `an OMEMO 2 device list of ${devices.length} devices, more than ${MAX_DEVICES}`);
  const out = new Map<number, Device2>();
  for (const device of devices) {
    const deviceId = id(device.attrs.id, bad);
    if (deviceId === 0) throw bad();
    const label = String(device.attrs.label ?? '').trim().slice(0, MAX_LABEL);
    out.set(deviceId, label ? { id: deviceId, label } : { id: deviceId });
  }
  return [...out.values()];
}

export function buildBundle2(bundle: Bundle2): Element {
  return xml(
    'bundle',
    { xmlns: NS.OMEMO },
    xml('spk', { id: String(bundle.signedPreKeyId) }, base64Encode(bundle.signedPreKey)),
    xml('spks', {}, base64Encode(bundle.signedPreKeySignature)),
    xml('ik', {}, base64Encode(bundle.identityKey)),
    xml('prekeys', {}, ...bundle.preKeys.map((k) => xml('pk', { id: String(k.id) }, base64Encode(k.publicKey)))),
  );
}

export function parseBundle2(el: Element): Bundle2 {
  const bad = () => fail('bad-bundle', 'bundle');
  if (el.getName() !== 'bundle' || el.getNS() !== NS.OMEMO) throw bad();
  const key = (keyEl: Element | undefined, length: number) => {
    if (!keyEl) throw bad();
    const bytes = decode(keyEl.getText(), length, bad);
    if (bytes.length !== length) throw bad();
    return bytes;
  };
  const spk = child(el, 'spk');
  const preKeyEls = child(el, 'prekeys')?.getChildren('pk', NS.OMEMO) ?? [];
  if (preKeyEls.length === 0 || preKeyEls.length > MAX_BUNDLE_PREKEYS) throw bad();
  return {
    signedPreKeyId: id(spk?.attrs.id, bad),
    signedPreKey: key(spk, 32),
    signedPreKeySignature: key(child(el, 'spks'), 64),
    identityKey: key(child(el, 'ik'), 32),
    preKeys: preKeyEls.map((pk) => ({ id: id(pk.attrs.id, bad), publicKey: key(pk, 32) })),
  };
}

export function buildEncrypted2(message: Encrypted2): Element {
  const header = xml('header', { sid: String(message.sid) });
  for (const [jid, keys] of message.keys) {
    header.append(xml('keys', { jid }, ...keys.map((k) => xml('key', k.kex ? { rid: String(k.rid), kex: 'true' } : { rid: String(k.rid) }, base64Encode(k.data)))));
  }
  const encrypted = xml('encrypted', { xmlns: NS.OMEMO }, header);
  if (message.payload) encrypted.append(xml('payload', {}, base64Encode(message.payload)));
  return encrypted;
}

export function parseEncrypted2(el: Element): Encrypted2 {
  const bad = () => fail('corrupted', 'message');
  if (el.getName() !== 'encrypted' || el.getNS() !== NS.OMEMO) throw bad();
  const header = child(el, 'header');
  if (!header) throw bad();
  const sid = id(header.attrs.sid, bad);
  const keys = new Map<string, Key2[]>();
  let count = 0;
  for (const keysEl of header.getChildren('keys', NS.OMEMO)) {
    const jid = String(keysEl.attrs.jid ?? '').toLowerCase();
    if (!jid || jid.includes('/')) throw bad();
    const list = keys.get(jid) ?? [];
    for (const keyEl of keysEl.getChildren('key', NS.OMEMO)) {
      if (++count > MAX_KEYS_PER_MESSAGE) throw new OmemoError('too-large', `an OMEMO 2 message for more than ${MAX_KEYS_PER_MESSAGE} devices`);
      list.push({ rid: id(keyEl.attrs.rid, bad), kex: keyEl.attrs.kex === 'true' || keyEl.attrs.kex === '1', data: decode(keyEl.getText(), MAX_KEY_BYTES, bad) });
    }
    keys.set(jid, list);
  }
  const message: Encrypted2 = { sid, keys };
  const payloadEl = child(el, 'payload');
  if (payloadEl) {
    const payload = decode(payloadEl.getText(), MAX_PAYLOAD_BYTES * 2, () => new OmemoError('too-large', 'an OMEMO 2 payload over the size accepted'));
    if (payload.length > 0) message.payload = payload;
  }
  return message;
}

/** An OMEMO 2 message without payload (a heartbeat or key transport): nothing to show, whatever else the stanza says. */
export function isEmptyOmemo2Message(encrypted: Element): boolean {
  const payload = encrypted.getChild('payload', NS.OMEMO);
  return !payload || payload.getText().trim() === '';
}
