/**
 * Creates the benchmark's accounts in a Conexizan data dir before the server
 * starts: `node --import tsx conexizan-seed.ts ACCOUNTS.json`, configured by
 * the same CONEXIZAN_* variables as the server. It creates them as
 * `conexizan user add` does (the server's core without listeners), so the
 * stored SCRAM keys are exactly what registration makes, and writes each
 * user's roster (mutual subscriptions) straight into the database, in bulk:
 * the same rows roster.put() writes, without a transaction per item (which
 * would take minutes at 10k users × 10 contacts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, openOfflineServer } from '@conexizan/server';
import pg from 'pg';
import type { Account } from './target.ts';

const accounts = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as (Account & { contacts: string[] })[];
const config = loadConfig();
const postgres = /^postgres(ql)?:/.test(config.database_url);
const server = await openOfflineServer(config);
const { accounts: service } = server.core;
try {
  // A few at a time: key derivation runs on libuv's pool while storage writes queue up.
  let next = 0;
  const worker = async () => {
    while (next < accounts.length) {
      const { username, password } = accounts[next++]!;
      await service.create(username, password, { ignoreReservation: true });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
} finally {
  await server.close();
}
const withRosters = accounts.filter((a) => a.contacts.length > 0);
if (postgres && withRosters.length > 0) await postgresRosters();
if (!postgres && withRosters.length > 0) {
  const storageRequire = createRequire(fileURLToPath(import.meta.resolve('@conexizan/storage')));
  const Database = createRequire(storageRequire.resolve('@prisma/adapter-better-sqlite3'))('better-sqlite3') as new (file: string) => SqliteDb;
  const db = new Database(join(resolve(config.data_dir), 'conexizan.sqlite'));
  const insert = db.prepare(`INSERT INTO roster_items (owner, jid, name, subscription, ask_subscribe, approved, groups) VALUES (?, ?, NULL, 'both', 0, 0, '[]')`);
  const bump = db.prepare('UPDATE accounts SET roster_version = ? WHERE username = ?');
  db.transaction(() => {
    for (const { username, contacts } of accounts) {
      for (const contact of contacts) insert.run(username, `${contact}@${config.domain}`);
      bump.run(contacts.length, username);
    }
  })();
  db.close();
}

/** The same rows on PostgreSQL, a few thousand per statement, in one transaction. */
async function postgresRosters(): Promise<void> {
  const url = new URL(config.database_url);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (let start = 0; start < withRosters.length; start += 1000) {
      const chunk = withRosters.slice(start, start + 1000);
      const owners = chunk.flatMap((a) => a.contacts.map(() => a.username));
      const jids = chunk.flatMap((a) => a.contacts.map((c) => `${c}@${config.domain}`));
      await client.query(
        `INSERT INTO roster_items (owner, jid, name, subscription, ask_subscribe, approved, groups) SELECT o, j, NULL, 'both', false, false, '[]' FROM unnest($1::text[], $2::text[]) AS u(o, j)`,
        [owners, jids],
      );
      await client.query('UPDATE accounts SET roster_version = u.v FROM unnest($1::text[], $2::bigint[]) AS u(n, v) WHERE username = u.n', [chunk.map((a) => a.username), chunk.map((a) => a.contacts.length)]);
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

interface SqliteDb {
  prepare(sql: string): { run(...args: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  close(): void;
}
