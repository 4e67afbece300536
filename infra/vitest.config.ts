import { defineConfig } from 'vitest/config';

/**
 * The infra tests build the container image with Podman and start it, run
 * podman-compose and kubectl: slow, and one at a time on two cores. The
 * image build alone may take ten minutes on a cold cache.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 30 * 60_000,
    fileParallelism: false,
  },
});
