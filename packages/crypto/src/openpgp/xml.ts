import { NS } from '@conexizan/protocol/namespaces';
import { parseXmppDateTime, xmppDateTime } from '@conexizan/protocol/stanza';
import { xml, type Element } from '@conexizan/protocol/xml';
import { base64Decode, base64Encode } from '../bytes.ts';
import { OxError } from './errors.ts';

/** XEP-0373's PEP nodes: the metadata node, one data node per key, and the private secret key node. */
export const OX_PUBLIC_KEYS_NODE = `${NS.OPENPGP}:public-keys`;
export const OX_SECRET_KEY_NODE = `${NS.OPENPGP}:secret-key`;
export const oxPublicKeyNode = (fingerprint: string): string => `${OX_PUBLIC_KEYS_NODE}:${fingerprint.toUpperCase()}`;

/** What a contact may read from their keys beyond a sane size (an OpenPGP key with a few signatures). */
const MAX_KEY_BASE64 = 64 * 1024;
const FINGERPRINT = /^[0-9A-F]{40}$/;

export interface OxKeyMetadata {
  fingerprint: string;
  date: Date;
}

/** `<pubkey><data>…</data></pubkey>` for the data node (§4.1). */
export function pubkeyElement(publicKey: Uint8Array, date = new Date()): Element {
  return xml('pubkey', { xmlns: NS.OPENPGP, date: xmppDateTime(date) }, xml('data', {}, base64Encode(publicKey)));
}

export function parsePubkey(element: Element | null | undefined): Uint8Array {
  const data = element?.name === 'pubkey' && element.getNS() === NS.OPENPGP ? element.getChildText('data') : null;
  const text = data?.replace(/\s+/g, '') ?? '';
  if (!text || text.length > MAX_KEY_BASE64) throw new OxError('bad-key', 'the published key is missing or too large');
  return base64Decode(text);
}

/** `<public-keys-list>` for the metadata node (§4.2). */
export function publicKeysListElement(keys: OxKeyMetadata[]): Element {
  return xml('public-keys-list', { xmlns: NS.OPENPGP }, ...keys.map((k) => xml('pubkey-metadata', { 'v4-fingerprint': k.fingerprint.toUpperCase(), date: xmppDateTime(k.date) })));
}

/** The announced keys, newest first; malformed entries are left out. */
export function parsePublicKeysList(element: Element | null | undefined): OxKeyMetadata[] {
  if (element?.name !== 'public-keys-list' || element.getNS() !== NS.OPENPGP) return [];
  const seen = new Set<string>();
  const out: OxKeyMetadata[] = [];
  for (const meta of element.getChildren('pubkey-metadata').slice(0, 32)) {
    const fingerprint = String(meta.attrs['v4-fingerprint'] ?? '').toUpperCase();
    if (!FINGERPRINT.test(fingerprint) || seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    out.push({ fingerprint, date: parseXmppDateTime(String(meta.attrs.date ?? '')) ?? new Date(0) });
  }
  return out.sort((a, b) => b.date.getTime() - a.date.getTime());
}

/** `<secretkey>` for the private secret key node (§5). */
export function secretKeyElement(backup: Uint8Array): Element {
  return xml('secretkey', { xmlns: NS.OPENPGP }, base64Encode(backup));
}

export function parseSecretKey(element: Element | null | undefined): Uint8Array {
  const text = element?.name === 'secretkey' && element.getNS() === NS.OPENPGP ? element.getText().replace(/\s+/g, '') : '';
  if (!text || text.length > MAX_KEY_BASE64 * 2) throw new OxError('no-backup', 'there is no secret key backup');
  return base64Decode(text);
}
