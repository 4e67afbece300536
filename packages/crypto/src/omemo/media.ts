import { randomBytes } from '../bytes.ts';
import { OmemoError } from './errors.ts';
import { toBuffer } from './signal-store.ts';

/**
 * OMEMO media sharing (XEP-0454): a file is encrypted with AES-256-GCM under a
 * fresh key and 12-byte IV, the 16-byte tag stays at the end of the
 * ciphertext, and the ciphertext is uploaded as it is (XEP-0363). The message
 * (itself OMEMO-encrypted) carries `aesgcm://host/path#<iv hex><key hex>`.
 * The fragment is the only place the key appears: it is never part of the
 * upload request or of the download URL (httpsUrl).
 */
export interface MediaSecret {
  /** 12 bytes (16 from older clients are accepted when reading) */
  iv: Uint8Array;
  /** 32 bytes */
  key: Uint8Array;
}

const subtle = () => globalThis.crypto.subtle;

export async function encryptFile(data: Uint8Array): Promise<{ ciphertext: Uint8Array; secret: MediaSecret }> {
  const secret = { iv: randomBytes(12), key: randomBytes(32) };
  const aes = await subtle().importKey('raw', toBuffer(secret.key), 'AES-GCM', false, ['encrypt']);
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: toBuffer(secret.iv), tagLength: 128 }, aes, toBuffer(data)));
  return { ciphertext, secret };
}

export async function decryptFile(ciphertext: Uint8Array, secret: MediaSecret): Promise<Uint8Array> {
  try {
    const aes = await subtle().importKey('raw', toBuffer(secret.key), 'AES-GCM', false, ['decrypt']);
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: toBuffer(secret.iv), tagLength: 128 }, aes, toBuffer(ciphertext)));
  } catch (cause) {
    throw new OmemoError('bad-media', 'the downloaded file does not match its key (damaged, truncated or replaced)', { cause });
  }
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The aesgcm:// URL to send for a file uploaded to `httpsUrl`. */
export function aesgcmUrl(httpsUrl: string, secret: MediaSecret): string {
  const url = new URL(httpsUrl);
  if (url.protocol !== 'https:' || url.hash) throw new OmemoError('bad-media', 'the upload URL must be https:// without a fragment');
  return `aesgcm://${httpsUrl.slice('https://'.length)}#${hex(secret.iv)}${hex(secret.key)}`;
}

/** Splits an aesgcm:// URL into the https:// URL to download and the secret to decrypt with. */
export function parseAesgcmUrl(aesgcm: string): { httpsUrl: string; secret: MediaSecret } {
  const bad = (why: string) => new OmemoError('bad-media', `not a usable aesgcm:// URL: ${why}`);
  if (!aesgcm.startsWith('aesgcm://')) throw bad('wrong scheme');
  const hash = aesgcm.indexOf('#');
  if (hash < 0) throw bad('no key in the fragment');
  const fragment = aesgcm.slice(hash + 1);
  // 12-byte IV + 32-byte key = 88 hex digits; older clients used a 16-byte IV (96).
  if (!/^[0-9a-fA-F]+$/.test(fragment) || (fragment.length !== 88 && fragment.length !== 96)) throw bad('the fragment is not an IV and a key in hex');
  const bytes = new Uint8Array(fragment.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(fragment.slice(i * 2, i * 2 + 2), 16);
  const httpsUrl = `https://${aesgcm.slice('aesgcm://'.length, hash)}`;
  try {
    if (new URL(httpsUrl).protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw bad('the location is not a URL');
  }
  return { httpsUrl, secret: { iv: bytes.slice(0, bytes.length - 32), key: bytes.slice(bytes.length - 32) } };
}
