import { defineConfig } from 'vitest/config';

// Unit and component tests only; the end-to-end suite under e2e/ has its own config.
export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'happy-dom',
    setupFiles: ['src/test-setup.ts'],
  },
});
