import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/sqlite/client/client.ts';
import { type Backend, Mutex } from './db.ts';
import { loadMigrations, migrateSqlite } from './migrate.ts';
import { openSqliteClient } from './sql/sqlite-client.ts';

/**
 * One turn-taking lock per file, shared by every storage opened on it in this
 * process. better-sqlite3 is synchronous: a connection waiting for SQLite's
 * file lock blocks the event loop, so another connection in this process that
 * holds the lock across an await could never finish. Across processes,
 * SQLite's own locking (with the busy timeout) does the job.
 */
const locks = new Map<string, Mutex>();

export async function openSqlite(file: string): Promise<Backend> {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  let mutex = locks.get(path);
  if (!mutex) locks.set(path, (mutex = new Mutex()));

  // Integers, not ISO strings: compact, and they compare correctly in SQL.
  const factory = new PrismaBetterSQLite3({ url: path, timeout: 5_000 }, { timestampFormat: 'unixepoch-ms' });
  await mutex.run(() => migrateSqlite(factory, loadMigrations('sqlite')));

  const db = new PrismaClient({ adapter: factory });
  await db.$connect();
  // Per-connection settings. Cascading deletes rely on foreign keys (which
  // better-sqlite3 enables by default; say so anyway). NORMAL is safe with WAL:
  // a power cut may lose the last commits but never corrupts the file.
  await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  const sql = openSqliteClient(path);

  // Also, the adapter has one connection. Its transactions hold a lock, but
  // plain queries do not wait for it and would run inside another caller's
  // open transaction; so every repository call takes its turn. SQLite allows
  // one writer at a time anyway.
  return {
    kind: 'sqlite',
    db,
    sql,
    exclusive: (fn) => mutex.run(fn),
    // Nothing to lock: calls are exclusive within this process, and SQLite
    // serialises writers across processes.
    lockAccount: async (tx, username) => (await tx.account.count({ where: { username } })) > 0,
    // In turn, so calls already made finish first.
    close: () =>
      mutex.run(async () => {
        await sql.close();
        await db.$disconnect();
      }),
  };
}
