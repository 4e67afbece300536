import type { KeyPairType, StorageType } from '@privacyresearch/libsignal-protocol-typescript';
import { base64Decode, base64Encode } from '../bytes.ts';
import type { OmemoStore } from './store.ts';

/** Store keys, one prefix per kind of record. */
export const KEY = {
  identity: 'identity',
  registrationId: 'registration-id',
  deviceId: 'device-id',
  preKey: (id: number | string) => `prekey:${id}`,
  preKeyPrefix: 'prekey:',
  nextPreKeyId: 'next-prekey-id',
  usedPreKey: (id: number | string) => `used-prekey:${id}`,
  signedPreKey: (id: number | string) => `signed-prekey:${id}`,
  currentSignedPreKey: 'current-signed-prekey',
  session: (address: string) => `session:${address}`,
  sessionPrefix: 'session:',
  devices: (jid: string) => `devices:${jid}`,
  devicesPrefix: 'devices:',
  devices2: (jid: string) => `v2:devices:${jid}`,
  unanswered: (jid: string, deviceId: number) => `unanswered:${jid}/${deviceId}`,
  trust: (jid: string, deviceId: number) => `trust:${jid}/${deviceId}`,
  trustPrefix: (jid: string) => `trust:${jid}/`,
  lastActive: (jid: string, deviceId: number) => `last-active:${jid}/${deviceId}`,
} as const;

interface StoredKeyPair {
  pub: string;
  priv: string;
}

export function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function encodeKeyPair(pair: KeyPairType): StoredKeyPair {
  return { pub: base64Encode(new Uint8Array(pair.pubKey)), priv: base64Encode(new Uint8Array(pair.privKey)) };
}

export function decodeKeyPair(value: unknown): KeyPairType | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { pub, priv } = value as Partial<StoredKeyPair>;
  if (typeof pub !== 'string' || typeof priv !== 'string') return undefined;
  return { pubKey: toBuffer(base64Decode(pub)), privKey: toBuffer(base64Decode(priv)) };
}

/**
 * libsignal's storage interface on top of an OmemoStore. Trust is decided by
 * OmemoAccount before libsignal is called (libsignal 0.0.16 does not await its
 * own trust check on receipt), so the identity hooks here accept everything.
 */
export class SignalStore implements StorageType {
  constructor(private readonly store: OmemoStore) {}

  async getIdentityKeyPair(): Promise<KeyPairType | undefined> {
    return decodeKeyPair(await this.store.get(KEY.identity));
  }

  async getLocalRegistrationId(): Promise<number | undefined> {
    const id = await this.store.get(KEY.registrationId);
    return typeof id === 'number' ? id : undefined;
  }

  async isTrustedIdentity(): Promise<boolean> {
    return true;
  }

  async saveIdentity(): Promise<boolean> {
    return false;
  }

  async loadPreKey(keyId: string | number): Promise<KeyPairType | undefined> {
    return decodeKeyPair(await this.store.get(KEY.preKey(keyId)));
  }

  async storePreKey(keyId: string | number, keyPair: KeyPairType): Promise<void> {
    await this.store.set(KEY.preKey(keyId), encodeKeyPair(keyPair));
  }

  async removePreKey(keyId: string | number): Promise<void> {
    await this.store.delete(KEY.preKey(keyId));
    // Remembered so that a second message built on the same pre-key is
    // recognised as a replay instead of a generic decryption failure.
    await this.store.set(KEY.usedPreKey(keyId), true);
  }

  async loadSignedPreKey(keyId: string | number): Promise<KeyPairType | undefined> {
    return decodeKeyPair(await this.store.get(KEY.signedPreKey(keyId)));
  }

  async storeSignedPreKey(keyId: string | number, keyPair: KeyPairType): Promise<void> {
    await this.store.set(KEY.signedPreKey(keyId), encodeKeyPair(keyPair));
  }

  async removeSignedPreKey(keyId: string | number): Promise<void> {
    await this.store.delete(KEY.signedPreKey(keyId));
  }

  async loadSession(address: string): Promise<string | undefined> {
    const record = await this.store.get(KEY.session(address));
    return typeof record === 'string' ? record : undefined;
  }

  async storeSession(address: string, record: string): Promise<void> {
    await this.store.set(KEY.session(address), record);
  }
}
