import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup: builds the web client from the current sources into
 * a directory of the tests' own (e2e/.web-dist), which the test servers
 * serve at `/` (web_root). apps/web/dist is left alone: someone building it
 * meanwhile would otherwise empty it under a running test, and on a fresh
 * clone nothing else builds it before `turbo run test:e2e`.
 * CONEXIZAN_E2E_SKIP_BUILD=1 reuses the last build while iterating on tests.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = join(ROOT, 'e2e/.web-dist');

export default async function buildWebClient(project: TestProject): Promise<void> {
  if (process.env.CONEXIZAN_E2E_SKIP_BUILD !== '1' || !existsSync(join(WEB_DIST, 'index.html'))) {
    // Test what users get: inside vitest NODE_ENV is "test", which would bundle React's development build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir: WEB_DIST, emptyOutDir: true } });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
  }
  project.provide('webRoot', WEB_DIST);
}

declare module 'vitest' {
  export interface ProvidedContext {
    webRoot: string;
  }
}
