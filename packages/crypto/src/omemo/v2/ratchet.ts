import { base64Decode, base64Encode, concatBytes, constantTimeEqual } from '../../bytes.ts';
import { OmemoError } from '../errors.ts';
import { aesCbcDecrypt, aesCbcEncrypt, deriveAeadKeys, dh, generateX25519, hkdf, hmacSha256, x25519Public } from './primitives.ts';
import { decodeAuthenticatedMessage, decodeOmemoMessage, encodeAuthenticatedMessage, encodeOmemoMessage } from './protobuf.ts';

/**
 * The Double Ratchet (Signal's specification) with OMEMO 2's parameters
 * (XEP-0384 §"Double Ratchet"): KDF_RK is HKDF-SHA-256 with the root key as
 * salt and info "OMEMO Root Chain"; KDF_CK is HMAC-SHA-256 with 0x02 for the
 * next chain key and 0x01 for the message key; ENCRYPT derives 80 bytes with
 * HKDF (info "OMEMO Message Key Material") into an AES-256-CBC key, an
 * HMAC key and an IV, and authenticates AD || OMEMOMessage with a MAC
 * truncated to 16 bytes. The state is plain JSON so any OmemoStore keeps it;
 * a message that does not authenticate leaves the state as it was.
 */
export const MAX_SKIP = 1000;
const MAC_BYTES = 16;

interface Chain {
  key: string;
  n: number;
}

export interface RatchetState {
  rootKey: string;
  ownPriv: string;
  /** the other party's current ratchet key; null for a passive session before its first message */
  otherPub: string | null;
  send: Chain | null;
  recv: Chain | null;
  /** length of the previous sending chain (the header's pn) */
  pn: number;
  /** message keys of skipped messages, oldest first: "ratchet key b64 / n" -> key b64 */
  skipped: [string, string][];
  /** the other party's earlier ratchet keys (a few): a message under one of them, not skipped, is a replay */
  previous?: string[];
}

const b64 = base64Encode;
const unb64 = base64Decode;

async function kdfRoot(rootKey: Uint8Array, dhOut: Uint8Array): Promise<{ rootKey: Uint8Array; chainKey: Uint8Array }> {
  const out = await hkdf(dhOut, rootKey, 'OMEMO Root Chain', 64);
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32, 64) };
}

async function kdfChain(chainKey: Uint8Array): Promise<{ chainKey: Uint8Array; messageKey: Uint8Array }> {
  const [next, message] = await Promise.all([hmacSha256(chainKey, new Uint8Array([2])), hmacSha256(chainKey, new Uint8Array([1]))]);
  return { chainKey: next, messageKey: message };
}

/** The session of the party that started it with the other's bundle (X3DH active side). */
export async function initActive(sharedSecret: Uint8Array, otherSignedPreKey: Uint8Array): Promise<RatchetState> {
  const own = generateX25519();
  const { rootKey, chainKey } = await kdfRoot(sharedSecret, dh(own.priv, otherSignedPreKey));
  return { rootKey: b64(rootKey), ownPriv: b64(own.priv), otherPub: b64(otherSignedPreKey), send: { key: b64(chainKey), n: 0 }, recv: null, pn: 0, skipped: [] };
}

/** The session of the party whose signed pre-key was used (X3DH passive side), before its first message is read. */
export function initPassive(sharedSecret: Uint8Array, signedPreKeyPriv: Uint8Array): RatchetState {
  return { rootKey: b64(sharedSecret), ownPriv: b64(signedPreKeyPriv), otherPub: null, send: null, recv: null, pn: 0, skipped: [] };
}

async function sealMessage(messageKey: Uint8Array, ad: Uint8Array, header: { n: number; pn: number; dhPub: Uint8Array }, plaintext: Uint8Array): Promise<Uint8Array> {
  const { encKey, authKey, iv } = await deriveAeadKeys(messageKey, 'OMEMO Message Key Material');
  const ciphertext = await aesCbcEncrypt(encKey, iv, plaintext);
  const message = encodeOmemoMessage({ ...header, ciphertext });
  const mac = (await hmacSha256(authKey, concatBytes(ad, message))).slice(0, MAC_BYTES);
  return encodeAuthenticatedMessage({ mac, message });
}

async function openMessage(messageKey: Uint8Array, ad: Uint8Array, authenticated: { mac: Uint8Array; message: Uint8Array }, ciphertext: Uint8Array | undefined): Promise<Uint8Array> {
  const { encKey, authKey, iv } = await deriveAeadKeys(messageKey, 'OMEMO Message Key Material');
  const mac = (await hmacSha256(authKey, concatBytes(ad, authenticated.message))).slice(0, MAC_BYTES);
  if (!constantTimeEqual(mac, authenticated.mac)) throw new OmemoError('corrupted', 'an OMEMO 2 key message does not match its authentication tag');
  if (!ciphertext) throw new OmemoError('corrupted', 'an OMEMO 2 key message without ciphertext');
  try {
    return await aesCbcDecrypt(encKey, iv, ciphertext);
  } catch (cause) {
    throw new OmemoError('corrupted', 'an OMEMO 2 key message does not decrypt', { cause });
  }
}

/** Encrypts with the sending chain; returns the new state and a serialised OMEMOAuthenticatedMessage. */
export async function ratchetEncrypt(state: RatchetState, ad: Uint8Array, plaintext: Uint8Array): Promise<{ state: RatchetState; message: Uint8Array }> {
  if (!state.send) throw new OmemoError('no-session', 'this OMEMO 2 session cannot send before it received a message');
  const { chainKey, messageKey } = await kdfChain(unb64(state.send.key));
  const header = { n: state.send.n, pn: state.pn, dhPub: x25519Public(unb64(state.ownPriv)) };
  const message = await sealMessage(messageKey, ad, header, plaintext);
  return { state: { ...state, send: { key: b64(chainKey), n: state.send.n + 1 } }, message };
}

async function skipTo(state: RatchetState, until: number): Promise<RatchetState> {
  if (!state.recv) return state;
  if (until - state.recv.n > MAX_SKIP) throw new OmemoError('corrupted', `an OMEMO 2 message claims more than ${MAX_SKIP} skipped messages`);
  let { key, n } = state.recv;
  const skipped = [...state.skipped];
  while (n < until) {
    const step = await kdfChain(unb64(key));
    skipped.push([`${state.otherPub}/${n}`, b64(step.messageKey)]);
    key = b64(step.chainKey);
    n++;
  }
  return { ...state, recv: { key, n }, skipped: skipped.slice(-MAX_SKIP) };
}

/**
 * Decrypts a serialised OMEMOAuthenticatedMessage. Throws OmemoError:
 * 'duplicate' for a message whose key was already used, 'corrupted' for
 * anything that does not authenticate. The state only changes on success.
 */
export async function ratchetDecrypt(state: RatchetState, ad: Uint8Array, data: Uint8Array): Promise<{ state: RatchetState; plaintext: Uint8Array }> {
  const authenticated = decodeAuthenticatedMessage(data);
  const header = decodeOmemoMessage(authenticated.message);
  const dhPub = b64(header.dhPub);
  const skippedIndex = state.skipped.findIndex(([id]) => id === `${dhPub}/${header.n}`);
  if (skippedIndex >= 0) {
    const plaintext = await openMessage(unb64(state.skipped[skippedIndex]![1]), ad, authenticated, header.ciphertext);
    return { state: { ...state, skipped: state.skipped.filter((_, i) => i !== skippedIndex) }, plaintext };
  }
  if (state.previous?.includes(dhPub)) throw new OmemoError('duplicate', 'an OMEMO 2 message from an earlier ratchet step that was already decrypted (replay)');
  let next = state;
  if (dhPub !== state.otherPub) {
    // A new ratchet key from the other party: close the receiving chain, then one DH ratchet step.
    next = await skipTo(next, header.pn);
    const received = await kdfRoot(unb64(next.rootKey), dh(unb64(next.ownPriv), header.dhPub));
    const own = generateX25519();
    const sending = await kdfRoot(received.rootKey, dh(own.priv, header.dhPub));
    next = {
      ...next,
      rootKey: b64(sending.rootKey),
      ownPriv: b64(own.priv),
      otherPub: dhPub,
      recv: { key: b64(received.chainKey), n: 0 },
      send: { key: b64(sending.chainKey), n: 0 },
      pn: next.send?.n ?? 0,
      previous: [...(next.previous ?? []), ...(next.otherPub ? [next.otherPub] : [])].slice(-20),
    };
  }
  if (!next.recv || header.n < next.recv.n) throw new OmemoError('duplicate', 'an OMEMO 2 message that was already decrypted (replay or duplicate)');
  next = await skipTo(next, header.n);
  const { chainKey, messageKey } = await kdfChain(unb64(next.recv!.key));
  const plaintext = await openMessage(messageKey, ad, authenticated, header.ciphertext);
  return { state: { ...next, recv: { key: b64(chainKey), n: header.n + 1 } }, plaintext };
}
