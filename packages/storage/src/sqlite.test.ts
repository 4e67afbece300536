import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './index.ts';
import { loadMigrations, migrateSqlite } from './migrate.ts';
import { sqlitePath } from './open-storage.ts';
import { describeStorageContract } from './storage-contract.ts';

// Stored times are UTC whatever the server's zone: run in one far from UTC, so a
// local-time reading or writing anywhere (Prisma's or the lean path) shows.
process.env.TZ = 'America/St_Johns';

const root = mkdtempSync(join(tmpdir(), 'conexizan-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `t${++n}`, 'data');

describe('SQLite storage', () => {
  let dir = '';
  describeStorageContract('sqlite', (onQuery, again) => openStorage({ dataDir: again ? dir : (dir = freshDir()), onQuery }));
});

describe('SQLite files', () => {
  it('creates the data dir and conexizan.sqlite in it, in WAL mode', async () => {
    const dataDir = freshDir();
    const storage = await openStorage({ dataDir });
    await storage.accounts.create('alice', []);
    expect(existsSync(join(dataDir, 'conexizan.sqlite'))).toBe(true);
    // The write-ahead log exists while a connection in WAL mode is open.
    expect(existsSync(join(dataDir, 'conexizan.sqlite-wal'))).toBe(true);
    await storage.close();
  });

  it('keeps data across reopening, and migrates only once', async () => {
    const dataDir = freshDir();
    const first = await openStorage({ dataDir });
    await first.accounts.create('alice', []);
    await first.close();
    const second = await openStorage({ dataDir });
    expect(await second.accounts.list()).toEqual(['alice']);
    await second.close();
  });

  it('keeps what an account owns through every migration after the first', async () => {
    // The migrations run in one transaction, where PRAGMA foreign_keys cannot be
    // turned off: a migration that redefines a table (Prisma's DROP TABLE and
    // rename for SQLite) would cascade and empty the tables that reference it.
    const dataDir = freshDir();
    mkdirSync(dataDir, { recursive: true });
    const factory = new PrismaBetterSQLite3({ url: join(dataDir, 'conexizan.sqlite') }, { timestampFormat: 'unixepoch-ms' });
    const [first, ...rest] = loadMigrations('sqlite');
    await migrateSqlite(factory, [first!]);
    const connection = await factory.connect();
    await connection.executeScript(
      `INSERT INTO accounts (username, created_at) VALUES ('alice', 1);
       INSERT INTO vcards (owner, xml) VALUES ('alice', '<vCard/>');
       INSERT INTO roster_items (owner, jid, subscription, ask_subscribe, approved, groups) VALUES ('alice', 'bob@example.org', 'both', 0, 0, '[]');`,
    );
    await connection.dispose();
    for (let i = 1; i <= rest.length; i++) await migrateSqlite(factory, [first!, ...rest.slice(0, i)]);
    const storage = await openStorage({ dataDir });
    expect(await storage.vcards.get('alice')).toBe('<vCard/>');
    expect((await storage.roster.list('alice')).map((item) => item.jid)).toEqual(['bob@example.org']);
    await storage.close();
  });

  it('survives two opens of a new file at the same time', async () => {
    const dataDir = freshDir();
    const [a, b] = await Promise.all([openStorage({ dataDir }), openStorage({ dataDir })]);
    await a.accounts.create('alice', []);
    expect(await b.accounts.list()).toEqual(['alice']);
    await Promise.all([a.close(), b.close()]);
  });

  it('takes a file: url, relative to the data dir unless absolute', async () => {
    const dataDir = freshDir();
    const storage = await openStorage({ dataDir, url: 'file:nested/custom.sqlite' });
    expect(storage.kind).toBe('sqlite');
    expect(existsSync(join(dataDir, 'nested/custom.sqlite'))).toBe(true);
    await storage.close();

    expect(sqlitePath('file:/var/lib/x.sqlite', '/data')).toBe('/var/lib/x.sqlite');
    expect(sqlitePath('file:x.sqlite?mode=rwc', '/data')).toBe('/data/x.sqlite');
    expect(sqlitePath('file:///var/lib/my%20x.sqlite', '/data')).toBe('/var/lib/my x.sqlite');
  });

  it('refuses other urls', async () => {
    await expect(openStorage({ dataDir: freshDir(), url: 'mysql://localhost/x' })).rejects.toThrow(/postgresql/);
  });
});
