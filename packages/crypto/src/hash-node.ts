import { createHash, createHmac } from 'node:crypto';
import type { ScramHash } from './scram.ts';

/**
 * HMAC and digests for SCRAM through node:crypto, synchronously: a server
 * does several per login, and WebCrypto's scheduled jobs cost ~10× the CPU
 * (hash-web.ts is the browser's version; hash.test.ts checks they agree).
 */
const NAMES: Record<ScramHash, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' };

export async function hmac(hash: ScramHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(createHmac(NAMES[hash], key).update(data).digest());
}

export async function digest(hash: ScramHash, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(createHash(NAMES[hash]).update(data).digest());
}
