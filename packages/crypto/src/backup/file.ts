import { base64Decode, base64Encode, utf8Decode, utf8Encode } from '../bytes.ts';
import { normalizeBackupCode } from './code.ts';

/**
 * An encrypted backup file: JSON contents sealed with AES-256-GCM under a
 * key derived from a backup code (code.ts) with PBKDF2-SHA-256. The file
 * says how it was made (so later versions can change the numbers) and
 * nothing else: who it belongs to is inside the ciphertext.
 */
export const BACKUP_FORMAT = 'conexizan-backup';
const ITERATIONS = 600_000;
const MAX_FILE_BYTES = 512 * 1024 * 1024;

export interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: 1;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  cipher: { name: 'AES-GCM'; iv: string };
  data: string;
}

export class BackupError extends Error {
  override name = 'BackupError';
  constructor(readonly reason: 'not-a-backup' | 'wrong-code' | 'too-large') {
    super(reason);
  }
}

const subtle = () => globalThis.crypto.subtle;
const buffer = (bytes: Uint8Array) => bytes.slice().buffer as ArrayBuffer;

async function deriveKey(code: string, salt: Uint8Array, iterations: number) {
  const base = await subtle().importKey('raw', buffer(utf8Encode(code)), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: buffer(salt), iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

export async function sealBackup(contents: unknown, code: string): Promise<string> {
  const canonical = normalizeBackupCode(code);
  if (!canonical) throw new TypeError('not a backup code');
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const key = await deriveKey(canonical, salt, ITERATIONS);
  const data = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: buffer(iv) }, key, buffer(utf8Encode(JSON.stringify(contents)))));
  const file: BackupFile = {
    format: BACKUP_FORMAT,
    version: 1,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: ITERATIONS, salt: base64Encode(salt) },
    cipher: { name: 'AES-GCM', iv: base64Encode(iv) },
    data: base64Encode(data),
  };
  return JSON.stringify(file);
}

/** The contents of a backup file; BackupError says why not (not one of ours, wrong code or damaged, too large). */
export async function openBackup(text: string, code: string): Promise<unknown> {
  if (text.length > MAX_FILE_BYTES) throw new BackupError('too-large');
  let file: BackupFile;
  try {
    file = JSON.parse(text) as BackupFile;
  } catch {
    throw new BackupError('not-a-backup');
  }
  const valid =
    file?.format === BACKUP_FORMAT &&
    file.version === 1 &&
    file.kdf?.name === 'PBKDF2' &&
    file.kdf.hash === 'SHA-256' &&
    Number.isInteger(file.kdf.iterations) &&
    file.kdf.iterations >= 100_000 &&
    file.kdf.iterations <= 10_000_000 &&
    file.cipher?.name === 'AES-GCM' &&
    typeof file.data === 'string';
  if (!valid) throw new BackupError('not-a-backup');
  const canonical = normalizeBackupCode(code);
  if (!canonical) throw new BackupError('wrong-code');
  try {
    const key = await deriveKey(canonical, base64Decode(file.kdf.salt), file.kdf.iterations);
    const plain = await subtle().decrypt({ name: 'AES-GCM', iv: buffer(base64Decode(file.cipher.iv)) }, key, buffer(base64Decode(file.data)));
    return JSON.parse(utf8Decode(new Uint8Array(plain)));
  } catch {
    // A wrong code and a damaged file look the same to AES-GCM.
    throw new BackupError('wrong-code');
  }
}
