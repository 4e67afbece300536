/**
 * The counters behind the login throttle, behind an interface so that a
 * cluster can share them (e.g. in Redis: a token bucket is a small Lua
 * script, a slot an INCR/DECR with an expiry, a mark a SET with a TTL).
 * Keys are opaque strings: the throttle hashes addresses before they get
 * here, so no store ever holds one.
 */
export interface Bucket {
  /** tokens a full bucket holds (the burst) */
  capacity: number;
  /** one token comes back every this many milliseconds */
  refillMs: number;
}

export interface ThrottleStore {
  /** Takes a token: 0 if there was one, else how many ms until there is. */
  take(key: string, bucket: Bucket): Promise<number>;
  /** Gives back a token taken for an attempt that turned out not to count. */
  refund(key: string, bucket: Bucket): Promise<void>;
  /** Takes one of `limit` slots (attempts at once); false if all are taken. */
  acquire(key: string, limit: number): Promise<boolean>;
  release(key: string): Promise<void>;
  /** Remembers `key` for `ttlMs`. */
  mark(key: string, ttlMs: number): Promise<void>;
  marked(key: string): Promise<boolean>;
}

const MAX_ENTRIES = 100_000;

interface Tokens {
  tokens: number;
  at: number;
}

/** The store of a single server: plain maps, bounded, forgetting what has been idle longest. */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #buckets = new Map<string, Tokens>();
  readonly #slots = new Map<string, number>();
  readonly #marks = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async take(key: string, bucket: Bucket): Promise<number> {
    const state = this.#refilled(key, bucket);
    const wait = state.tokens >= 1 ? 0 : Math.ceil((1 - state.tokens) * bucket.refillMs);
    if (wait === 0) state.tokens -= 1;
    this.#store(this.#buckets, key, state);
    return wait;
  }

  async refund(key: string, bucket: Bucket): Promise<void> {
    const state = this.#refilled(key, bucket);
    state.tokens = Math.min(bucket.capacity, state.tokens + 1);
    // A full bucket is the same as no entry at all.
    if (state.tokens >= bucket.capacity) this.#buckets.delete(key);
    else this.#store(this.#buckets, key, state);
  }

  async acquire(key: string, limit: number): Promise<boolean> {
    const taken = this.#slots.get(key) ?? 0;
    if (taken >= limit) return false;
    this.#slots.set(key, taken + 1);
    return true;
  }

  async release(key: string): Promise<void> {
    const taken = (this.#slots.get(key) ?? 0) - 1;
    if (taken > 0) this.#slots.set(key, taken);
    else this.#slots.delete(key);
  }

  async mark(key: string, ttlMs: number): Promise<void> {
    this.#marks.delete(key);
    this.#store(this.#marks, key, this.#now() + ttlMs);
  }

  async marked(key: string): Promise<boolean> {
    const until = this.#marks.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#marks.delete(key);
    return false;
  }

  #refilled(key: string, bucket: Bucket): Tokens {
    const now = this.#now();
    const state = this.#buckets.get(key);
    if (!state) return { tokens: bucket.capacity, at: now };
    this.#buckets.delete(key); // re-inserted by the caller: Map order is then least recently used first
    return { tokens: Math.min(bucket.capacity, state.tokens + (now - state.at) / bucket.refillMs), at: now };
  }

  #store<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= MAX_ENTRIES) {
      let dropped = 0;
      for (const old of map.keys()) {
        map.delete(old);
        if (++dropped >= MAX_ENTRIES / 10) break;
      }
    }
    map.set(key, value);
  }
}
