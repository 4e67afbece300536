import { randomBytes } from 'node:crypto';
import {
  constantTimeEqual, deriveScramCredentials, base64Decode, base64Encode, fakeSalt, prepPassword,
  type ScramCredentials, type ScramHash,
} from '@conexizan/crypto';
import { jid, prepLocalpart, StanzaError } from '@conexizan/protocol';
import type { Config } from '../config/schema.ts';
import type { Cluster } from '../core/cluster.ts';
import type { HookBus } from '../core/hooks.ts';
import { AccountExistsError, type Storage, type StoredScramCredential, type Suspension } from '@conexizan/storage';

/**
 * Accounts as the server sees them: a username and SCRAM keys, never a
 * password or anything that decrypts to one (RFC 5802 §3 stored and server
 * keys only). Shared by in-band registration, SASL and the command line.
 *
 * An account is deleted one way only, remove(): the modules hear
 * `account/deleting` first (contacts are told, uploads and caches go), then
 * the database forgets the account and everything it owns. Beside it,
 * suspend() and unsuspend(): a suspended account keeps everything but
 * cannot log in (SASL answers account-disabled) and receives nothing; the
 * modules hear `account/suspended` and end its sessions.
 */
export const SCRAM_HASHES: readonly ScramHash[] = ['SHA-1', 'SHA-256'];

export class AccountError extends Error {
  constructor(
    readonly reason: 'invalid-username' | 'weak-password' | 'exists' | 'reserved' | 'not-found' | 'not-suspended',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }

  /** the XEP-0077 answer for this failure */
  toStanzaError(): StanzaError {
    switch (this.reason) {
      case 'exists':
      case 'reserved':
        return new StanzaError('conflict', { type: 'cancel', text: this.message });
      case 'not-found':
      case 'not-suspended':
        return new StanzaError('item-not-found', { type: 'cancel', text: this.message });
      default:
        return new StanzaError('not-acceptable', { type: 'modify', text: this.message });
    }
  }
}

/** What the owner of a suspended account is told (at login, or as its sessions end): the reason only if the operator chose so. */
export function suspensionNotice(suspension: Pick<Suspension, 'reason' | 'notice'>): string {
  return suspension.notice && suspension.reason ? `This account is suspended: ${suspension.reason}` : 'This account is suspended.';
}

export interface AccountPolicy {
  scramIterations: number;
  /**
   * Secret behind the fake SCRAM salts given for unknown usernames. Kept in
   * the data directory so that the same unknown name gets the same salt
   * after a restart, and probing cannot tell real accounts from others.
   */
  fakeSaltSecret?: Uint8Array;
  minPasswordLength: number;
  reserveDeletedDays: number;
}

/** The policy the config asks for. */
export function accountPolicy(config: Config, fakeSaltSecret?: Uint8Array): AccountPolicy {
  return {
    scramIterations: config.accounts.scram_iterations,
    minPasswordLength: config.accounts.min_password_length,
    reserveDeletedDays: config.accounts.reserve_deleted_days,
    ...(fakeSaltSecret ? { fakeSaltSecret } : {}),
  };
}

const KNOWN_FOR_MS = 5 * 60_000;
const KNOWN_MAX = 100_000;
/**
 * How long whether an account is suspended is remembered: a suspension made
 * by another server process (the command line) stops deliveries here within
 * this time; one made in this process or on another node of the cluster
 * (which says so), at once.
 */
const SUSPENSION_KNOWN_FOR_MS = 30_000;

export interface AccountLifecycle {
  /** the bus the modules are set up on: remove() fires account/deleting there */
  hooks: HookBus;
  /** the server's domain, for the JIDs of the events */
  domain: string;
  /** the other nodes of a cluster, told when an account goes or is suspended, so that they forget what they remember of it */
  cluster?: Pick<Cluster, 'broadcast' | 'onBroadcast'>;
}

export class AccountService {
  readonly #storage: Storage;
  /** username → when it was last seen to exist */
  readonly #known = new Map<string, number>();
  /** username → whether it was suspended, and when that was read */
  readonly #suspended = new Map<string, { suspended: boolean; at: number }>();
  readonly #policy: AccountPolicy;
  readonly #fakeSaltSecret: Uint8Array;
  readonly #lifecycle: AccountLifecycle;

  constructor(storage: Storage, policy: AccountPolicy, lifecycle: AccountLifecycle) {
    this.#storage = storage;
    this.#policy = policy;
    this.#fakeSaltSecret = policy.fakeSaltSecret ?? new Uint8Array(randomBytes(32));
    this.#lifecycle = lifecycle;
    lifecycle.cluster?.onBroadcast('accounts', (name) => {
      if (name === null) {
        this.#known.clear();
        this.#suspended.clear();
      } else {
        this.#known.delete(name);
        this.#suspended.delete(name);
      }
    });
  }

  /** Iteration count of new credentials; unknown users are answered with the same, so they look alike. */
  get scramIterations(): number {
    return this.#policy.scramIterations;
  }

  get fakeSaltSecret(): Uint8Array {
    return this.#fakeSaltSecret;
  }

  /** PRECIS-prepared username, or an AccountError saying what is wrong with it. */
  prepareUsername(username: string): string {
    try {
      return prepLocalpart(username);
    } catch (error) {
      throw new AccountError('invalid-username', `"${username}" is not a valid username: ${(error as Error).message}`);
    }
  }

  checkPassword(password: string): string {
    let prepared: string;
    try {
      prepared = prepPassword(password);
    } catch {
      throw new AccountError('weak-password', 'the password contains characters that are not allowed');
    }
    if ([...prepared].length < this.#policy.minPasswordLength) {
      throw new AccountError('weak-password', `the password needs at least ${this.#policy.minPasswordLength} characters`);
    }
    if (/^(.)\1*$/u.test(prepared)) throw new AccountError('weak-password', 'the password is one character repeated');
    return prepared;
  }

  async create(username: string, password: string, options: { ignoreReservation?: boolean } = {}): Promise<string> {
    const name = this.prepareUsername(username);
    const scripts = mixedScripts(name);
    if (scripts) {
      throw new AccountError('invalid-username', `"${name}" mixes letters of different scripts (${scripts.join(', ')}), which lets it pass for another name; use one script`);
    }
    this.checkPassword(password);
    if (!options.ignoreReservation && (await this.isReserved(name))) {
      throw new AccountError('reserved', `the name ${name} was in use until recently and cannot be registered yet`);
    }
    try {
      await this.#storage.accounts.create(name, await this.#credentials(password));
    } catch (error) {
      if (error instanceof AccountExistsError) throw new AccountError('exists', `the name ${name} is taken`);
      throw error;
    }
    return name;
  }

  async changePassword(username: string, password: string): Promise<void> {
    const name = this.prepareUsername(username);
    this.checkPassword(password);
    if (!(await this.#storage.accounts.setCredentials(name, await this.#credentials(password)))) {
      throw new AccountError('not-found', `no account ${name}`);
    }
  }

  /**
   * Deletes an account: `account/deleting` first, while the account, its
   * roster and its data still exist (the modules tell its contacts and
   * remove what the database does not hold), then the account itself; the
   * database deletes what it owns with it. Returns the prepared username.
   *
   * Safe to repeat: an account that is gone already is an AccountError
   * ('not-found') and nothing is fired; if a deletion stopped half-way,
   * running it again fires the event again (every handler tolerates work
   * done before) and finishes it.
   */
  async remove(username: string): Promise<string> {
    const name = this.prepareUsername(username);
    if (!(await this.#storage.accounts.get(name))) throw new AccountError('not-found', `no account ${name}`);
    await this.#lifecycle.hooks.fireAll('account/deleting', { user: jid(name, this.#lifecycle.domain) });
    this.#known.delete(name);
    this.#suspended.delete(name);
    // Another process (the command line beside a running server) may have been quicker: same outcome.
    if (!(await this.#storage.accounts.delete(name))) throw new AccountError('not-found', `no account ${name}`);
    this.#lifecycle.cluster?.broadcast('accounts', name);
    return name;
  }

  /**
   * Suspends an account: it can no longer log in and nothing reaches it,
   * while everything it owns stays. `account/suspended` tells the modules
   * (its sessions end, on every server process). Suspending again replaces
   * the reason. Returns the prepared username.
   */
  async suspend(username: string, options: { reason: string; notice: boolean }): Promise<string> {
    const name = this.prepareUsername(username);
    const suspension: Suspension = { at: new Date(), reason: options.reason, notice: options.notice };
    if (!(await this.#storage.accounts.suspend(name, suspension))) throw new AccountError('not-found', `no account ${name}`);
    this.#rememberSuspended(name, true);
    this.#lifecycle.cluster?.broadcast('accounts', name);
    await this.#lifecycle.hooks.fireAll('account/suspended', { user: jid(name, this.#lifecycle.domain), reason: options.reason, notice: options.notice });
    return name;
  }

  /** Lifts a suspension: the account logs in and receives again. Returns the prepared username. */
  async unsuspend(username: string): Promise<string> {
    const name = this.prepareUsername(username);
    if (!(await this.#storage.accounts.unsuspend(name))) {
      if (!(await this.#storage.accounts.get(name))) throw new AccountError('not-found', `no account ${name}`);
      throw new AccountError('not-suspended', `${name} is not suspended`);
    }
    this.#rememberSuspended(name, false);
    this.#lifecycle.cluster?.broadcast('accounts', name);
    await this.#lifecycle.hooks.fireAll('account/unsuspended', { user: jid(name, this.#lifecycle.domain) });
    return name;
  }

  /** The account's suspension as stored (read every time: a login asks this), or null. */
  async suspension(username: string): Promise<Suspension | null> {
    const suspension = await this.#storage.accounts.suspension(username);
    // What a login has just read answers the deliveries that follow (isSuspended).
    this.#rememberSuspended(username, suspension !== null);
    return suspension;
  }

  /**
   * Whether a delivery to this account is refused. Every stanza to a local
   * user asks this, so the answer is remembered briefly (see
   * SUSPENSION_KNOWN_FOR_MS).
   */
  async isSuspended(username: string): Promise<boolean> {
    const known = this.#suspended.get(username);
    if (known && Date.now() - known.at < SUSPENSION_KNOWN_FOR_MS) return known.suspended;
    const suspended = (await this.#storage.accounts.suspension(username)) !== null;
    this.#rememberSuspended(username, suspended);
    return suspended;
  }

  #rememberSuspended(username: string, suspended: boolean): void {
    this.#suspended.delete(username);
    if (this.#suspended.size >= KNOWN_MAX) this.#suspended.delete(this.#suspended.keys().next().value!);
    this.#suspended.set(username, { suspended, at: Date.now() });
  }

  /**
   * Every message to a local user asks this, so accounts seen recently are
   * remembered (only that they exist, for a few minutes; a deletion in this
   * process forgets at once).
   */
  async exists(username: string): Promise<boolean> {
    const seen = this.#known.get(username);
    if (seen !== undefined && Date.now() - seen < KNOWN_FOR_MS) return true;
    const found = (await this.#storage.accounts.get(username)) !== null;
    if (found) this.#remember(username);
    else this.#known.delete(username);
    return found;
  }

  #remember(username: string): void {
    if (this.#known.size >= KNOWN_MAX) this.#known.delete(this.#known.keys().next().value!);
    this.#known.set(username, Date.now());
  }

  async list(): Promise<string[]> {
    return this.#storage.accounts.list();
  }

  async isReserved(username: string): Promise<boolean> {
    const deletedAt = await this.#storage.accounts.deletedAt(username);
    if (!deletedAt) return false;
    return Date.now() - deletedAt.getTime() < this.#policy.reserveDeletedDays * 86_400_000;
  }

  /** SCRAM credentials for SASL; null for an unknown user or mechanism. */
  async scramCredentials(username: string, hash: ScramHash): Promise<ScramCredentials | null> {
    const account = await this.#storage.accounts.get(username);
    // A login looks it up anyway: the messages and presence that follow need not ask again.
    if (account) this.#remember(account.username);
    const stored = account?.credentials.find((c) => c.mechanism === `SCRAM-${hash}`);
    if (!stored) return null;
    return {
      hash,
      salt: base64Decode(stored.salt),
      iterations: stored.iterations,
      storedKey: base64Decode(stored.storedKey),
      serverKey: base64Decode(stored.serverKey),
    };
  }

  /**
   * SASL PLAIN: derive with the stored salt and compare stored keys. An
   * unknown user costs the same derivation (with the salt SCRAM would show
   * for that name), so the time of a failure does not tell whether the
   * account exists.
   */
  async verifyPassword(username: string, password: string): Promise<boolean> {
    const stored = await this.scramCredentials(username, 'SHA-256');
    const salt = stored?.salt ?? (await fakeSalt('SHA-256', this.#fakeSaltSecret, username));
    let derived: ScramCredentials;
    try {
      derived = await deriveScramCredentials(password, 'SHA-256', { salt, iterations: stored?.iterations ?? this.#policy.scramIterations });
    } catch {
      return false;
    }
    return stored !== null && constantTimeEqual(derived.storedKey, stored.storedKey);
  }

  async #credentials(password: string): Promise<StoredScramCredential[]> {
    return Promise.all(
      SCRAM_HASHES.map(async (hash) => {
        const c = await deriveScramCredentials(password, hash, { iterations: this.#policy.scramIterations });
        return {
          mechanism: `SCRAM-${hash}` as const,
          salt: base64Encode(c.salt),
          iterations: c.iterations,
          storedKey: base64Encode(c.storedKey),
          serverKey: base64Encode(c.serverKey),
        };
      }),
    );
  }
}


/**
 * Letters of which scripts a username mixes, or null if it keeps to one.
 * A Cyrillic 'а' in "аlice" makes a second account that reads as "alice";
 * UTS #39's "highly restrictive" level refuses such mixes (Japanese and
 * Korean writing, which mix Han with kana or Hangul, stay allowed). Digits,
 * punctuation and combining marks belong to no script here.
 */
const SCRIPTS: [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u], ['Cyrillic', /\p{Script=Cyrillic}/u], ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u], ['Georgian', /\p{Script=Georgian}/u], ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u], ['Devanagari', /\p{Script=Devanagari}/u], ['Thai', /\p{Script=Thai}/u],
  ['Han', /\p{Script=Han}/u], ['Hiragana', /\p{Script=Hiragana}/u], ['Katakana', /\p{Script=Katakana}/u], ['Hangul', /\p{Script=Hangul}/u],
];
const ALLOWED_MIXES = [new Set(['Han', 'Hiragana', 'Katakana']), new Set(['Han', 'Hangul'])];

export function mixedScripts(name: string): string[] | null {
  const found = new Set<string>();
  for (const char of name) {
    if (!/\p{L}/u.test(char)) continue;
    found.add(SCRIPTS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'other');
  }
  if (found.size <= 1 || ALLOWED_MIXES.some((allowed) => [...found].every((script) => allowed.has(script)))) return null;
  return [...found];
}
