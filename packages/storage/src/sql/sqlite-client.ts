import Database from 'better-sqlite3';
import type { SqlClient, SqlValue, Statement } from './client.ts';

interface Prepared {
  statement: Database.Statement;
  /** for each ? in the SQLite text, which $n of the statement it stands for (0-based) */
  order: number[];
}

/**
 * The lean path on SQLite: its own better-sqlite3 connection to the file
 * Prisma uses. The caller runs every call in its turn (the process-wide lock
 * in sqlite.ts), so this connection and Prisma's never interleave within the
 * process, and a transaction here may await without anyone else writing.
 */
export function openSqliteClient(path: string): SqlClient {
  const db = new Database(path, { timeout: 5_000 });
  // Exact 64-bit integers (sequence numbers), as Prisma's adapter reads them.
  db.defaultSafeIntegers(true);
  // The same per-connection settings as Prisma's connection (see sqlite.ts).
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  const prepared = new Map<Statement, Prepared>();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

  const prepare = (s: Statement): Prepared => {
    let p = prepared.get(s);
    if (!p) {
      const order: number[] = [];
      const text = s.text.replace(/\$(\d+)/g, (_, n: string) => {
        order.push(Number(n) - 1);
        return '?';
      });
      p = { statement: db.prepare(text), order };
      prepared.set(s, p);
    }
    return p;
  };
  const args = (p: Prepared, params: readonly SqlValue[]) => p.order.map((i) => bind(params[i]));

  const client: SqlClient = {
    dialect: 'sqlite',
    all: async <Row>(s: Statement, params: readonly SqlValue[] = []) => {
      const p = prepare(s);
      return p.statement.all(...args(p, params)) as Row[];
    },
    get: async <Row>(s: Statement, params: readonly SqlValue[] = []) => {
      const p = prepare(s);
      return p.statement.get(...args(p, params)) as Row | undefined;
    },
    run: async (s, params = []) => {
      const p = prepare(s);
      return p.statement.run(...args(p, params)).changes;
    },
    transaction: async (fn) => {
      begin.run();
      try {
        const result = await fn(client);
        commit.run();
        return result;
      } catch (error) {
        if (db.inTransaction) rollback.run();
        throw error;
      }
    },
    close: async () => {
      db.close();
    },
  };
  return client;
}

/** As Prisma's adapter stores them: DateTime as milliseconds, Boolean as 0/1. */
function bind(value: SqlValue | undefined): unknown {
  if (value === undefined) throw new Error('a statement parameter is missing');
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) throw new Error('SQLite takes no array parameters');
  return value;
}
