import * as openpgp from 'openpgp';
import { OxError } from './errors.ts';

/**
 * OpenPGP keys for XMPP (XEP-0373) on OpenPGP.js: one key per account, made
 * for XMPP only, whose User ID is "xmpp:" and the bare JID. Version 4 keys
 * with Ed25519 (signing) and Curve25519 (encryption) subkeys, the kind
 * GnuPG's "future-default" makes, so that GnuPG 2.2 (profanity) reads
 * them; OpenPGP.js's newer RFC 9580 algorithms it would not.
 */
export interface OxKey {
  /** the transferable secret key, unprotected (RFC 4880 §11.2); kept sealed by the caller */
  secretKey: Uint8Array;
  /** the public key as published (XEP-0373 §4.1) */
  publicKey: Uint8Array;
  /** the v4 fingerprint as XEP-0373 writes it: 40 upper-case hex digits */
  fingerprint: string;
  created: Date;
}

export interface OxPublicKey {
  publicKey: Uint8Array;
  fingerprint: string;
  /** the key's User IDs ("xmpp:juliet@example.org") */
  userIds: string[];
  /** usable for encrypting and verifying now (not expired, not revoked) */
  usable: boolean;
}

export const xmppUserId = (jid: string): string => `xmpp:${jid}`;

export async function generateOxKey(jid: string, now = new Date()): Promise<OxKey> {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: xmppUserId(jid) }],
    date: now,
    format: 'object',
  });
  return describeSecret(privateKey);
}

function describeSecret(key: openpgp.PrivateKey): OxKey {
  return {
    secretKey: key.write() as Uint8Array,
    publicKey: key.toPublic().write() as Uint8Array,
    fingerprint: key.getFingerprint().toUpperCase(),
    created: key.getCreationTime(),
  };
}

/**
 * A secret key brought in by the user (from GnuPG: `gpg --export-secret-keys`,
 * binary or armored). It must be for this account, carry no passphrase (we
 * seal it ourselves) and be able to sign and encrypt.
 */
export async function importOxSecretKey(data: Uint8Array | string, jid: string): Promise<OxKey> {
  let key: openpgp.PrivateKey;
  try {
    key = typeof data === 'string' ? await openpgp.readPrivateKey({ armoredKey: data }) : await openpgp.readPrivateKey({ binaryKey: data });
  } catch (error) {
    throw new OxError('bad-key', 'this is not an OpenPGP secret key', { cause: error });
  }
  if (!key.isDecrypted()) throw new OxError('key-protected', 'the secret key is protected with a passphrase; export it without one');
  if (!userIdsOf(key).includes(xmppUserId(jid))) throw new OxError('wrong-account', `the key has no User ID ${xmppUserId(jid)}`);
  await requireUsable(key);
  return describeSecret(key);
}

/** The secret key of an OxKey as OpenPGP.js works with it. */
export async function readSecret(secretKey: Uint8Array): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ binaryKey: secretKey });
}

/** A contact's published key (XEP-0373 §4.3), checked against the fingerprint it was announced under. */
export async function readOxPublicKey(data: Uint8Array, expectedFingerprint?: string): Promise<OxPublicKey> {
  let key: openpgp.Key;
  try {
    key = await openpgp.readKey({ binaryKey: data });
  } catch (error) {
    throw new OxError('bad-key', 'the published key cannot be read', { cause: error });
  }
  const fingerprint = key.getFingerprint().toUpperCase();
  if (expectedFingerprint && fingerprint !== expectedFingerprint.toUpperCase()) throw new OxError('bad-key', 'the published key is not the announced one');
  const usable = await requireUsable(key).then(
    () => true,
    () => false,
  );
  return { publicKey: key.isPrivate() ? (key.toPublic().write() as Uint8Array) : (key.write() as Uint8Array), fingerprint, userIds: userIdsOf(key), usable };
}

function userIdsOf(key: openpgp.Key): string[] {
  return key.getUserIDs();
}

async function requireUsable(key: openpgp.Key): Promise<void> {
  try {
    await key.getSigningKey();
    await key.getEncryptionKey();
  } catch (error) {
    throw new OxError('bad-key', 'the key cannot sign and encrypt (expired, revoked or incomplete)', { cause: error });
  }
}

/** A fingerprint in groups of four, as GnuPG and profanity show it. */
export function formatOxFingerprint(fingerprint: string): string {
  return fingerprint.toUpperCase().replace(/(.{4})(?!$)/g, '$1 ');
}
