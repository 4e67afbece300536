import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes } from '../../bytes.ts';
import { toBuffer } from '../signal-store.ts';

/**
 * The cryptographic building blocks of OMEMO 2 (XEP-0384 v0.8+), on
 * @noble/curves (audited X25519/Ed25519) and WebCrypto (HKDF, HMAC,
 * AES-CBC). One identity key serves both OMEMO versions, as python-omemo
 * does: a Curve25519 private scalar (libsignal's form). OMEMO 2 publishes
 * its Ed25519 form with the sign bit 0 and signs with XEdDSA, so the
 * fingerprint (the Curve25519 form in hex) is the same in both versions.
 */

const subtle = () => globalThis.crypto.subtle;
const Fn = ed25519.Point.Fn;
const Fp = ed25519.Point.Fp;

export interface X25519KeyPair {
  /** 32-byte X25519 private key */
  priv: Uint8Array;
  /** 32-byte X25519 public key (no type byte) */
  pub: Uint8Array;
}

export function generateX25519(): X25519KeyPair {
  const priv = x25519.utils.randomSecretKey();
  return { priv, pub: x25519.getPublicKey(priv) };
}

export function x25519Public(priv: Uint8Array): Uint8Array {
  return x25519.getPublicKey(priv);
}

export function dh(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  // noble refuses a low-order point (all-zero shared secret), as X3DH requires.
  return x25519.getSharedSecret(priv, pub);
}

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function numberToBytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** The Ed25519 form (sign bit 0) of a Curve25519 public key: y = (u - 1) / (u + 1) (RFC 7748 §4.1). */
export function curveToEd25519(curvePub: Uint8Array): Uint8Array {
  if (curvePub.length !== 32) throw new TypeError('a Curve25519 public key has 32 bytes');
  const u = Fp.create(bytesToNumberLE(curvePub) & ((1n << 255n) - 1n));
  const y = Fp.div(Fp.sub(u, Fp.ONE), Fp.add(u, Fp.ONE));
  return numberToBytesLE(y, 32);
}

/** The Curve25519 (Montgomery) form of an Ed25519 public key; throws for a key that is not a valid point. */
export function ed25519ToCurve(edPub: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomery(edPub);
}

/**
 * XEdDSA (Signal's specification, §2.3 and §3.3): an Ed25519 signature made
 * with a Curve25519 private scalar, verifiable with the sign-0 Ed25519 form
 * of its public key (curveToEd25519).
 */
export function xeddsaSign(curvePriv: Uint8Array, message: Uint8Array, random = randomBytes(64)): Uint8Array {
  const k = Fn.create(bytesToNumberLE(clamp(curvePriv)));
  const E = ed25519.Point.BASE.multiply(k);
  const encoded = E.toBytes();
  // calculate_key_pair: the public key with sign bit 0, the scalar negated if needed to match
  const signBit = encoded[31]! >> 7;
  const a = signBit ? Fn.neg(k) : k;
  const A = encoded.slice();
  A[31]! &= 0x7f;
  // r = hash1(a || M || Z), hash1 = SHA-512 with the 32-byte prefix 0xFE 0xFF…0xFF
  const prefix = new Uint8Array(32).fill(0xff);
  prefix[0] = 0xfe;
  const r = Fn.create(bytesToNumberLE(sha512(concatBytes(prefix, numberToBytesLE(a, 32), message, random))));
  const R = ed25519.Point.BASE.multiply(r).toBytes();
  const h = Fn.create(bytesToNumberLE(sha512(concatBytes(R, A, message))));
  const s = Fn.add(r, Fn.mul(h, a));
  return concatBytes(R, numberToBytesLE(s, 32));
}

function clamp(priv: Uint8Array): Uint8Array {
  const k = priv.slice();
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

/** A plain (RFC 8032) Ed25519 verification: XEdDSA and python-omemo's signatures both pass it. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, edPub: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, edPub, { zip215: false });
  } catch {
    return false;
  }
}

export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string, length: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', toBuffer(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: toBuffer(salt), info: toBuffer(new TextEncoder().encode(info)) }, key, length * 8);
  return new Uint8Array(bits);
}

export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', toBuffer(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, toBuffer(data)));
}

/** AES-256-CBC with PKCS#7 padding (WebCrypto pads and unpads). */
export async function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', toBuffer(key), 'AES-CBC', false, ['encrypt']);
  return new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: toBuffer(iv) }, k, toBuffer(plaintext)));
}

export async function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', toBuffer(key), 'AES-CBC', false, ['decrypt']);
  return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: toBuffer(iv) }, k, toBuffer(ciphertext)));
}

/** Splits HKDF output into the AES key, the HMAC key and the IV (32 + 32 + 16 bytes), as OMEMO 2 does twice. */
export async function deriveAeadKeys(ikm: Uint8Array, info: string): Promise<{ encKey: Uint8Array; authKey: Uint8Array; iv: Uint8Array }> {
  const out = await hkdf(ikm, new Uint8Array(32), info, 80);
  return { encKey: out.slice(0, 32), authKey: out.slice(32, 64), iv: out.slice(64, 80) };
}
