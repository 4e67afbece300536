import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves dist/ at / (apps/server/src/http/static.ts).
// Build with NODE_ENV unset or "production" for the production React bundle: a build started with
// NODE_ENV=test (inside vitest) gets React's development build, which works but is bigger and slower.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 600 },
});
