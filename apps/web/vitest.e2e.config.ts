import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests (e2e/**): the built web client in Debian's Chromium
 * against a real server process, with slixmpp as a third party. They start
 * one browser and one server per file and run one file at a time (CI has two
 * cores), with long timeouts and waits on conditions.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['e2e/support/build-web.ts'],
    setupFiles: ['e2e/support/failure-shots.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
