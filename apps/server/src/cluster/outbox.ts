import type { Redis } from 'ioredis';

/**
 * What this node sends to one other node's channel. Redis answers each
 * PUBLISH with the number of subscribers that got it: 0 means the node is
 * not listening (it died, or its link to Redis is being re-established).
 * Such messages, and those sent after them, wait here in order and are
 * sent again every RETRY_MS until the node listens again; once the node's
 * lease has run out (`alive()` false) each one's `undelivered` runs, so the
 * sender can deliver the stanza elsewhere. Never more than MAX_WAITING
 * wait: beyond that, `undelivered` runs at once.
 */
const RETRY_MS = 250;
const MAX_WAITING = 10_000;

interface Item {
  message: string;
  undelivered: () => void;
}

export class Outbox {
  readonly #redis: Redis;
  readonly #channel: string;
  readonly #alive: () => boolean;
  readonly #onIdle: () => void;
  #waiting: Item[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(redis: Redis, channel: string, alive: () => boolean, onIdle: () => void) {
    this.#redis = redis;
    this.#channel = channel;
    this.#alive = alive;
    this.#onIdle = onIdle;
  }

  send(message: string, undelivered: () => void): void {
    const item = { message, undelivered };
    if (this.#waiting.length > 0) return this.#hold(item);
    this.#redis.publish(this.#channel, message).then(
      (listeners) => listeners > 0 || this.#hold(item),
      () => this.#hold(item),
    );
  }

  /** Every waiting message is undelivered: the node is dead. */
  fail(): void {
    const failed = this.#waiting;
    this.#waiting = [];
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const item of failed) item.undelivered();
    this.#onIdle();
  }

  /** Waits up to `ms` for waiting messages to go out (at shutdown). */
  async flush(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#waiting.length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  #hold(item: Item): void {
    if (this.#waiting.length >= MAX_WAITING) {
      item.undelivered();
      return;
    }
    this.#waiting.push(item);
    this.#timer ??= setTimeout(() => void this.#retry(), RETRY_MS);
  }

  async #retry(): Promise<void> {
    this.#timer = null;
    if (!this.#alive()) return this.fail();
    while (this.#waiting.length > 0) {
      const [first] = this.#waiting;
      const listeners = await this.#redis.publish(this.#channel, first!.message).catch(() => 0);
      if (listeners === 0) {
        this.#timer ??= setTimeout(() => void this.#retry(), RETRY_MS);
        return;
      }
      this.#waiting.shift();
    }
  }
}
