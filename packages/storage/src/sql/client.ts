/**
 * The lean path: plain SQL through the drivers Prisma's adapters use
 * (better-sqlite3, node-postgres), for the few calls on the hot paths of a
 * login, a message and a logout, where Prisma's per-call work (its query
 * compiler, the adapter's row mapping) cost more than the query itself. The
 * schema stays Prisma's (prisma/models.prisma and its migrations); the
 * statements here are written against the tables those migrations make, and
 * the storage contract tests run every repository method on both backends,
 * so a statement that drifts from the schema fails there.
 *
 * A statement is written once, with PostgreSQL's $1…$n placeholders, and
 * prepared once per connection. Values are bound the same way on both
 * backends (a Date, a boolean, a bigint, a string, null); rows come back as
 * objects keyed by column name, with the backend's own value types, which
 * the helpers in values.ts read alike.
 */
export interface Statement {
  /** unique per text: PostgreSQL prepares a statement by name on each connection */
  readonly name: string;
  readonly text: string;
}

export function statement(name: string, text: string): Statement {
  return { name, text };
}

export type SqlValue = string | number | bigint | boolean | Date | null | readonly (string | bigint | Date | null)[];

export interface SqlClient {
  readonly dialect: 'sqlite' | 'postgresql';
  all<Row>(statement: Statement, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row>(statement: Statement, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Returns the number of rows changed. */
  run(statement: Statement, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Runs `fn` in one transaction on one connection and commits when it
   * returns (rolls back when it throws). `fn` uses only the client it is given.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function code(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** A row refers to an account (or another parent) that is not there. */
export function isForeignKeyViolation(error: unknown): boolean {
  const c = code(error);
  return c === 'SQLITE_CONSTRAINT_FOREIGNKEY' || c === '23503';
}

/** A row with this key exists already. */
export function isUniqueViolation(error: unknown): boolean {
  const c = code(error);
  return c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === 'SQLITE_CONSTRAINT_UNIQUE' || c === '23505';
}
