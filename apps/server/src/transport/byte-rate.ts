/**
 * A token bucket over bytes received. A client that sends faster than its
 * rate is paused (TCP backpressure) for as long as it is ahead, so a flood
 * slows to the allowed rate without losing anything the client sent.
 */
export class ByteRate {
  readonly #rate: number; // bytes per second
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(bytesPerSecond: number, burst: number, now = Date.now()) {
    this.#rate = bytesPerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Records `bytes`; returns how many milliseconds the sender should wait (0 if within its rate). */
  consume(bytes: number, now = Date.now()): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / 1000);
    this.#last = now;
    this.#tokens -= bytes;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#rate) * 1000);
  }
}
