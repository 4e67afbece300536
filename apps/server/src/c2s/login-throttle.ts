import { createHmac, randomBytes } from 'node:crypto';
import { sourceUnit } from './source-address.ts';
import type { Bucket, ThrottleStore } from '../core/throttle-store.ts';

/**
 * Slows password guessing without locking anyone out of their own account.
 *
 * Prosody (mod_limit_auth) and ejabberd (mod_fail2ban) limit failures per
 * source address and never lock an account: an attacker must not be able
 * to keep its owner out. This throttle does the same and adds what a
 * distributed attacker would otherwise get for free:
 *
 * - Every attempt that reaches a password check is paid for up front, with
 *   a token from its address's budget and from its (account, address)
 *   budget: 200 guesses sent at once get as many answers as there are
 *   tokens, the rest `temporary-auth-failure` without a check. A success,
 *   or a refusal that never tested a password (a channel-binding type the
 *   client cannot use, like stock slixmpp's four tries before PLAIN), gives
 *   the tokens back. Budgets refill continuously, so one failure every
 *   quarter of an hour never keeps anyone out.
 * - At most a few attempts run at once per address; the others wait their
 *   turn (a crowd behind one NAT reconnecting at once still gets in).
 * - An address that has logged in to an account before is "known" for it:
 *   that account's own budget and the account-wide limits below do not
 *   apply to it (only the (account, address) budget does), so a crowd of
 *   failures elsewhere never keeps the owner's phone out.
 * - Per account, attempts from other addresses queue for a few slots; once
 *   the account has had many failures, each further failure keeps its slot
 *   a while before it is answered. That caps the guessing rate on one
 *   account from any number of addresses, while a correct password from a
 *   new address waits its turn in the queue (a few seconds), never a
 *   lockout.
 *
 * Addresses are kept only as an HMAC under a key that lives in this
 * process's memory (a cluster's, in Redis with the counters); the counters
 * live in a ThrottleStore (in memory, or in Redis shared by a cluster's
 * nodes: core/throttle-store.ts, cluster/throttle-store.ts).
 */
export interface LoginThrottleOptions {
  /** failed logins an address may have in a burst; one more per `refillSeconds` */
  perAddress: number;
  /** failed logins against one account (from addresses it was not used from) before further failures are slowed */
  perAccount: number;
  /** failed logins one address may make against one account in a burst (default: 5, or half the address budget if that is more) */
  perAddressAndAccount?: number;
  refillSeconds?: number;
  /** attempts at once from one address */
  concurrentPerAddress?: number;
  /** attempts at once against one account from addresses it was not used from */
  concurrentPerAccount?: number;
  /** how long a failure keeps its account slot once the account is under attack */
  holdMs?: number;
  /** longest wait for an account slot, well below the unauthenticated timeout */
  queueMs?: number;
  /** the key that hashes addresses and usernames (a cluster's nodes share one, so that they count alike); default: random */
  key?: Uint8Array;
}

export type Outcome = 'success' | 'failure' | 'not-checked';

const KNOWN_FOR_MS = 30 * 86_400_000;

export class LoginThrottle {
  readonly #key: Uint8Array;
  readonly #store: ThrottleStore;
  readonly #address: Bucket;
  readonly #pair: Bucket;
  readonly #account: Bucket;
  readonly #concurrentPerAddress: number;
  readonly #concurrentPerAccount: number;
  readonly #holdMs: number;
  readonly #queueMs: number;
  /** attempts waiting for a slot (of an address or an account) in this process, first come first served */
  readonly #queues = new Map<string, Ticket[]>();

  constructor(store: ThrottleStore, options: LoginThrottleOptions) {
    this.#store = store;
    this.#key = options.key ?? randomBytes(32);
    const refillMs = (options.refillSeconds ?? 60) * 1000;
    this.#address = { capacity: options.perAddress, refillMs };
    this.#pair = { capacity: options.perAddressAndAccount ?? Math.min(options.perAddress, Math.max(5, Math.ceil(options.perAddress / 2))), refillMs };
    this.#account = { capacity: options.perAccount, refillMs: refillMs / 2 };
    this.#concurrentPerAddress = options.concurrentPerAddress ?? 3;
    this.#concurrentPerAccount = options.concurrentPerAccount ?? 4;
    this.#holdMs = options.holdMs ?? 1000;
    this.#queueMs = options.queueMs ?? 10_000;
  }

  /** Opaque key for a source address (an IPv6 /64); the address itself is not kept. In-band registration counts by it too. */
  sourceKey(address: string | undefined): string {
    return `src:${this.#hash(sourceUnit(address))}`;
  }

  /** An attempt from `sourceKey` starts (<auth/>); it waits its turn behind others from the same address, null if too long. */
  async begin(sourceKey: string): Promise<LoginAttempt | null> {
    if (!(await this.#slot(`busy:${sourceKey}`, this.#concurrentPerAddress))) return null;
    return new LoginAttempt(this, sourceKey);
  }

  /** @internal the budgets and slots of one attempt; LoginAttempt is the interface */
  async admit(sourceKey: string, username: string): Promise<{ refusal: string } | { grant: Grant }> {
    const account = `acct:${this.#hash(username)}`;
    const pair = `pair:${this.#hash(`${username}\u0000${sourceKey}`)}`;
    const known = await this.#store.marked(`known:${pair}`);
    const taken: [string, Bucket][] = [];
    const refund = async () => {
      for (const [key, bucket] of taken) await this.#store.refund(key, bucket);
    };
    for (const [key, bucket] of known ? [[pair, this.#pair] as const] : [[sourceKey, this.#address] as const, [pair, this.#pair] as const]) {
      const wait = await this.#store.take(key, bucket);
      if (wait > 0) {
        await refund();
        return { refusal: `too many failed logins from your address; try again in ${Math.ceil(wait / 1000)} s` };
      }
      taken.push([key, bucket]);
    }
    const grant: Grant = { account, pair, known, taken, slot: null };
    if (!known) {
      if (!(await this.#slot(`slot:${account}`, this.#concurrentPerAccount))) {
        await refund();
        return { refusal: 'this account is receiving too many login attempts; try again shortly' };
      }
      grant.slot = account;
    }
    return { grant };
  }

  /** @internal */
  async settle(grant: Grant, outcome: Outcome): Promise<void> {
    if (outcome === 'success') await this.#store.mark(`known:${grant.pair}`, KNOWN_FOR_MS);
    if (outcome !== 'failure') {
      for (const [key, bucket] of grant.taken) await this.#store.refund(key, bucket);
    } else if (!grant.known && (await this.#store.take(`fail:${grant.account}`, this.#account)) > 0) {
      // The account is under attack: this failure keeps its slot (and its answer) a while.
      await new Promise((resolve) => setTimeout(resolve, this.#holdMs));
    }
    if (grant.slot) await this.#release(`slot:${grant.slot}`);
  }

  /** @internal */
  async end(sourceKey: string): Promise<void> {
    await this.#release(`busy:${sourceKey}`);
  }

  /** One of `limit` slots for `key`, first come first served, waiting at most queueMs. */
  async #slot(key: string, limit: number): Promise<boolean> {
    const deadline = Date.now() + this.#queueMs;
    const queue = this.#queues.get(key) ?? [];
    this.#queues.set(key, queue);
    const ticket: Ticket = { wake: null };
    queue.push(ticket);
    try {
      for (;;) {
        // First come, first served: only the head of the queue may take a free slot.
        if (queue[0] === ticket && (await this.#store.acquire(key, limit))) return true;
        const left = deadline - Date.now();
        if (left <= 0) return false;
        // Woken by a release in this process, or polling for slots freed by other servers.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => ticket.wake?.(), Math.min(left, 250));
          ticket.wake = () => {
            clearTimeout(timer);
            ticket.wake = null;
            resolve();
          };
        });
      }
    } finally {
      queue.splice(queue.indexOf(ticket), 1);
      if (queue.length === 0) this.#queues.delete(key);
      else queue[0]!.wake?.();
    }
  }

  async #release(key: string): Promise<void> {
    await this.#store.release(key);
    this.#queues.get(key)?.[0]?.wake?.();
  }

  #hash(value: string): string {
    return createHmac('sha256', this.#key).update(value).digest('base64url').slice(0, 22);
  }
}

interface Ticket {
  wake: (() => void) | null;
}

interface Grant {
  account: string;
  pair: string;
  known: boolean;
  taken: [string, Bucket][];
  slot: string | null;
}

/**
 * One SASL exchange, from <auth/> to its outcome. admit() is called once
 * the username is known and before any password is checked; finish() once
 * the outcome is known (it may hold a failure back before the answer goes
 * out). A stream that ends half-way calls finish('not-checked').
 */
export class LoginAttempt {
  readonly #throttle: LoginThrottle;
  readonly #sourceKey: string;
  #grant: Grant | null = null;
  #finished = false;

  constructor(throttle: LoginThrottle, sourceKey: string) {
    this.#throttle = throttle;
    this.#sourceKey = sourceKey;
  }

  /** null to go ahead and check the password, or why not (sent as temporary-auth-failure). */
  async admit(username: string): Promise<string | null> {
    if (this.#grant) return null;
    const result = await this.#throttle.admit(this.#sourceKey, username);
    if ('refusal' in result) return result.refusal;
    if (this.#finished) {
      // The stream ended while this attempt waited for its turn: give everything back.
      await this.#throttle.settle(result.grant, 'not-checked');
      return 'the stream has ended';
    }
    this.#grant = result.grant;
    return null;
  }

  async finish(outcome: Outcome): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      if (this.#grant) await this.#throttle.settle(this.#grant, outcome);
    } finally {
      await this.#throttle.end(this.#sourceKey);
    }
  }
}
