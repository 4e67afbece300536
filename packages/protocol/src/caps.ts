// XEP-0115 entity capabilities: verification string (§5.1) and hash.
import { Element, xml } from './xml.ts';
import { NS } from './namespaces.ts';
import { parseDataForm, formType } from './dataforms.ts';
import type { DataForm } from './dataforms.ts';
import type { DiscoIdentity } from './disco.ts';

export interface CapsInput {
  identities: DiscoIdentity[];
  features: string[];
  /** XEP-0128 extension forms (parsed, or `<x xmlns="jabber:x:data"/>` elements) */
  forms?: (DataForm | Element)[];
}

/** Compares strings by Unicode code point, i.e. the "i;octet" order of their UTF-8 encodings. */
export function compareOctets(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

export class CapsError extends Error {
  override name = 'CapsError';
}

/**
 * Checks the XEP-0115 §5.4 rules that make a disco#info result unusable for
 * caps: duplicate identities (same category/type/lang/name), duplicate
 * features, several forms with the same FORM_TYPE. Throws CapsError.
 */
export function validateCapsInput(input: CapsInput): void {
  const ids = new Set<string>();
  for (const i of input.identities) {
    const k = `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`;
    if (ids.has(k)) throw new CapsError(`duplicate identity ${k}`);
    ids.add(k);
  }
  if (new Set(input.features).size !== input.features.length) throw new CapsError('duplicate feature');
  const types = new Set<string>();
  for (const f of input.forms ?? []) {
    const form = f instanceof Element ? parseDataForm(f) : f;
    const t = formType(form);
    if (t === undefined) continue;
    if (types.has(t)) throw new CapsError(`duplicate form ${t}`);
    types.add(t);
  }
}

/**
 * The XEP-0115 §5.1 verification string S. Forms without a FORM_TYPE field
 * (or whose FORM_TYPE field is not hidden) are ignored, as §5.4 prescribes.
 */
export function capsVerificationString(input: CapsInput): string {
  let s = '';
  const ids = [...input.identities].sort(
    (a, b) =>
      compareOctets(a.category, b.category) ||
      compareOctets(a.type, b.type) ||
      compareOctets(a.lang ?? '', b.lang ?? '') ||
      compareOctets(a.name ?? '', b.name ?? ''),
  );
  for (const i of ids) s += `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}<`;
  for (const f of [...input.features].sort(compareOctets)) s += `${f}<`;
  const forms = (input.forms ?? [])
    .map((f) => (f instanceof Element ? parseDataForm(f) : f))
    .filter((f) => {
      const ft = f.fields.find((x) => x.var === 'FORM_TYPE');
      return ft !== undefined && (ft.type === undefined || ft.type === 'hidden') && ft.values.length > 0;
    })
    .map((f) => ({ type: formType(f)!, form: f }))
    .sort((a, b) => compareOctets(a.type, b.type));
  for (const { type, form } of forms) {
    s += `${type}<`;
    const fields = form.fields
      .filter((f) => f.var !== undefined && f.var !== 'FORM_TYPE')
      .sort((a, b) => compareOctets(a.var!, b.var!));
    for (const f of fields) {
      s += `${f.var}<`;
      for (const v of [...f.values].sort(compareOctets)) s += `${v}<`;
    }
  }
  return s;
}

export type CapsHashAlgorithm = 'sha-1' | 'sha-256' | 'sha-384' | 'sha-512';

const SUBTLE_NAMES: Record<CapsHashAlgorithm, string> = {
  'sha-1': 'SHA-1',
  'sha-256': 'SHA-256',
  'sha-384': 'SHA-384',
  'sha-512': 'SHA-512',
};

function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** base64(hash(S)) — the `ver` attribute. Uses WebCrypto; default hash sha-1. */
export async function capsHash(input: CapsInput, algorithm: CapsHashAlgorithm = 'sha-1'): Promise<string> {
  const data = new TextEncoder().encode(capsVerificationString(input));
  const digest = await globalThis.crypto.subtle.digest(SUBTLE_NAMES[algorithm], data);
  return bytesToBase64(new Uint8Array(digest));
}

/** `<c xmlns="http://jabber.org/protocol/caps" hash=".." node=".." ver=".."/>` for presence / stream features. */
export function capsElement(node: string, ver: string, hash: CapsHashAlgorithm = 'sha-1'): Element {
  return xml('c', { xmlns: NS.CAPS, hash, node, ver });
}
