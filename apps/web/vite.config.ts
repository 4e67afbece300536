import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves dist/ at / (apps/server/src/http/static.ts).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true },
});
