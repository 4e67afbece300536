import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './index.ts';
import { sqlitePath } from './open-storage.ts';
import { describeStorageContract } from './storage-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'conexizan-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `t${++n}`, 'data');

describe('SQLite storage', () => {
  describeStorageContract('sqlite', (onQuery) => openStorage({ dataDir: freshDir(), onQuery }));
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
