import type { Backend } from '../db.ts';

/** Wraps one repository call: takes its turn on the backend and reports its duration. */
export interface Run {
  <T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** Reports the duration only, for calls that take their turn themselves (batched writes). */
  timed<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

export function makeRun(backend: Backend, onQuery?: (operation: string, ms: number) => void): Run {
  const timed = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      try {
        onQuery?.(operation, performance.now() - start);
      } catch {
        // A failing metrics hook must not turn a completed write into a reported failure.
      }
    }
  };
  const run = <T>(operation: string, fn: () => Promise<T>) => timed(operation, () => backend.exclusive(fn));
  return Object.assign(run, { timed });
}
