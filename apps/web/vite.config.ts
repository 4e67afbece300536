import { constants as zlib } from 'node:zlib';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

// The server serves dist/: index.html at /chat/, the rest at its own path (/assets/… hashed, cached for good),
// each file with the .br or .gz copy written here when the browser accepts it (apps/server/src/modules/website/static-files.ts).
// Build with NODE_ENV unset or "production" for the production React bundle: a build started with
// NODE_ENV=test (inside vitest) gets React's development build, which works but is bigger and slower.
export default defineConfig({
  plugins: [
    react(),
    // Compressed once at build time with the slowest, smallest settings, instead of on every request.
    compression({
      algorithms: [
        defineAlgorithm('gzip', { level: 9 }),
        defineAlgorithm('brotliCompress', { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
      ],
      exclude: [/\.(png|map)$/],
      threshold: 512,
      skipIfLargerOrEqual: true,
    }),
  ],
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 600 },
});
