import { KeyHelper } from '@privacyresearch/libsignal-protocol-typescript';
import { base64Decode, base64Encode } from '../bytes.ts';
import { decodeKeyPair, encodeKeyPair, KEY } from './signal-store.ts';
import type { OmemoStore } from './store.ts';
import type { OmemoBundle } from './xml.ts';

/** Conversations publishes 100 pre-keys (NUM_KEYS_TO_PUBLISH) and so do we. */
export const PREKEY_COUNT = 100;

interface StoredSignedPreKey {
  pub: string;
  priv: string;
  signature: string;
  created: number;
}

function randomDeviceId(): number {
  const [n] = globalThis.crypto.getRandomValues(new Uint32Array(1));
  return (n! % 0x7fffffff) + 1;
}

/**
 * This device's own key material: identity key, device id, signed pre-key and
 * the pool of one-time pre-keys, created on first use and kept in the store.
 */
export class OwnKeys {
  constructor(
    private readonly store: OmemoStore,
    private readonly preKeyCount = PREKEY_COUNT,
  ) {}

  /** Creates everything that is missing; returns this device's id. */
  async ensure(): Promise<number> {
    let deviceId = await this.store.get(KEY.deviceId);
    if (typeof deviceId !== 'number') {
      const identity = await KeyHelper.generateIdentityKeyPair();
      await this.store.set(KEY.identity, encodeKeyPair(identity));
      await this.store.set(KEY.registrationId, KeyHelper.generateRegistrationId() || 1);
      await this.rotateSignedPreKey();
      await this.replenish();
      deviceId = randomDeviceId();
      // Written last: a device id means the rest is there.
      await this.store.set(KEY.deviceId, deviceId);
    }
    return deviceId as number;
  }

  /** The identity key pair as bytes: the 33-byte public key (0x05 + Curve25519) and the 32-byte private scalar. */
  async identityKeyPair(): Promise<{ pub: Uint8Array; priv: Uint8Array }> {
    const pair = decodeKeyPair(await this.store.get(KEY.identity));
    if (!pair) throw new Error('OMEMO identity key missing from the store');
    return { pub: new Uint8Array(pair.pubKey), priv: new Uint8Array(pair.privKey) };
  }

  async identityPublicKey(): Promise<Uint8Array> {
    const pair = decodeKeyPair(await this.store.get(KEY.identity));
    if (!pair) throw new Error('OMEMO identity key missing from the store');
    return new Uint8Array(pair.pubKey);
  }

  /** A new signed pre-key becomes current; the previous one stays for messages already under way. */
  async rotateSignedPreKey(): Promise<void> {
    const identity = decodeKeyPair(await this.store.get(KEY.identity));
    if (!identity) throw new Error('OMEMO identity key missing from the store');
    const current = await this.store.get(KEY.currentSignedPreKey);
    const id = typeof current === 'number' ? current + 1 : 1;
    const signed = await KeyHelper.generateSignedPreKey(identity, id);
    const stored: StoredSignedPreKey = {
      ...encodeKeyPair(signed.keyPair),
      signature: base64Encode(new Uint8Array(signed.signature)),
      created: Date.now(),
    };
    await this.store.set(KEY.signedPreKey(id), stored);
    await this.store.set(KEY.currentSignedPreKey, id);
  }

  /**
   * Rotates the signed pre-key once it is older than `maxAgeMs` (a week, as
   * python-omemo does); the previous one is kept so that sessions started from
   * the old bundle still open, older ones are deleted. True if the bundle changed.
   */
  async rotateSignedPreKeyIfDue(maxAgeMs = 7 * 24 * 3600 * 1000, now = Date.now()): Promise<boolean> {
    const currentId = (await this.store.get(KEY.currentSignedPreKey)) as number;
    const current = (await this.store.get(KEY.signedPreKey(currentId))) as StoredSignedPreKey | undefined;
    if (current && now - current.created < maxAgeMs) return false;
    await this.rotateSignedPreKey();
    for (const key of await this.store.keys('signed-prekey:')) {
      const id = Number(key.slice('signed-prekey:'.length));
      if (id < currentId) await this.store.delete(key);
    }
    return true;
  }

  /** Tops the pre-key pool up to preKeyCount; true if keys were added (publish the bundle again). */
  async replenish(): Promise<boolean> {
    const have = (await this.store.keys(KEY.preKeyPrefix)).length;
    if (have >= this.preKeyCount) return false;
    const next = await this.store.get(KEY.nextPreKeyId);
    let id = typeof next === 'number' ? next : 1;
    for (let i = have; i < this.preKeyCount; i++, id++) {
      const preKey = await KeyHelper.generatePreKey(id);
      await this.store.set(KEY.preKey(id), encodeKeyPair(preKey.keyPair));
    }
    await this.store.set(KEY.nextPreKeyId, id);
    return true;
  }

  async bundle(): Promise<OmemoBundle> {
    const spkId = (await this.store.get(KEY.currentSignedPreKey)) as number;
    const spk = (await this.store.get(KEY.signedPreKey(spkId))) as StoredSignedPreKey;
    const preKeys: OmemoBundle['preKeys'] = [];
    for (const key of await this.store.keys(KEY.preKeyPrefix)) {
      const pair = decodeKeyPair(await this.store.get(key));
      if (pair) preKeys.push({ id: Number(key.slice(KEY.preKeyPrefix.length)), publicKey: new Uint8Array(pair.pubKey) });
    }
    preKeys.sort((a, b) => a.id - b.id);
    return {
      signedPreKeyId: spkId,
      signedPreKeyPublic: base64Decode(spk.pub),
      signedPreKeySignature: base64Decode(spk.signature),
      identityKey: await this.identityPublicKey(),
      preKeys,
    };
  }
}
