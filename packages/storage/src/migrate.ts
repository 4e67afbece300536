/**
 * Applies the committed migrations (prisma/migrations/<provider>/<name>/migration.sql)
 * when storage opens. Prisma's own `migrate deploy` is a CLI that cannot run
 * offline without a native engine, and its offline "js" engine in 6.19 runs a
 * SQLite migration as a single statement and splits PostgreSQL ones on ";"
 * outside a transaction, so this small applier does it instead.
 *
 * It keeps Prisma's bookkeeping table `_prisma_migrations` (same columns and
 * checksums) and PostgreSQL advisory lock key, so the Prisma CLI sees the same
 * state and never runs at the same time as this.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import pg from 'pg';

export interface Migration {
  name: string;
  sql: string;
  /** sha256 of the file, hex, as Prisma computes it. */
  checksum: string;
}

export function loadMigrations(provider: 'sqlite' | 'postgresql'): Migration[] {
  const dir = new URL(`../prisma/migrations/${provider}/`, import.meta.url);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(new URL(`${name}/migration.sql`, dir), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const appliedQuery = `SELECT "migration_name" FROM "_prisma_migrations"
  WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`;
const recordQuery = (param: (n: number) => string, now: string) =>
  `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count")
   VALUES (${param(1)}, ${param(2)}, ${param(3)}, ${now}, ${now}, 1)`;

/** Returns the names of the migrations it applied. */
export async function migrateSqlite(factory: PrismaBetterSQLite3, migrations: Migration[]): Promise<string[]> {
  const adapter = await factory.connect();
  const query = (sql: string, args: string[] = []) =>
    adapter.queryRaw({ sql, args, argTypes: args.map(() => ({ scalarType: 'string', arity: 'scalar' })) });
  try {
    // WAL lets readers carry on while the server writes; it is stored in the file.
    await adapter.executeScript('PRAGMA journal_mode = WAL');
    // IMMEDIATE takes the write lock before reading what was applied, so a
    // second process opening the same file waits and then finds nothing to do.
    await adapter.executeScript('BEGIN IMMEDIATE');
    try {
      await adapter.executeScript(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id" TEXT PRIMARY KEY NOT NULL,
        "checksum" TEXT NOT NULL,
        "finished_at" DATETIME,
        "migration_name" TEXT NOT NULL,
        "logs" TEXT,
        "rolled_back_at" DATETIME,
        "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
        "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
      const applied = new Set((await query(appliedQuery)).rows.map((row) => String(row[0])));
      const pending = migrations.filter((m) => !applied.has(m.name));
      for (const m of pending) {
        await adapter.executeScript(m.sql);
        await query(recordQuery(() => '?', 'current_timestamp'), [randomUUID(), m.checksum, m.name]);
      }
      await adapter.executeScript('COMMIT');
      return pending.map((m) => m.name);
    } catch (error) {
      await adapter.executeScript('ROLLBACK');
      throw error;
    }
  } finally {
    await adapter.dispose();
  }
}

/** Prisma Migrate's advisory lock key, so that its CLI and this exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369;

/** Returns the names of the migrations it applied. */
export async function migratePostgresql(
  connection: pg.ClientConfig,
  schema: string,
  migrations: Migration[],
): Promise<string[]> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    // One transaction for everything: DDL is transactional on PostgreSQL, so a
    // failed migration leaves nothing behind, and the transaction-scoped lock
    // makes a second server starting at the same time wait, then find nothing to do.
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK]);
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      // Only create what is missing: the role may lack CREATE on the database.
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
      await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum" VARCHAR(64) NOT NULL,
        "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL,
        "logs" TEXT,
        "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
      const applied = new Set((await client.query(appliedQuery)).rows.map((row) => String(row.migration_name)));
      const pending = migrations.filter((m) => !applied.has(m.name));
      for (const m of pending) {
        // Without parameters pg uses the simple protocol, which runs a whole script.
        await client.query(m.sql);
        await client.query(recordQuery((n) => `$${n}`, 'now()'), [randomUUID(), m.checksum, m.name]);
      }
      await client.query('COMMIT');
      return pending.map((m) => m.name);
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } finally {
    await client.end();
  }
}
