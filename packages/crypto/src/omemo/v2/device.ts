import { base64Decode, base64Encode, constantTimeEqual } from '../../bytes.ts';
import { OmemoError } from '../errors.ts';
import type { OmemoStore } from '../store.ts';
import { curveToEd25519, generateX25519, xeddsaSign } from './primitives.ts';
import { decodeKeyExchange, encodeKeyExchange } from './protobuf.ts';
import { initActive, initPassive, ratchetDecrypt, ratchetEncrypt, type RatchetState } from './ratchet.ts';
import { x3dhActive, x3dhPassive, type OwnIdentity } from './x3dh.ts';
import type { Bundle2, Key2 } from './xml.ts';

/**
 * This device in OMEMO 2: its signed pre-key and one-time pre-keys (kept
 * apart from the 0.3 ones, under "v2:" keys of the same store), and the
 * OMEMO 2 sessions with other devices. The identity key and device id are
 * the 0.3 device's, so a contact sees one device with one fingerprint.
 * Trust is decided by the caller (OmemoAccount), before and after.
 */
const K = {
  spkCurrent: 'v2:spk-current',
  spk: (id: number | string) => `v2:spk:${id}`,
  spkPrefix: 'v2:spk:',
  preKey: (id: number | string) => `v2:prekey:${id}`,
  preKeyPrefix: 'v2:prekey:',
  nextPreKeyId: 'v2:next-prekey-id',
  usedPreKey: (id: number | string) => `v2:used-prekey:${id}`,
  session: (jid: string, deviceId: number) => `v2:session:${jid}/${deviceId}`,
};

interface StoredSignedPreKey {
  priv: string;
  pub: string;
  sig: string;
  created: number;
}

interface StoredSession {
  ratchet: RatchetState;
  ad: string;
  /** the other device's Ed25519 identity key */
  identity: string;
  /** while the other side has not answered: what every message must carry to let it build the session */
  kex?: { pkId: number; spkId: number; ek: string };
  /** for a session the other side started: its ephemeral key, to recognise the same key exchange again */
  theirEk?: string;
}

const b64 = base64Encode;
const unb64 = base64Decode;

export class Omemo2Device {
  private constructor(
    private readonly store: OmemoStore,
    private readonly identity: OwnIdentity,
    private readonly preKeyCount: number,
  ) {}

  /** Loads (or creates) this device's OMEMO 2 keys, with the identity of the 0.3 device. */
  static async open(store: OmemoStore, identity: { pub: Uint8Array; priv: Uint8Array }, preKeyCount: number): Promise<Omemo2Device> {
    const curvePub = identity.pub.length === 33 ? identity.pub.slice(1) : identity.pub;
    const device = new Omemo2Device(store, { priv: identity.priv, edPub: curveToEd25519(curvePub) }, preKeyCount);
    if (typeof (await store.get(K.spkCurrent)) !== 'number') await device.rotateSignedPreKey();
    await device.replenish();
    return device;
  }

  /** The Ed25519 identity key as published. */
  get identityKey(): Uint8Array {
    return this.identity.edPub;
  }

  async rotateSignedPreKey(): Promise<void> {
    const current = await this.store.get(K.spkCurrent);
    const id = typeof current === 'number' ? current + 1 : 1;
    const pair = generateX25519();
    const sig = xeddsaSign(this.identity.priv, pair.pub);
    await this.store.set(K.spk(id), { priv: b64(pair.priv), pub: b64(pair.pub), sig: b64(sig), created: Date.now() } satisfies StoredSignedPreKey);
    await this.store.set(K.spkCurrent, id);
  }

  /** Like the 0.3 device: weekly, keeping the previous signed pre-key for messages under way. True: publish the bundle. */
  async rotateSignedPreKeyIfDue(maxAgeMs = 7 * 24 * 3600 * 1000, now = Date.now()): Promise<boolean> {
    const currentId = (await this.store.get(K.spkCurrent)) as number;
    const current = (await this.store.get(K.spk(currentId))) as StoredSignedPreKey | undefined;
    if (current && now - current.created < maxAgeMs) return false;
    await this.rotateSignedPreKey();
    for (const key of await this.store.keys(K.spkPrefix)) {
      if (Number(key.slice(K.spkPrefix.length)) < currentId) await this.store.delete(key);
    }
    return true;
  }

  async replenish(): Promise<boolean> {
    const have = (await this.store.keys(K.preKeyPrefix)).length;
    if (have >= this.preKeyCount) return false;
    const next = await this.store.get(K.nextPreKeyId);
    let id = typeof next === 'number' ? next : 1;
    for (let i = have; i < this.preKeyCount; i++, id++) {
      const pair = generateX25519();
      await this.store.set(K.preKey(id), { priv: b64(pair.priv), pub: b64(pair.pub) });
    }
    await this.store.set(K.nextPreKeyId, id);
    return true;
  }

  async bundle(): Promise<Bundle2> {
    const spkId = (await this.store.get(K.spkCurrent)) as number;
    const spk = (await this.store.get(K.spk(spkId))) as StoredSignedPreKey;
    const preKeys: Bundle2['preKeys'] = [];
    for (const key of await this.store.keys(K.preKeyPrefix)) {
      const stored = (await this.store.get(key)) as { pub: string } | undefined;
      if (stored) preKeys.push({ id: Number(key.slice(K.preKeyPrefix.length)), publicKey: unb64(stored.pub) });
    }
    preKeys.sort((a, b) => a.id - b.id);
    return { signedPreKeyId: spkId, signedPreKey: unb64(spk.pub), signedPreKeySignature: unb64(spk.sig), identityKey: this.identity.edPub, preKeys };
  }

  async hasSession(jid: string, deviceId: number): Promise<boolean> {
    return (await this.store.get(K.session(jid, deviceId))) !== undefined;
  }

  /** The identity key this device has a session with (or undefined). */
  async sessionIdentity(jid: string, deviceId: number): Promise<Uint8Array | undefined> {
    const session = (await this.store.get(K.session(jid, deviceId))) as StoredSession | undefined;
    return session ? unb64(session.identity) : undefined;
  }

  /** Starts a session from the other device's bundle (X3DH, verifying the signed pre-key). */
  async startSession(jid: string, deviceId: number, bundle: Bundle2): Promise<void> {
    const agreed = await x3dhActive(this.identity, bundle);
    const ratchet = await initActive(agreed.secret, bundle.signedPreKey);
    await this.store.set(K.session(jid, deviceId), {
      ratchet,
      ad: b64(agreed.ad),
      identity: b64(bundle.identityKey),
      kex: { pkId: agreed.preKeyId, spkId: bundle.signedPreKeyId, ek: b64(agreed.ephemeral) },
    } satisfies StoredSession);
  }

  /** One device's <key/> for `keyMaterial`: a key exchange until the other side has answered. */
  async encryptKey(jid: string, deviceId: number, keyMaterial: Uint8Array): Promise<Key2> {
    const session = (await this.store.get(K.session(jid, deviceId))) as StoredSession | undefined;
    if (!session) throw new OmemoError('no-session', `no OMEMO 2 session with device ${deviceId} of ${jid}`);
    const { state, message } = await ratchetEncrypt(session.ratchet, unb64(session.ad), keyMaterial);
    await this.store.set(K.session(jid, deviceId), { ...session, ratchet: state });
    if (!session.kex) return { rid: deviceId, kex: false, data: message };
    const data = encodeKeyExchange({ pkId: session.kex.pkId, spkId: session.kex.spkId, ik: this.identity.edPub, ek: unb64(session.kex.ek), message });
    return { rid: deviceId, kex: true, data };
  }

  /** What a key exchange says about its sender before anything is decrypted: the identity key, for the trust check. */
  static senderIdentity(key: Key2): Uint8Array | undefined {
    return key.kex ? decodeKeyExchange(key.data).ik : undefined;
  }

  /**
   * Opens this device's <key/> from device `deviceId` of `jid`. A key
   * exchange builds (or, repeated, reuses) the session; 'replayed-prekey'
   * for one on a pre-key already used. `usedPreKey`: publish the bundle
   * again; `answer`: send an empty message back so the sender's session is
   * confirmed.
   */
  async decryptKey(jid: string, deviceId: number, key: Key2): Promise<{ keyMaterial: Uint8Array; identity: Uint8Array; usedPreKey: boolean; answer: boolean }> {
    const stored = (await this.store.get(K.session(jid, deviceId))) as StoredSession | undefined;
    if (!key.kex) {
      if (!stored) throw new OmemoError('no-session', `no OMEMO 2 session with device ${deviceId} of ${jid}, and the message does not start one`);
      const { state, plaintext } = await ratchetDecrypt(stored.ratchet, unb64(stored.ad), key.data);
      // An answer confirms a session we started: our messages stop carrying the key exchange.
      const { kex: _confirmed, ...rest } = stored;
      await this.store.set(K.session(jid, deviceId), { ...rest, ratchet: state });
      return { keyMaterial: plaintext, identity: unb64(stored.identity), usedPreKey: false, answer: false };
    }
    const exchange = decodeKeyExchange(key.data);
    if (stored?.theirEk && constantTimeEqual(unb64(stored.theirEk), exchange.ek) && constantTimeEqual(unb64(stored.identity), exchange.ik)) {
      // The same key exchange again (the sender has not seen our answer yet): the session it built goes on.
      const { state, plaintext } = await ratchetDecrypt(stored.ratchet, unb64(stored.ad), exchange.message);
      await this.store.set(K.session(jid, deviceId), { ...stored, ratchet: state });
      return { keyMaterial: plaintext, identity: exchange.ik, usedPreKey: false, answer: false };
    }
    const spk = (await this.store.get(K.spk(exchange.spkId))) as StoredSignedPreKey | undefined;
    const preKey = (await this.store.get(K.preKey(exchange.pkId))) as { priv: string } | undefined;
    if (!preKey || !spk) {
      const replay = (await this.store.get(K.usedPreKey(exchange.pkId))) === true;
      throw new OmemoError(replay ? 'replayed-prekey' : 'no-session', replay ? `an OMEMO 2 key exchange from device ${deviceId} of ${jid} on a pre-key that was already used (a replay)` : `an OMEMO 2 key exchange from device ${deviceId} of ${jid} on keys this device no longer has`);
    }
    const agreed = await x3dhPassive(this.identity, unb64(spk.priv), unb64(preKey.priv), exchange.ik, exchange.ek);
    const { state, plaintext } = await ratchetDecrypt(initPassive(agreed.secret, unb64(spk.priv)), agreed.ad, exchange.message);
    await this.store.set(K.session(jid, deviceId), { ratchet: state, ad: b64(agreed.ad), identity: b64(exchange.ik), theirEk: b64(exchange.ek) } satisfies StoredSession);
    await this.store.delete(K.preKey(exchange.pkId));
    await this.store.set(K.usedPreKey(exchange.pkId), true);
    await this.replenish();
    return { keyMaterial: plaintext, identity: exchange.ik, usedPreKey: true, answer: true };
  }
}
