import { createHmac, randomBytes } from 'node:crypto';

/**
 * Slows password guessing per account and per source address. Sources are
 * kept only as an HMAC under a key that lives in this process's memory, so
 * nothing on disk or in memory dumps taken later maps back to an address,
 * and counters forget themselves after a quiet window.
 */
const WINDOW_MS = 15 * 60_000;
const MAX_DELAY_MS = 30_000;
const MAX_ENTRIES = 100_000;

interface Counter {
  failures: number;
  last: number;
}

export class LoginThrottle {
  readonly #key = randomBytes(32);
  readonly #counters = new Map<string, Counter>();
  readonly #freeAttempts: number;

  constructor(freeAttempts: number) {
    this.#freeAttempts = freeAttempts;
  }

  /** Opaque key for a source address; the address itself is not kept. */
  sourceKey(address: string | undefined): string {
    return `src:${createHmac('sha256', this.#key).update(address ?? 'unknown').digest('base64url').slice(0, 22)}`;
  }

  /** How long to hold this attempt before answering (0 for most people). */
  delayFor(username: string | null, sourceKey: string): number {
    const now = Date.now();
    const failures = Math.max(this.#failures(sourceKey, now), username ? this.#failures(`acct:${username}`, now) : 0);
    if (failures < this.#freeAttempts) return 0;
    return Math.min(MAX_DELAY_MS, 500 * 2 ** (failures - this.#freeAttempts));
  }

  failed(username: string | null, sourceKey: string): void {
    this.#bump(sourceKey);
    if (username) this.#bump(`acct:${username}`);
  }

  succeeded(username: string, sourceKey: string): void {
    this.#counters.delete(`acct:${username}`);
    this.#counters.delete(sourceKey);
  }

  #failures(key: string, now: number): number {
    const counter = this.#counters.get(key);
    if (!counter) return 0;
    if (now - counter.last > WINDOW_MS) {
      this.#counters.delete(key);
      return 0;
    }
    return counter.failures;
  }

  #bump(key: string): void {
    const now = Date.now();
    const counter = this.#counters.get(key);
    if (counter && now - counter.last <= WINDOW_MS) {
      counter.failures++;
      counter.last = now;
      return;
    }
    if (this.#counters.size >= MAX_ENTRIES) this.#evictOldest();
    this.#counters.set(key, { failures: 1, last: now });
  }

  #evictOldest(): void {
    // Map keeps insertion order; the first entries are the oldest.
    let n = 0;
    for (const key of this.#counters.keys()) {
      this.#counters.delete(key);
      if (++n >= MAX_ENTRIES / 10) break;
    }
  }
}
