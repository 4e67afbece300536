import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from './migrate.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('committed migrations', () => {
  it('match prisma/models.prisma (else run `pnpm --filter @conexizan/storage migration:new <name>`)', () => {
    expect(read('prisma/models.prisma'), 'models changed without a migration').toBe(
      read('prisma/migrations/models.snapshot.prisma'),
    );
  });

  it('exist under the same names for both providers, in order', () => {
    const sqlite = loadMigrations('sqlite').map((m) => m.name);
    expect(sqlite.length).toBeGreaterThan(0);
    expect(loadMigrations('postgresql').map((m) => m.name)).toEqual(sqlite);
    expect([...sqlite].sort()).toEqual(sqlite);
  });

  it("carry Prisma's checksum, so the Prisma CLI agrees on what is applied", () => {
    for (const m of loadMigrations('sqlite')) {
      expect(m.checksum).toBe(createHash('sha256').update(read(`prisma/migrations/sqlite/${m.name}/migration.sql`)).digest('hex'));
    }
  });
});
