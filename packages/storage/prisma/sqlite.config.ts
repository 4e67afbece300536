// Prisma CLI config for the SQLite schema. The "js" engine with a driver adapter
// keeps the CLI from downloading its native schema engine (impossible offline).
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  // Migrations are diffed in a throw-away in-memory shadow database.
  adapter: async () => new PrismaBetterSQLite3({ url: ':memory:' }),
  schema: '../src/generated/sqlite/schema.prisma',
  migrations: { path: './migrations/sqlite' },
});
