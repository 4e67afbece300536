/**
 * Bounded waiting. Every wait in the interop tests has a deadline and a
 * description, so a missing stanza fails the test with "timed out after 5000
 * ms waiting for <what>" instead of hanging until the test timeout.
 */
// The cluster suite raises it (vitest.cluster.config.ts): three nodes, Redis, PostgreSQL and Python share two cores there.
export const DEFAULT_WAIT_MS = Number(process.env.CONEXIZAN_TEST_WAIT_MS) || 5_000;

export class WaitTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves or rejects like `promise`, or rejects with WaitTimeoutError after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = DEFAULT_WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new WaitTimeoutError(what, ms);
    await sleep(50);
  }
}

interface Waiter<T> {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Everything a connection received, in order, so that a test can wait for
 * "the next message from bob" even if it arrived before the test asked.
 * `waitFor` takes the first unconsumed item that matches; items nobody
 * asked for stay in `received` for assertions and failure messages.
 */
export class Inbox<T> {
  readonly received: T[] = [];
  readonly #unconsumed: T[] = [];
  readonly #waiters = new Set<Waiter<T>>();
  #closedWith: Error | null = null;
  readonly #describe: (item: T) => string;

  constructor(describe: (item: T) => string = String) {
    this.#describe = describe;
  }

  push(item: T): void {
    this.received.push(item);
    for (const waiter of this.#waiters) {
      if (waiter.predicate(item)) {
        this.#waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(item);
        return;
      }
    }
    this.#unconsumed.push(item);
  }

  /** No more items will come (the connection closed): pending and later waits fail at once. */
  close(reason: string): void {
    this.#closedWith ??= new Error(reason);
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${reason}; received so far:\n${this.#dump()}`));
    }
    this.#waiters.clear();
  }

  /** The first item (already received or still to come) matching `predicate`. */
  waitFor(predicate: (item: T) => boolean, what: string, ms = DEFAULT_WAIT_MS): Promise<T> {
    const index = this.#unconsumed.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.#unconsumed.splice(index, 1)[0]!);
    if (this.#closedWith) return Promise.reject(new Error(`${this.#closedWith.message} before ${what}; received:\n${this.#dump()}`));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`${new WaitTimeoutError(what, ms).message}; received:\n${this.#dump()}`));
        }, ms),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Resolves true if nothing matching arrives within `ms` (for "must not be delivered" checks). */
  async nothing(predicate: (item: T) => boolean, ms: number): Promise<boolean> {
    try {
      await this.waitFor(predicate, 'nothing', ms);
      return false;
    } catch {
      return true;
    }
  }

  #dump(): string {
    const items = this.received.slice(-20).map((item) => `  ${this.#describe(item)}`);
    return items.length > 0 ? items.join('\n') : '  (nothing)';
  }
}
