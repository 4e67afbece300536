import { defineConfig } from 'vitest/config';

// CI runs on two shared cores: a test that takes 1 s alone may take 10 under load.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000 } });
