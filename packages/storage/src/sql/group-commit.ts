type Turn = <T>(fn: () => Promise<T>) => Promise<T>;

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes that arrive while the previous batch is being
 * written, or while the batch waits for its turn on the database, are
 * written together in one short transaction, and each caller's promise
 * settles only when the transaction holding its write has committed (or
 * failed). Nothing waits on a timer: a lone write goes out at once, and
 * under load the batches grow by themselves, up to `maxBatch`.
 */
export class GroupCommit<Item, Result> {
  readonly #write: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  readonly #turn: Turn;
  #pending: Waiting<Item, Result>[] = [];
  #running = false;
  #idle: Promise<void> = Promise.resolve();
  #becomeIdle = () => {};

  /**
   * `write` gets a batch and returns one result per item, in order; batches
   * are written one at a time. `turn` is the backend's turn-taking (SQLite's
   * process-wide lock): the batch is taken once the turn has come.
   */
  constructor(options: { write: (items: Item[]) => Promise<Result[]>; maxBatch: number; turn?: Turn }) {
    this.#write = options.write;
    this.#maxBatch = options.maxBatch;
    this.#turn = options.turn ?? ((fn) => fn());
  }

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        this.#idle = new Promise((done) => (this.#becomeIdle = done));
        // After the I/O callbacks of this turn of the event loop, so that the writes they make join.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      let batch: Waiting<Item, Result>[] = [];
      try {
        const results = await this.#turn(() => {
          batch = this.#pending.splice(0, this.#maxBatch);
          return this.#write(batch.map((b) => b.item));
        });
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.#running = false;
    this.#becomeIdle();
  }

  /** Settles when every write added so far has been written (or has failed): before closing. */
  flushed(): Promise<void> {
    return this.#idle;
  }
}
