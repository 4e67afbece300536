import { concatBytes } from '../../bytes.ts';
import { OmemoError } from '../errors.ts';
import { dh, ed25519ToCurve, ed25519Verify, generateX25519, hkdf } from './primitives.ts';
import type { Bundle2 } from './xml.ts';

/**
 * X3DH (Signal's specification) with OMEMO 2's parameters: X25519,
 * SHA-256, info "OMEMO X3DH", identity keys published in their Ed25519
 * form, AD = IK_A || IK_B (initiator first, Ed25519 forms). The shared
 * secret is HKDF(0xFF×32 || DH1 || DH2 || DH3 || DH4, salt 0×32).
 */
export interface OwnIdentity {
  /** Curve25519 private scalar */
  priv: Uint8Array;
  /** Ed25519 public key as published (sign bit 0) */
  edPub: Uint8Array;
}

async function sharedSecret(parts: Uint8Array[]): Promise<Uint8Array> {
  return hkdf(concatBytes(new Uint8Array(32).fill(0xff), ...parts), new Uint8Array(32), 'OMEMO X3DH', 32);
}

function curveOf(edPub: Uint8Array, what: string): Uint8Array {
  try {
    return ed25519ToCurve(edPub);
  } catch (cause) {
    throw new OmemoError('bad-bundle', `${what} is not an Ed25519 public key`, { cause });
  }
}

/** The sender's side: a session from the other device's bundle, and what its first messages must carry. */
export async function x3dhActive(own: OwnIdentity, bundle: Bundle2): Promise<{ secret: Uint8Array; ad: Uint8Array; preKeyId: number; ephemeral: Uint8Array }> {
  if (!ed25519Verify(bundle.signedPreKeySignature, bundle.signedPreKey, bundle.identityKey)) {
    throw new OmemoError('bad-bundle-signature', 'the signed pre-key signature of an OMEMO 2 bundle does not verify');
  }
  const preKey = bundle.preKeys[globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! % bundle.preKeys.length]!;
  const ephemeral = generateX25519();
  const theirIdentity = curveOf(bundle.identityKey, 'the identity key');
  try {
    const secret = await sharedSecret([
      dh(own.priv, bundle.signedPreKey),
      dh(ephemeral.priv, theirIdentity),
      dh(ephemeral.priv, bundle.signedPreKey),
      dh(ephemeral.priv, preKey.publicKey),
    ]);
    return { secret, ad: concatBytes(own.edPub, bundle.identityKey), preKeyId: preKey.id, ephemeral: ephemeral.pub };
  } catch (cause) {
    if (cause instanceof OmemoError) throw cause;
    throw new OmemoError('bad-bundle', 'an OMEMO 2 bundle holds an unusable key', { cause });
  }
}

/** The receiver's side, from a key exchange that used our signed pre-key and one of our pre-keys. */
export async function x3dhPassive(own: OwnIdentity, signedPreKeyPriv: Uint8Array, preKeyPriv: Uint8Array, senderIdentity: Uint8Array, ephemeral: Uint8Array): Promise<{ secret: Uint8Array; ad: Uint8Array }> {
  const theirIdentity = curveOf(senderIdentity, "the sender's identity key");
  try {
    const secret = await sharedSecret([dh(signedPreKeyPriv, theirIdentity), dh(own.priv, ephemeral), dh(signedPreKeyPriv, ephemeral), dh(preKeyPriv, ephemeral)]);
    return { secret, ad: concatBytes(senderIdentity, own.edPub) };
  } catch (cause) {
    throw new OmemoError('corrupted', 'an OMEMO 2 key exchange holds an unusable key', { cause });
  }
}
