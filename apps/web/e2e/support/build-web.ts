import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * Vitest global setup: builds the web client into apps/web/dist, where the
 * server serves it at `/`, so the tests always drive the current sources
 * (on a fresh clone nothing else builds it before `turbo run test`).
 * CONEXIZAN_E2E_SKIP_BUILD=1 reuses an existing dist/ while iterating on tests.
 */
export default async function buildWebClient(): Promise<void> {
  if (process.env.CONEXIZAN_E2E_SKIP_BUILD === '1') return;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  await build({ root, configFile: resolve(root, 'vite.config.ts'), logLevel: 'warn' });
}
