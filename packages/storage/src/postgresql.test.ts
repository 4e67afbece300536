/**
 * Needs a server: CONEXIZAN_TEST_POSTGRES_URL, as printed by
 * scripts/ensure-postgres.sh. Each test gets a schema of its own, dropped after.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './index.ts';
import { loadMigrations } from './migrate.ts';
import { describeStorageContract } from './storage-contract.ts';

// Stored times are UTC whatever the server's zone: run in one far from UTC, so a
// local-time reading or writing anywhere (Prisma's or the lean path) shows.
process.env.TZ = 'America/St_Johns';

const url = process.env.CONEXIZAN_TEST_POSTGRES_URL;
const skip = process.env.CONEXIZAN_TEST_POSTGRES === 'off';

const schemas: string[] = [];
function freshUrl(): string {
  const schema = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  const u = new URL(url!);
  u.searchParams.set('schema', schema);
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

if (!url && !skip) {
  describe('PostgreSQL storage', () => {
    it('needs a database', () => {
      throw new Error(
        'CONEXIZAN_TEST_POSTGRES_URL is not set. From the repository root, as root: ' +
          'export CONEXIZAN_TEST_POSTGRES_URL=$(bash scripts/ensure-postgres.sh) ' +
          '(or set CONEXIZAN_TEST_POSTGRES=off to skip these tests).',
      );
    });
  });
}

describe.skipIf(!url)('PostgreSQL storage', () => {
  afterAll(() =>
    admin(async (client) => {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    }),
  );

  let last = '';
  describeStorageContract('postgresql', (onQuery, again) => openStorage({ dataDir: '/nonexistent', url: again ? last : (last = freshUrl()), onQuery }));

  describe('migrations', () => {
    it('are applied once when several servers start on an empty database at once', async () => {
      const shared = freshUrl();
      const storages = await Promise.all(
        Array.from({ length: 4 }, () => openStorage({ dataDir: '/nonexistent', url: shared })),
      );
      await storages[0]!.accounts.create('alice', []);
      for (const storage of storages) expect(await storage.accounts.list()).toEqual(['alice']);
      await Promise.all(storages.map((s) => s.close()));

      const schema = new URL(shared).searchParams.get('schema')!;
      const rows = await admin(async (client) => {
        const result = await client.query(
          `SELECT migration_name, checksum FROM ${pg.escapeIdentifier(schema)}._prisma_migrations ORDER BY migration_name`,
        );
        return result.rows;
      });
      expect(rows).toEqual(loadMigrations('postgresql').map((m) => ({ migration_name: m.name, checksum: m.checksum })));
    });

    it('keeps data across reopening', async () => {
      const shared = freshUrl();
      const first = await openStorage({ dataDir: '/nonexistent', url: shared });
      await first.accounts.create('alice', []);
      await first.close();
      const second = await openStorage({ dataDir: '/nonexistent', url: shared });
      expect(await second.accounts.list()).toEqual(['alice']);
      await second.close();
    });

    it('refuse schema names that would need quoting', async () => {
      const u = new URL(url!);
      u.searchParams.set('schema', 'Mixed Case');
      await expect(openStorage({ dataDir: '/nonexistent', url: u.toString() })).rejects.toThrow(/schema/);
    });

    it('accept the postgres:// spelling too', async () => {
      const storage = await openStorage({ dataDir: '/nonexistent', url: freshUrl().replace(/^postgresql:/, 'postgres:') });
      expect(storage.kind).toBe('postgresql');
      await storage.ping();
      await storage.close();
    });
  });
});
