import { arrayBufferCopy as buf } from './bytes.ts';
import type { ScramHash } from './scram.ts';

/**
 * HMAC and digests for SCRAM through WebCrypto: what a browser has. On Node
 * the package's "#hash" import resolves to hash-node.ts instead (same
 * results, see hash.test.ts), because there each WebCrypto call is a job
 * scheduled and awaited, ~50 µs of CPU where node:crypto takes 5.
 */

const subtle = () => globalThis.crypto.subtle;

export async function hmac(hash: ScramHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(key), { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, buf(data)));
}

export async function digest(hash: ScramHash, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(hash, buf(data)));
}
