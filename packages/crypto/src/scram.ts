// SCRAM (RFC 5802) with SHA-1 and SHA-256 (RFC 7677), and the -PLUS variants
// with channel binding types tls-exporter (RFC 9266) and tls-server-end-point
// (RFC 5929). Works in Node and browsers: HMAC and digests come from "#hash"
// (node:crypto on Node, WebCrypto elsewhere), PBKDF2 from WebCrypto.
import { digest, hmac } from '#hash';
import {
  arrayBufferCopy as buf,
  base64Decode,
  base64Encode,
  concatBytes,
  constantTimeEqual,
  randomBytes,
  utf8Decode,
  utf8Encode,
  xorBytes,
} from './bytes.ts';
import { SaslprepError, saslprep } from './saslprep.ts';

export type ScramHash = 'SHA-1' | 'SHA-256';

export type ScramErrorCondition =
  | 'malformed-request'
  | 'not-authorized'
  | 'invalid-authzid'
  | 'encryption-required'
  | 'incorrect-encoding'
  | 'temporary-auth-failure'
  | 'aborted';

/**
 * A SCRAM failure. `condition` is the RFC 6120 §6.5 SASL failure condition to
 * send; `serverError` is the RFC 5802 server-error-value, for servers that
 * want to put `e=` into a server-final message, and for clients that got one.
 */
export class ScramError extends Error {
  override name = 'ScramError';
  readonly condition: ScramErrorCondition;
  readonly serverError?: string;
  constructor(condition: ScramErrorCondition, message?: string, serverError?: string) {
    super(message ?? condition);
    this.condition = condition;
    if (serverError !== undefined) this.serverError = serverError;
  }
}

export const CHANNEL_BINDING_TYPES = ['tls-exporter', 'tls-server-end-point'] as const;
export type ChannelBindingType = (typeof CHANNEL_BINDING_TYPES)[number];

/** 'SCRAM-SHA-1', 'SCRAM-SHA-256-PLUS', ... */
export function scramMechanismName(hash: ScramHash, plus: boolean): string {
  return `SCRAM-${hash}${plus ? '-PLUS' : ''}`;
}

/** Inverse of scramMechanismName; null for anything else (case-sensitive, as SASL names are upper case). */
export function parseScramMechanism(name: string): { hash: ScramHash; plus: boolean } | null {
  const m = /^SCRAM-(SHA-1|SHA-256)(-PLUS)?$/.exec(name);
  if (!m) return null;
  return { hash: m[1] as ScramHash, plus: m[2] !== undefined };
}

/** All four mechanism names, strongest first. */
export function scramMechanisms(plus: boolean): string[] {
  const names = ['SCRAM-SHA-256', 'SCRAM-SHA-1'];
  return plus ? [...names.map((n) => `${n}-PLUS`), ...names] : names;
}

export interface ScramCredentials {
  hash: ScramHash;
  salt: Uint8Array;
  iterations: number;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

export const DEFAULT_ITERATIONS = 4096;
export const DEFAULT_SALT_BYTES = 16;

const HASH_BYTES: Record<ScramHash, number> = { 'SHA-1': 20, 'SHA-256': 32 };

/** The output size of the hash in bytes. */
export function scramHashLength(hash: ScramHash): number {
  return HASH_BYTES[hash];
}

/**
 * Password preparation for SCRAM: SASLprep (RFC 4013), which RFC 5802 names as
 * Normalize() and which deployed XMPP clients and servers apply. RFC 8265's
 * OpaqueString gives the same result for ASCII and for NFKC-stable text;
 * using SASLprep keeps stored keys compatible with third-party clients.
 * Throws ScramError('malformed-request') for prohibited or empty input.
 */
export function prepPassword(s: string): string {
  let out: string;
  try {
    out = saslprep(s);
  } catch (e) {
    if (e instanceof SaslprepError) throw new ScramError('malformed-request', `password: ${e.message}`);
    throw e;
  }
  if (out.length === 0) throw new ScramError('malformed-request', 'password is empty');
  return out;
}

const subtle = () => globalThis.crypto.subtle;

/** Hi() of RFC 5802 = PBKDF2 with HMAC-hash, output length = hash length. */
async function hi(hash: ScramHash, password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', buf(utf8Encode(password)), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'PBKDF2', hash, salt: buf(salt), iterations }, key, HASH_BYTES[hash] * 8);
  return new Uint8Array(bits);
}

const CLIENT_KEY = utf8Encode('Client Key');
const SERVER_KEY = utf8Encode('Server Key');

/** SaltedPassword, ClientKey, StoredKey, ServerKey for an already prepared password. */
async function keysFromPrepared(hash: ScramHash, prepared: string, salt: Uint8Array, iterations: number) {
  return keysFromSalted(hash, await hi(hash, prepared, salt, iterations));
}

/** SaltedPassword := Hi(SASLprep(password), salt, i): what a client may cache instead of the password. */
export async function saltPassword(hash: ScramHash, password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return hi(hash, prepPassword(password), salt, iterations);
}

async function keysFromSalted(hash: ScramHash, salted: Uint8Array) {
  const clientKey = await hmac(hash, salted, CLIENT_KEY);
  const storedKey = await digest(hash, clientKey);
  const serverKey = await hmac(hash, salted, SERVER_KEY);
  return { salted, clientKey, storedKey, serverKey };
}

/**
 * Derives the credentials a server stores (RFC 5802 §3): the password is
 * SASLprepped first. Default: 16 random salt bytes, 4096 iterations.
 */
export async function deriveScramCredentials(
  password: string,
  hash: ScramHash,
  opts: { salt?: Uint8Array; iterations?: number } = {},
): Promise<ScramCredentials> {
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new RangeError('iterations must be a positive integer');
  const salt = opts.salt ?? randomBytes(DEFAULT_SALT_BYTES);
  if (salt.length === 0) throw new RangeError('salt must not be empty');
  const { storedKey, serverKey } = await keysFromPrepared(hash, prepPassword(password), salt, iterations);
  return { hash, salt: salt.slice(), iterations, storedKey, serverKey };
}

// ---------------------------------------------------------------------------
// message syntax helpers

/** Longest accepted client-first / client-final message, in bytes. */
export const MAX_SCRAM_MESSAGE_BYTES = 4096;
const MAX_NONCE_CHARS = 512;

function malformed(msg: string, serverError = 'other-error'): never {
  throw new ScramError('malformed-request', msg, serverError);
}

function decodeMessage(bytes: Uint8Array, what: string): string {
  if (bytes.length === 0) malformed(`${what} is empty`);
  if (bytes.length > MAX_SCRAM_MESSAGE_BYTES) malformed(`${what} is too long`);
  let s: string;
  try {
    s = utf8Decode(bytes);
  } catch {
    throw new ScramError('malformed-request', `${what} is not valid UTF-8`, 'invalid-encoding');
  }
  if (s.includes('\0')) malformed(`${what} contains NUL`);
  return s;
}

/** saslname escaping (RFC 5802 §5.1): ',' -> '=2C', '=' -> '=3D'. */
export function escapeSaslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** Reverses escapeSaslName; throws ScramError for any other '=' sequence or an empty name. */
export function unescapeSaslName(s: string): string {
  if (s.length === 0) malformed('empty saslname', 'invalid-username-encoding');
  if (/=(?!2C|3D)/.test(s)) malformed('bad escape in saslname', 'invalid-username-encoding');
  return s.replace(/=2C|=3D/g, (m) => (m === '=2C' ? ',' : '='));
}

const NONCE_RE = /^[\x21-\x2b\x2d-\x7e]+$/;
const ATTR_RE = /^[A-Za-z]=/;

interface Attr {
  key: string;
  value: string;
}

function splitAttrs(s: string, what: string): Attr[] {
  return s.split(',').map((part) => {
    if (!ATTR_RE.test(part)) malformed(`${what}: malformed attribute '${part.slice(0, 16)}'`);
    return { key: part[0]!, value: part.slice(2) };
  });
}

function decodeB64(s: string, what: string): Uint8Array {
  try {
    return base64Decode(s);
  } catch {
    throw new ScramError('incorrect-encoding', `${what} is not valid base64`, 'invalid-encoding');
  }
}

type Gs2Flag = { kind: 'n' } | { kind: 'y' } | { kind: 'p'; type: string };

interface ClientFirst {
  gs2Header: string;
  flag: Gs2Flag;
  authzid: string | null;
  bare: string;
  username: string; // unescaped, not prepared
  cnonce: string;
}

function parseClientFirst(msg: string): ClientFirst {
  // gs2-header = gs2-cbind-flag "," [ authzid ] ","
  const c1 = msg.indexOf(',');
  const c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
  if (c2 < 0) malformed('missing GS2 header');
  const flagStr = msg.slice(0, c1);
  const authzStr = msg.slice(c1 + 1, c2);
  const gs2Header = msg.slice(0, c2 + 1);
  const bare = msg.slice(c2 + 1);
  let flag: Gs2Flag;
  if (flagStr === 'n') flag = { kind: 'n' };
  else if (flagStr === 'y') flag = { kind: 'y' };
  else if (flagStr.startsWith('p=')) {
    const type = flagStr.slice(2);
    if (!/^[A-Za-z0-9.-]+$/.test(type)) malformed('bad channel binding name');
    flag = { kind: 'p', type };
  } else malformed('bad GS2 channel binding flag');
  let authzid: string | null = null;
  if (authzStr !== '') {
    if (!authzStr.startsWith('a=')) malformed('bad authzid in GS2 header');
    authzid = unescapeSaslName(authzStr.slice(2));
  }
  const attrs = splitAttrs(bare, 'client-first-message');
  if (attrs[0]?.key === 'm') {
    throw new ScramError('malformed-request', 'mandatory extension not supported', 'extensions-not-supported');
  }
  if (attrs[0]?.key !== 'n') malformed('client-first-message must start with n=');
  if (attrs[1]?.key !== 'r') malformed('client-first-message lacks r=');
  const cnonce = attrs[1].value;
  if (!NONCE_RE.test(cnonce) || cnonce.length > MAX_NONCE_CHARS) malformed('bad client nonce');
  // further attributes are optional extensions and are ignored (RFC 5802 §5.1)
  return { gs2Header, flag, authzid, bare, username: unescapeSaslName(attrs[0].value), cnonce };
}

// ---------------------------------------------------------------------------
// server

export interface ScramServerOptions {
  hash: ScramHash;
  /** true when the client chose the -PLUS mechanism */
  plus: boolean;
  /** true when this server offered -PLUS mechanisms on this connection */
  channelBindingSupported: boolean;
  /** channel binding data of the connection for a type, or null if unavailable */
  getChannelBinding?: (type: string) => Uint8Array | null;
  /** credentials for a SASLprepped username, or null when there is no such user */
  lookup: (username: string) => Promise<ScramCredentials | null>;
  /** random bytes in the server nonce part (default 18, i.e. 24 base64 characters) */
  nonceBytes?: number;
  /**
   * Secret that makes the fake salt of unknown users unpredictable and
   * stable; pass a persisted per-server value so it also survives restarts.
   * Default: a random per-process secret.
   */
  fakeSaltSecret?: Uint8Array;
  /** iteration count reported for unknown users (default 4096); use your usual count */
  fakeIterations?: number;
  /**
   * The name an unknown user's fake salt is derived from: give the same
   * preparation accounts are looked up with (e.g. PRECIS case folding), so
   * that "ALICE" and "alice" get one salt whether or not the account
   * exists. Default: the SASLprepped name as sent. May throw for a name no
   * account can have; the name as sent is used then.
   */
  fakeSaltName?: (username: string) => string;
  /** fixed server nonce part; for test vectors only */
  serverNonce?: string;
}

let processFakeSecret: Uint8Array | null = null;

/**
 * The stable, secret-keyed salt an unknown user is answered with. Exported
 * for servers that must also do a user's worth of work for unknown names
 * outside SCRAM (e.g. SASL PLAIN), so both paths look the same.
 */
export async function fakeSalt(hash: ScramHash, secret: Uint8Array, preparedName: string): Promise<Uint8Array> {
  return (await hmac('SHA-256', secret, utf8Encode(`scram-fake-salt\0${hash}\0${preparedName}`))).slice(0, DEFAULT_SALT_BYTES);
}

/**
 * Server side of one SCRAM exchange:
 * `serverFirst = await start(clientFirst)`, then
 * `{ serverFinal, username, authzid } = await finish(clientFinal)`.
 * Any failure throws ScramError; send `<failure>` with its condition.
 */
export class ScramServerSession {
  readonly #opts: ScramServerOptions;
  #state: 'initial' | 'started' | 'done' | 'failed' = 'initial';
  #first: ClientFirst | null = null;
  #serverFirst = '';
  #nonce = '';
  #username = '';
  #creds: ScramCredentials | null = null;
  #fake = false;
  #cbData: Uint8Array | null = null;
  #proofChecked = false;

  constructor(opts: ScramServerOptions) {
    this.#opts = opts;
  }

  get mechanism(): string {
    return scramMechanismName(this.#opts.hash, this.#opts.plus);
  }

  /**
   * True once a proof was compared with the stored key: only then did the
   * exchange test a password. Refusals before that (channel binding the
   * client cannot use, a downgrade, malformed messages) guessed nothing, and
   * a login throttle should not count them against the user.
   */
  get proofChecked(): boolean {
    return this.#proofChecked;
  }

  async start(clientFirst: Uint8Array): Promise<Uint8Array> {
    if (this.#state !== 'initial') throw new ScramError('malformed-request', 'unexpected client-first-message');
    this.#state = 'failed';
    const first = parseClientFirst(decodeMessage(clientFirst, 'client-first-message'));
    const { plus, channelBindingSupported } = this.#opts;

    if (plus) {
      if (first.flag.kind !== 'p') malformed('-PLUS mechanism requires channel binding (p=)');
      if (!(CHANNEL_BINDING_TYPES as readonly string[]).includes(first.flag.type)) {
        throw new ScramError('not-authorized', `unsupported channel binding type ${first.flag.type}`, 'unsupported-channel-binding-type');
      }
      const data = this.#opts.getChannelBinding?.(first.flag.type) ?? null;
      if (!data) {
        throw new ScramError('not-authorized', `channel binding type ${first.flag.type} unavailable`, 'unsupported-channel-binding-type');
      }
      this.#cbData = data.slice();
    } else {
      if (first.flag.kind === 'p') malformed('channel binding (p=) is only allowed with -PLUS mechanisms');
      if (first.flag.kind === 'y' && channelBindingSupported) {
        // RFC 5802 §6: the client supports channel binding and thinks we do not: downgrade attack
        throw new ScramError('not-authorized', 'channel binding downgrade detected', 'server-does-support-channel-binding');
      }
    }

    let username: string;
    try {
      username = saslprep(first.username, { allowUnassigned: true });
    } catch (e) {
      if (e instanceof SaslprepError) throw new ScramError('malformed-request', `username: ${e.message}`, 'invalid-username-encoding');
      throw e;
    }
    if (username === '') malformed('empty username', 'invalid-username-encoding');

    let creds: ScramCredentials | null;
    try {
      creds = await this.#opts.lookup(username);
    } catch {
      throw new ScramError('temporary-auth-failure', 'credential lookup failed', 'other-error');
    }
    if (creds && creds.hash !== this.#opts.hash) creds = null;
    if (!creds) {
      creds = await this.#fakeCredentials(username);
      this.#fake = true;
    }

    const snonce = this.#opts.serverNonce ?? base64Encode(randomBytes(this.#opts.nonceBytes ?? 18));
    if (!NONCE_RE.test(snonce)) throw new ScramError('temporary-auth-failure', 'bad server nonce');
    this.#nonce = first.cnonce + snonce;
    this.#serverFirst = `r=${this.#nonce},s=${base64Encode(creds.salt)},i=${creds.iterations}`;
    this.#first = first;
    this.#username = username;
    this.#creds = creds;
    this.#state = 'started';
    return utf8Encode(this.#serverFirst);
  }

  async #fakeCredentials(username: string): Promise<ScramCredentials> {
    const { hash } = this.#opts;
    const secret = this.#opts.fakeSaltSecret ?? (processFakeSecret ??= randomBytes(32));
    let name = username;
    try {
      name = this.#opts.fakeSaltName?.(username) ?? username;
    } catch {
      // a name no account can have: its salt only has to be stable
    }
    const salt = await fakeSalt(hash, secret, name);
    const len = HASH_BYTES[hash];
    return {
      hash,
      salt,
      iterations: this.#opts.fakeIterations ?? DEFAULT_ITERATIONS,
      storedKey: randomBytes(len),
      serverKey: randomBytes(len),
    };
  }

  async finish(clientFinal: Uint8Array): Promise<{ serverFinal: Uint8Array; username: string; authzid: string | null }> {
    if (this.#state !== 'started' || !this.#first || !this.#creds) {
      throw new ScramError('malformed-request', 'unexpected client-final-message');
    }
    this.#state = 'failed';
    const first = this.#first;
    const creds = this.#creds;
    const msg = decodeMessage(clientFinal, 'client-final-message');
    const attrs = splitAttrs(msg, 'client-final-message');
    if (attrs[0]?.key !== 'c') malformed('client-final-message must start with c=');
    if (attrs[1]?.key !== 'r') malformed('client-final-message lacks r=');
    const last = attrs[attrs.length - 1]!;
    if (attrs.length < 3 || last.key !== 'p') malformed('client-final-message must end with p=');

    // channel binding: c = base64(gs2-header [cbind-data])
    const expectedCb = concatBytes(utf8Encode(first.gs2Header), first.flag.kind === 'p' ? this.#cbData! : new Uint8Array(0));
    const gotCb = decodeB64(attrs[0].value, 'channel binding');
    if (!constantTimeEqual(gotCb, expectedCb)) {
      throw new ScramError('not-authorized', 'channel binding mismatch', 'channel-bindings-dont-match');
    }
    if (attrs[1].value !== this.#nonce) throw new ScramError('not-authorized', 'nonce mismatch', 'other-error');

    const proof = decodeB64(last.value, 'proof');
    const len = HASH_BYTES[creds.hash];
    if (proof.length !== len) throw new ScramError('not-authorized', 'bad proof length', 'invalid-proof');

    this.#proofChecked = true;
    const withoutProof = msg.slice(0, msg.length - last.value.length - 3);
    const authMessage = utf8Encode(`${first.bare},${this.#serverFirst},${withoutProof}`);
    const clientSignature = await hmac(creds.hash, creds.storedKey, authMessage);
    const clientKey = xorBytes(proof, clientSignature);
    const storedKey = await digest(creds.hash, clientKey);
    const ok = constantTimeEqual(storedKey, creds.storedKey);
    const serverSignature = await hmac(creds.hash, creds.serverKey, authMessage);
    if (!ok || this.#fake) throw new ScramError('not-authorized', 'authentication failed', 'invalid-proof');

    this.#state = 'done';
    return {
      serverFinal: utf8Encode(`v=${base64Encode(serverSignature)}`),
      username: this.#username,
      authzid: first.authzid,
    };
  }
}

/** The server-final-message carrying an error (`e=...`), for servers that send one. */
export function scramServerErrorMessage(serverError: string): Uint8Array {
  return utf8Encode(`e=${serverError}`);
}

// ---------------------------------------------------------------------------
// client

/**
 * SaltedPassword for one salt and iteration count (RFC 5802 §5.1 allows a
 * client to cache it). A device that wants to log in again without keeping
 * the password keeps this instead: it opens this one account, but does not
 * reveal a password that may be used elsewhere too.
 */
export interface ScramSaltedPassword {
  hash: ScramHash;
  salt: Uint8Array;
  iterations: number;
  key: Uint8Array;
}

export interface ScramClientOptions {
  hash: ScramHash;
  username: string;
  /** the password; may be left out when `saltedPassword` is given */
  password?: string;
  /** a cached SaltedPassword, used when the server's salt and iteration count still match it */
  saltedPassword?: ScramSaltedPassword | null;
  /** channel binding for a -PLUS mechanism (type and the connection's data); null/undefined for plain SCRAM */
  plus?: { type: string; data: Uint8Array } | null;
  /**
   * Only for clients that could do channel binding but use a non-PLUS
   * mechanism: false sends the 'y' flag (server appears not to support
   * channel binding, enabling downgrade detection). Otherwise 'n' is sent.
   */
  serverSupportsPlus?: boolean;
  /** authorization identity (rarely needed in XMPP) */
  authzid?: string;
  /** client nonce (printable ASCII without ','); default 24 random base64 characters. Tests only. */
  nonce?: string;
  /** refuse server iteration counts below this (default 4096) */
  minIterations?: number;
  /** refuse server iteration counts above this (default 10,000,000) to bound CPU use */
  maxIterations?: number;
}

/**
 * Client side of one SCRAM exchange:
 * `first()` -> send; `final(serverFirst)` -> send; `verify(serverFinal)`.
 */
export class ScramClientSession {
  readonly #opts: ScramClientOptions;
  readonly #nonce: string;
  readonly #gs2Header: string;
  readonly #bare: string;
  #serverSignature: Uint8Array | null = null;
  #salted: ScramSaltedPassword | null = null;
  #state: 'initial' | 'first' | 'final' | 'done' = 'initial';

  constructor(opts: ScramClientOptions) {
    this.#opts = opts;
    const nonce = opts.nonce ?? base64Encode(randomBytes(18));
    if (!NONCE_RE.test(nonce)) throw new ScramError('malformed-request', 'bad client nonce');
    this.#nonce = nonce;
    const flag = opts.plus ? `p=${opts.plus.type}` : opts.serverSupportsPlus === false ? 'y' : 'n';
    if (opts.plus && !/^[A-Za-z0-9.-]+$/.test(opts.plus.type)) throw new ScramError('malformed-request', 'bad channel binding name');
    const authz = opts.authzid ? `a=${escapeSaslName(saslprepOrThrow(opts.authzid, 'authzid'))}` : '';
    this.#gs2Header = `${flag},${authz},`;
    const user = saslprepOrThrow(opts.username, 'username');
    if (user === '') throw new ScramError('malformed-request', 'username is empty');
    this.#bare = `n=${escapeSaslName(user)},r=${nonce}`;
  }

  get mechanism(): string {
    return scramMechanismName(this.#opts.hash, !!this.#opts.plus);
  }

  /** client-first-message */
  first(): Uint8Array {
    if (this.#state !== 'initial') throw new ScramError('aborted', 'first() called twice');
    this.#state = 'first';
    return utf8Encode(this.#gs2Header + this.#bare);
  }

  /** Processes server-first-message, returns client-final-message. */
  async final(serverFirst: Uint8Array): Promise<Uint8Array> {
    if (this.#state !== 'first') throw new ScramError('aborted', 'final() out of order');
    this.#state = 'final';
    const sf = decodeMessage(serverFirst, 'server-first-message');
    const attrs = splitAttrs(sf, 'server-first-message');
    if (attrs[0]?.key === 'm') malformed('server sent a mandatory extension', 'extensions-not-supported');
    const [r, s, i] = attrs;
    if (r?.key !== 'r' || s?.key !== 's' || i?.key !== 'i') malformed('server-first-message must be r=,s=,i=');
    const nonce = r.value;
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length || !NONCE_RE.test(nonce)) {
      throw new ScramError('not-authorized', 'server nonce does not extend the client nonce');
    }
    const salt = decodeB64(s.value, 'salt');
    if (salt.length === 0) malformed('empty salt');
    if (!/^[1-9][0-9]{0,9}$/.test(i.value)) malformed('bad iteration count');
    const iterations = Number(i.value);
    if (iterations < (this.#opts.minIterations ?? DEFAULT_ITERATIONS)) {
      throw new ScramError('not-authorized', `iteration count ${iterations} too low`);
    }
    if (iterations > (this.#opts.maxIterations ?? 10_000_000)) {
      throw new ScramError('not-authorized', `iteration count ${iterations} too high`);
    }

    const { hash } = this.#opts;
    const { salted, clientKey, storedKey, serverKey } = await this.#keys(salt, iterations);
    this.#salted = { hash, salt, iterations, key: salted };
    const cbInput = concatBytes(utf8Encode(this.#gs2Header), this.#opts.plus ? this.#opts.plus.data : new Uint8Array(0));
    const withoutProof = `c=${base64Encode(cbInput)},r=${nonce}`;
    const authMessage = utf8Encode(`${this.#bare},${sf},${withoutProof}`);
    const clientSignature = await hmac(hash, storedKey, authMessage);
    const proof = xorBytes(clientKey, clientSignature);
    this.#serverSignature = await hmac(hash, serverKey, authMessage);
    return utf8Encode(`${withoutProof},p=${base64Encode(proof)}`);
  }

  /** The SaltedPassword this exchange used, for a client that caches it instead of the password (after final()). */
  get saltedPassword(): ScramSaltedPassword | null {
    return this.#salted;
  }

  async #keys(salt: Uint8Array, iterations: number) {
    const { hash, password, saltedPassword: cached } = this.#opts;
    if (cached && cached.hash === hash && cached.iterations === iterations && constantTimeEqual(cached.salt, salt)) {
      return keysFromSalted(hash, cached.key);
    }
    if (password === undefined) {
      // The password was changed (new salt) or the server re-hashed it: only the password can help now.
      throw new ScramError('not-authorized', 'the saved login no longer matches the server: the password is needed again');
    }
    return keysFromPrepared(hash, prepPassword(password), salt, iterations);
  }

  /** Checks server-final-message; throws ScramError unless v= is the expected ServerSignature. */
  async verify(serverFinal: Uint8Array): Promise<void> {
    if (this.#state !== 'final' || !this.#serverSignature) throw new ScramError('aborted', 'verify() out of order');
    const msg = decodeMessage(serverFinal, 'server-final-message');
    const attrs = splitAttrs(msg, 'server-final-message');
    const first = attrs[0]!;
    if (first.key === 'e') throw new ScramError('not-authorized', `server error: ${first.value}`, first.value);
    if (first.key !== 'v') malformed('server-final-message must start with v= or e=');
    const v = decodeB64(first.value, 'server signature');
    if (!constantTimeEqual(v, this.#serverSignature)) {
      throw new ScramError('not-authorized', 'server signature mismatch: the server does not know the password');
    }
    this.#state = 'done';
  }
}

function saslprepOrThrow(s: string, what: string): string {
  try {
    return saslprep(s, { allowUnassigned: true });
  } catch (e) {
    if (e instanceof SaslprepError) throw new ScramError('malformed-request', `${what}: ${e.message}`);
    throw e;
  }
}
