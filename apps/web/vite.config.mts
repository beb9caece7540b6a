import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The UI is built into dist/web, which the query service serves at `/` (apps/query/src/web-ui).
// Everything is bundled: no CDN, so it works on a machine without internet.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: { proxy: { '/api': 'http://127.0.0.1:9280', '/status': 'http://127.0.0.1:9280' } },
});
