// Creates a migration for BOTH providers from the change between the models the
// committed migrations produce (prisma/migrations/models.snapshot.prisma) and
// prisma/models.prisma, then updates that snapshot.
//
// Why a snapshot rather than Prisma's usual replay into a shadow database: the
// offline "js" schema engine of Prisma 6.19 cannot do that replay (on SQLite it
// runs a whole migration as one statement; on PostgreSQL it cannot read the
// catalogue's `name` columns, prisma/orm#27403). A schema-to-schema diff needs
// no database, except that on PostgreSQL the CLI asks the server its version.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageDir, prisma, providers, schemaFor } from './prisma.ts';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: pnpm --filter @conexizan/storage migration:new <snake_case_name>');
  process.exit(1);
}
if (!process.env.CONEXIZAN_TEST_POSTGRES_URL) {
  console.error('set CONEXIZAN_TEST_POSTGRES_URL first: export CONEXIZAN_TEST_POSTGRES_URL=$(sudo scripts/ensure-postgres.sh)');
  process.exit(1);
}

const models = readFileSync(join(packageDir, 'prisma/models.prisma'), 'utf8');
const snapshot = join(packageDir, 'prisma/migrations/models.snapshot.prisma');
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const tmp = mkdtempSync(join(tmpdir(), 'conexizan-migration-'));

try {
  for (const provider of providers) {
    const migrations = join(packageDir, 'prisma/migrations', provider);
    mkdirSync(migrations, { recursive: true });
    const lock = join(migrations, 'migration_lock.toml');
    if (!existsSync(lock)) writeFileSync(lock, `provider = "${provider}"\n`);

    const to = join(tmp, `${provider}.to.prisma`);
    writeFileSync(to, schemaFor(provider, models));
    const from = ['--from-empty'];
    if (existsSync(snapshot)) {
      writeFileSync(join(tmp, `${provider}.from.prisma`), schemaFor(provider, readFileSync(snapshot, 'utf8')));
      from.splice(0, 1, '--from-schema-datamodel', join(tmp, `${provider}.from.prisma`));
    }
    const out = join(tmp, `${provider}.sql`);
    prisma(provider, ['migrate', 'diff', ...from, '--to-schema-datamodel', to, '--script', '--output', out]);

    const sql = readFileSync(out, 'utf8');
    if (sql.includes('-- This is an empty migration.')) {
      console.log(`${provider}: no change`);
      continue;
    }
    const dir = join(migrations, `${stamp}_${name}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'migration.sql'), sql);
    console.log(`${provider}: wrote ${dir}/migration.sql`);
  }
  writeFileSync(snapshot, models);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
