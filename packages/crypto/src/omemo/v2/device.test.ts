import { describe, expect, it } from 'vitest';
import { KeyHelper } from '@privacyresearch/libsignal-protocol-typescript';
import { MemoryOmemoStore } from '../store.ts';
import { Omemo2Device } from './device.ts';
import { curveToEd25519, ed25519ToCurve, ed25519Verify, xeddsaSign } from './primitives.ts';
import { buildBundle2, parseBundle2 } from './xml.ts';

async function device(preKeys = 3) {
  const pair = await KeyHelper.generateIdentityKeyPair();
  return Omemo2Device.open(new MemoryOmemoStore(), { pub: new Uint8Array(pair.pubKey), priv: new Uint8Array(pair.privKey) }, preKeys);
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('OMEMO 2 keys', () => {
  it('signs with XEdDSA under the Curve25519 identity, verifiable as Ed25519 with the sign-0 public key', async () => {
    for (let i = 0; i < 20; i++) {
      const pair = await KeyHelper.generateIdentityKeyPair();
      const curvePub = new Uint8Array(pair.pubKey).slice(1);
      const edPub = curveToEd25519(curvePub);
      expect(ed25519ToCurve(edPub)).toEqual(curvePub);
      const message = bytes(`signed pre-key ${i}`);
      const signature = xeddsaSign(new Uint8Array(pair.privKey), message);
      expect(ed25519Verify(signature, message, edPub)).toBe(true);
      expect(ed25519Verify(signature, bytes('something else'), edPub)).toBe(false);
    }
  });

  it('publishes a bundle that survives its XML form', async () => {
    const bob = await device();
    const bundle = await bob.bundle();
    expect(parseBundle2(buildBundle2(bundle))).toEqual(bundle);
    expect(ed25519Verify(bundle.signedPreKeySignature, bundle.signedPreKey, bundle.identityKey)).toBe(true);
  });
});

describe('OMEMO 2 sessions', () => {
  it('carry key material both ways: a key exchange first, then plain ratchet messages once answered', async () => {
    const alice = await device();
    const bob = await device();
    await alice.startSession('bob@x', 2, await bob.bundle());
    const first = await alice.encryptKey('bob@x', 2, bytes('key one'));
    expect(first.kex).toBe(true);
    const second = await alice.encryptKey('bob@x', 2, bytes('key two'));
    expect(second.kex).toBe(true);
    const opened = await bob.decryptKey('alice@x', 1, first);
    expect(text(opened.keyMaterial)).toBe('key one');
    expect(opened).toMatchObject({ usedPreKey: true, answer: true });
    expect(opened.identity).toEqual(alice.identityKey);
    // the same key exchange again, with the next message: no new session
    expect(text((await bob.decryptKey('alice@x', 1, second)).keyMaterial)).toBe('key two');
    const reply = await bob.encryptKey('alice@x', 1, bytes('answer'));
    expect(reply.kex).toBe(false);
    expect(text((await alice.decryptKey('bob@x', 2, reply)).keyMaterial)).toBe('answer');
    const third = await alice.encryptKey('bob@x', 2, bytes('key three'));
    expect(third.kex).toBe(false);
    expect(text((await bob.decryptKey('alice@x', 1, third)).keyMaterial)).toBe('key three');
  });

  it('read messages out of order, and refuse a replay, a tampered key and a replayed key exchange', async () => {
    const alice = await device();
    const bob = await device();
    await alice.startSession('bob@x', 2, await bob.bundle());
    const opening = await alice.encryptKey('bob@x', 2, bytes('hello'));
    await bob.decryptKey('alice@x', 1, opening);
    await alice.decryptKey('bob@x', 2, await bob.encryptKey('alice@x', 1, bytes('hi')));
    const messages = [];
    for (let i = 0; i < 5; i++) messages.push(await alice.encryptKey('bob@x', 2, bytes(`m${i}`)));
    for (const i of [3, 0, 4, 1, 2]) expect(text((await bob.decryptKey('alice@x', 1, messages[i]!)).keyMaterial)).toBe(`m${i}`);
    await expect(bob.decryptKey('alice@x', 1, messages[2]!)).rejects.toMatchObject({ code: 'duplicate' });
    const next = await alice.encryptKey('bob@x', 2, bytes('untouched'));
    const tampered = { ...next, data: next.data.slice() };
    tampered.data[tampered.data.length - 1]! ^= 1;
    await expect(bob.decryptKey('alice@x', 1, tampered)).rejects.toMatchObject({ code: 'corrupted' });
    // the failed attempt changed nothing: the real message still opens
    expect(text((await bob.decryptKey('alice@x', 1, next)).keyMaterial)).toBe('untouched');
    // Alice's first key exchange, replayed to Bob: already read
    await expect(bob.decryptKey('alice@x', 1, opening)).rejects.toMatchObject({ code: 'duplicate' });
    // …and to a device it was never for: it does not authenticate there
    const carol = await device();
    await expect(carol.decryptKey('alice@x', 1, opening)).rejects.toMatchObject({ code: 'corrupted' });
  });

  it('refuses a bundle whose signed pre-key signature does not verify', async () => {
    const alice = await device();
    const bob = await device();
    const bundle = await bob.bundle();
    bundle.signedPreKeySignature[0]! ^= 1;
    await expect(alice.startSession('bob@x', 2, bundle)).rejects.toMatchObject({ code: 'bad-bundle-signature' });
  });
});
