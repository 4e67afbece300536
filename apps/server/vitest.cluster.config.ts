import { defineConfig } from 'vitest/config';

/**
 * The cluster suite (test/cluster): three `conexizan serve` nodes on one
 * domain with a real Redis and PostgreSQL, real clients on different nodes.
 * Its own turbo task (test:cluster), run by the README's test command; each
 * file starts its nodes once, and files run one at a time.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    env: { CONEXIZAN_TEST_WAIT_MS: '20000' },
  },
});
