import { defineConfig } from 'vitest/config';

/**
 * Unit tests live next to the code (src/**), interoperability tests under
 * test/**. The interop tests start real servers and real clients (slixmpp in
 * a Python process, @xmpp/client, raw sockets), so they get long timeouts and
 * run one file at a time: the CI machines have two cores.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Several server processes each: their own task (vitest.cluster.config.ts, test:cluster).
    exclude: ['test/cluster/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
