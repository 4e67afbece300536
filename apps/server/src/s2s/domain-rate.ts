import { ByteRate } from '../transport/byte-rate.ts';

/**
 * Stanzas per second per remote domain, across all its streams: a domain
 * that floods us is slowed (its streams stop being read for a while), not
 * cut off, and other domains are not affected. Buckets of domains that went
 * quiet are forgotten so the map stays small.
 */
export class DomainRate {
  readonly #perSecond: number;
  readonly #buckets = new Map<string, { rate: ByteRate; lastUsed: number }>();

  constructor(stanzasPerSecond: number) {
    this.#perSecond = stanzasPerSecond;
  }

  /** Counts one stanza from `domain`; returns how many milliseconds to pause its streams. */
  consume(domain: string, now = Date.now()): number {
    let bucket = this.#buckets.get(domain);
    if (!bucket) {
      if (this.#buckets.size > 10_000) this.#forgetIdle(now);
      bucket = { rate: new ByteRate(this.#perSecond, this.#perSecond * 2, now), lastUsed: now };
      this.#buckets.set(domain, bucket);
    }
    bucket.lastUsed = now;
    return bucket.rate.consume(1, now);
  }

  #forgetIdle(now: number): void {
    for (const [domain, bucket] of this.#buckets) if (now - bucket.lastUsed > 60_000) this.#buckets.delete(domain);
  }
}
