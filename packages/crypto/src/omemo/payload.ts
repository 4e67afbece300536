import { concatBytes, randomBytes } from '../bytes.ts';
import { OmemoError } from './errors.ts';
import { toBuffer } from './signal-store.ts';

const subtle = () => globalThis.crypto.subtle;
const KEY_BYTES = 16;
const TAG_BYTES = 16;

export interface SealedPayload {
  iv: Uint8Array;
  payload: Uint8Array;
  /** what each recipient device gets through its Signal session: the AES key, then the GCM tag */
  keyMaterial: Uint8Array;
}

/**
 * AES-128-GCM with a 12-byte IV, and the 16-byte tag moved from the end of the
 * ciphertext to the end of the key, the way Conversations, Monal, Dino and
 * python-omemo's oldmemo backend do it: the <payload> is the bare ciphertext.
 */
export async function sealPayload(plaintext: Uint8Array): Promise<SealedPayload> {
  const key = randomBytes(KEY_BYTES);
  const iv = randomBytes(12);
  const aes = await subtle().importKey('raw', toBuffer(key), 'AES-GCM', false, ['encrypt']);
  const sealed = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: toBuffer(iv), tagLength: 128 }, aes, toBuffer(plaintext)));
  const payload = sealed.slice(0, sealed.length - TAG_BYTES);
  const tag = sealed.slice(sealed.length - TAG_BYTES);
  return { iv, payload, keyMaterial: concatBytes(key, tag) };
}

/** Key material for an empty (heartbeat) message: there is no payload to open with it. */
export function emptyKeyMaterial(): Uint8Array {
  return randomBytes(KEY_BYTES + TAG_BYTES);
}

/**
 * Opens a payload with the key material from the sender's Signal message.
 * 32 bytes is key + tag; 16 bytes is the older form with the tag still at the
 * end of the payload.
 */
export async function openPayload(payload: Uint8Array, iv: Uint8Array, keyMaterial: Uint8Array): Promise<Uint8Array> {
  let key: Uint8Array;
  let sealed: Uint8Array;
  if (keyMaterial.length >= KEY_BYTES + TAG_BYTES) {
    key = keyMaterial.slice(0, KEY_BYTES);
    sealed = concatBytes(payload, keyMaterial.slice(KEY_BYTES, KEY_BYTES + TAG_BYTES));
  } else if (keyMaterial.length === KEY_BYTES) {
    key = keyMaterial;
    sealed = payload;
  } else {
    throw new OmemoError('corrupted', 'the transported key has an unexpected length');
  }
  try {
    const aes = await subtle().importKey('raw', toBuffer(key), 'AES-GCM', false, ['decrypt']);
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: toBuffer(iv), tagLength: 128 }, aes, toBuffer(sealed)));
  } catch (cause) {
    throw new OmemoError('corrupted', 'the payload does not match its authentication tag (damaged or tampered with)', { cause });
  }
}
