/**
 * Creates the benchmark's accounts in a Conexizan data dir before the server
 * starts: `node --import tsx conexizan-seed.ts ACCOUNTS.json`, configured by
 * the same CONEXIZAN_* variables as the server. It creates them as
 * `conexizan user add` does (the server's core without listeners), so the
 * stored SCRAM keys are exactly what registration makes, and writes each
 * user's roster (mutual subscriptions): on SQLite straight into the database
 * file with the server's own driver, elsewhere through storage.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, openOfflineServer } from '@conexizan/server';
import type { Account } from './target.ts';

const accounts = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as (Account & { contacts: string[] })[];
const config = loadConfig();
const fastRosters = !config.database_url; // the default SQLite file in the data dir
const server = await openOfflineServer(config);
const { accounts: service, storage } = server.core;
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
  if (!fastRosters) {
    // Rosters as two users who accepted each other's subscription have them (RFC 6121 §3).
    next = 0;
    const rosters = async () => {
      while (next < accounts.length) {
        const { username, contacts } = accounts[next++]!;
        for (const contact of contacts) {
          await storage.roster.put(username, { jid: `${contact}@${config.domain}`, name: null, subscription: 'both', askSubscribe: false, approved: false, groups: [] });
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, rosters));
  }
} finally {
  await server.close();
}
// On SQLite, one transaction for all roster items: the repository's one transaction per
// item would take minutes at 10k users × 10 contacts. Same rows as roster.put() writes.
if (fastRosters && accounts.some((a) => a.contacts.length > 0)) {
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

interface SqliteDb {
  prepare(sql: string): { run(...args: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  close(): void;
}
