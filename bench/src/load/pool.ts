import { Worker } from 'node:worker_threads';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol.ts';

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
type Progress = { sent: number; received: number; bounced: number };
/** A request without its id (the pool numbers them); distributes over the union. */
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The client workers (worker_threads), each holding a share of the
 * connections. Their CPU is this process's CPU (getrusage counts every
 * thread), so the generator figure includes them.
 */
export class ClientPool {
  readonly size: number;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #progress: Progress[];
  #nextId = 1;
  #failure: Error | null = null;

  constructor(size: number, init: Omit<WorkerInit, 'workerIndex'>) {
    this.size = size;
    this.#progress = Array.from({ length: size }, () => ({ sent: 0, received: 0, bounced: 0 }));
    for (let i = 0; i < size; i++) {
      // execArgv is inherited, so `--import tsx` loads the TypeScript worker too.
      const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { ...init, workerIndex: i } satisfies WorkerInit });
      worker.on('message', (reply: WorkerReply) => this.#onReply(i, reply));
      worker.on('error', (err) => this.#failAll(new Error(`client worker ${i} failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0) this.#failAll(new Error(`client worker ${i} exited with code ${code}`));
      });
      this.#workers.push(worker);
    }
  }

  request<T>(worker: number, request: Request): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#workers[worker]!.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  /** The same request to every worker, or one built per worker. */
  all<T>(request: Request | ((worker: number) => Request)): Promise<T[]> {
    return Promise.all(this.#workers.map((_, i) => this.request<T>(i, typeof request === 'function' ? request(i) : request)));
  }

  /** Sums of the latest progress reports of the message phase. */
  progress(): Progress {
    const total = { sent: 0, received: 0, bounced: 0 };
    for (const p of this.#progress) {
      total.sent += p.sent;
      total.received += p.received;
      total.bounced += p.bounced;
    }
    return total;
  }

  resetProgress(): void {
    for (const p of this.#progress) Object.assign(p, { sent: 0, received: 0, bounced: 0 });
  }

  /** Closes every session politely (bounded), then ends the workers. */
  async close(): Promise<void> {
    if (!this.#failure) await Promise.race([this.all({ type: 'close' }), new Promise((r) => setTimeout(r, 10_000))]).catch(() => undefined);
    await this.terminate();
  }

  async terminate(): Promise<void> {
    this.#failure ??= new Error('the client pool was closed');
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #onReply(worker: number, reply: WorkerReply): void {
    if ('type' in reply) {
      this.#progress[worker] = { sent: reply.sent, received: reply.received, bounced: reply.bounced };
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new Error(`client worker ${worker}: ${reply.error}`));
  }

  #failAll(err: Error): void {
    this.#failure ??= err;
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}
