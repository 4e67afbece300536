// Builds one Prisma schema per provider from prisma/models.prisma (the single
// source of truth) and generates a client for each into src/generated/.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir, prisma, providers, schemaFor } from './prisma.ts';

const models = readFileSync(join(packageDir, 'prisma/models.prisma'), 'utf8');
for (const provider of providers) {
  const dir = join(packageDir, 'src/generated', provider);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'schema.prisma'), schemaFor(provider, models));
  prisma(provider, ['generate']);
}
