// Prisma CLI config for the PostgreSQL schema; see sqlite.config.ts for why "js".
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';


export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  // Only `migrate diff` connects: it needs a server to host a throw-away shadow database.
  adapter: async () => {
    const url = process.env.CONEXIZAN_TEST_POSTGRES_URL;
    if (!url) throw new Error('set CONEXIZAN_TEST_POSTGRES_URL (run scripts/ensure-postgres.sh, it prints one)');
    return new PrismaPg({ connectionString: url });
  },
  schema: '../src/generated/postgresql/schema.prisma',
  migrations: { path: './migrations/postgresql' },
});
