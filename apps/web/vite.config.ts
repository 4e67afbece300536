import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves dist/ at / (apps/server/src/http/static.ts).
export default defineConfig(({ command, mode }) => ({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 600 },
  // A build run from inside a test runner (NODE_ENV=test, e.g. the e2e global setup) must still
  // bundle React's production build: the development one is twice the size and much slower.
  define: command === 'build' && mode !== 'development' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
}));
