import type { Prisma, PrismaClient } from './generated/sqlite/client/client.ts';
import type { SqlClient } from './sql/client.ts';

/**
 * The client type the repositories are written against, once for both backends.
 * Both generated clients come from the same models, and the SQLite client's API
 * is the narrower one (e.g. it only knows the Serializable isolation level), so
 * code that type-checks against it also runs on PostgreSQL. TypeScript cannot
 * prove the PostgreSQL client assignable (its generic types are distinct), so
 * postgresql.ts casts; the shared behaviour tests run on both to back that up.
 */
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export interface Backend {
  readonly kind: 'sqlite' | 'postgresql';
  readonly db: Db;
  /** The lean path for hot calls (sql/client.ts), on the same database. */
  readonly sql: SqlClient;
  /** Runs a repository call, exclusively where the driver needs that (SQLite). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Locks the account's row until the end of `tx`, so that writes which depend
   * on the account's state (credentials, roster version, offline count) are
   * serialised per user. Returns false if there is no such account.
   */
  lockAccount(tx: Tx, username: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Generous limits: a transaction may wait for a per-user row lock, and on
 * PostgreSQL for a free pooled connection.
 */
export const transactionOptions = { maxWait: 10_000, timeout: 15_000 } as const;

/** Thrown inside a transaction to roll it back when there turns out to be nothing to do. */
export class Rollback<T> extends Error {
  constructor(readonly result: T) {
    super('rollback');
  }
}

export async function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db.$transaction(fn, transactionOptions);
  } catch (error) {
    if (error instanceof Rollback) return error.result as T;
    throw error;
  }
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Prisma's "unique constraint failed". */
export const isUniqueViolation = (error: unknown) => hasCode(error, 'P2002');
/** Prisma's "record to update/delete not found". */
export const isNotFound = (error: unknown) => hasCode(error, 'P2025');
/** Prisma's "foreign key constraint failed" (e.g. a row for an account that is gone). */
export const isForeignKeyViolation = (error: unknown) => hasCode(error, 'P2003');

/** A FIFO lock for async code: one holder at a time. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
