import pg from 'pg';
import type { SqlClient, SqlValue, Statement } from './client.ts';

const TIMESTAMP = 1114;

/**
 * Prisma keeps DateTime in `timestamp(3)` columns (no time zone), in UTC;
 * node-postgres would read them as local time. Per query, so that Prisma's
 * own queries on the same pool are left alone.
 */
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === TIMESTAMP ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format as 'text'),
};

/**
 * The lean path on PostgreSQL: named prepared statements on the pool that
 * Prisma's adapter uses too (its search_path picks the schema).
 */
export function pgClient(pool: pg.Pool): SqlClient {
  const on = (queryable: pg.Pool | pg.PoolClient): SqlClient => {
    const query = async <Row>(s: Statement, params: readonly SqlValue[]) =>
      queryable.query<Row & pg.QueryResultRow>({ name: s.name, text: s.text, values: params.map(bind), types } as pg.QueryConfig);
    return {
      dialect: 'postgresql',
      all: async <Row>(s: Statement, params: readonly SqlValue[] = []) => (await query<Row>(s, params)).rows,
      get: async <Row>(s: Statement, params: readonly SqlValue[] = []) => (await query<Row>(s, params)).rows[0],
      run: async (s, params = []) => (await query(s, params)).rowCount ?? 0,
      transaction: async (fn) => {
        if (queryable !== pool) return fn(on(queryable));
        const connection = await pool.connect();
        try {
          await connection.query('BEGIN');
          const result = await fn(on(connection));
          await connection.query('COMMIT');
          return result;
        } catch (error) {
          await connection.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          connection.release();
        }
      },
      // The pool is Prisma's to end (postgresql.ts).
      close: async () => undefined,
    };
  };
  return on(pool);
}

/** Dates as UTC text (the columns have no zone), 64-bit integers as text. */
function bind(value: SqlValue): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v));
  return value;
}
