import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/postgresql/client/client.ts';
import type { Backend, Db } from './db.ts';
import { loadMigrations, migratePostgresql } from './migrate.ts';
import { pgClient } from './sql/pg-client.ts';

/**
 * `url` may carry Prisma's `?schema=name` (default "public"); the tables live
 * there. Everything else in it is for node-postgres (e.g. sslmode).
 */
export async function openPostgresql(url: string): Promise<Backend> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  // Plain lower-case names only: they need no quoting in search_path below.
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`unsupported PostgreSQL schema name: ${schema}`);
  parsed.searchParams.delete('schema');
  const connectionString = parsed.toString();
  await migratePostgresql({ connectionString }, schema, loadMigrations('postgresql'));

  // The adapter qualifies Prisma's queries with the schema; search_path covers
  // the raw statements below and the lean path's (sql/pg-client.ts), which
  // shares the adapter's pool.
  const pool = new pg.Pool({ connectionString, options: `-c search_path=${schema}` });
  const adapter = new PrismaPg(pool, { schema });
  // See db.ts for why the repositories can use this client through the SQLite type.
  const db = new PrismaClient({ adapter }) as unknown as Db;
  await db.$connect();
  return {
    kind: 'postgresql',
    db,
    sql: pgClient(pool),
    exclusive: (fn) => fn(),
    lockAccount: async (tx, username) => {
      const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "accounts" WHERE "username" = ${username} FOR UPDATE`;
      return rows.length > 0;
    },
    close: async () => {
      await db.$disconnect();
      await pool.end();
    },
  };
}
