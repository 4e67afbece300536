import type { Backend } from '../db.ts';

/** Wraps one repository call: takes its turn on the backend and reports its duration. */
export type Run = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

export function makeRun(backend: Backend, onQuery?: (operation: string, ms: number) => void): Run {
  return async (operation, fn) => {
    const start = performance.now();
    try {
      return await backend.exclusive(fn);
    } finally {
      try {
        onQuery?.(operation, performance.now() - start);
      } catch {
        // A failing metrics hook must not turn a completed write into a reported failure.
      }
    }
  };
}
