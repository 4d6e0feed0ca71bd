import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Preact through Vite's own JSX transform (Oxc): no plugin, no extra dependency.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // @questline/sdk is bundled from its TypeScript source (its package exports name dist/, which only
  // `npm run build -w @questline/sdk` writes): one build step, and the app follows the SDK as edited.
  // The main entry only: `@questline/sdk/webhooks` needs node:crypto and has no place in a browser.
  resolve: {
    alias: [{ find: /^@questline\/sdk$/, replacement: fileURLToPath(new URL('../../packages/sdk/src/index.ts', import.meta.url)) }],
  },
  // `npm run dev -w apps/web`: the app on :5173 with the API of `npm start` behind it.
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/.well-known': 'http://127.0.0.1:8080' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The gateway caches /assets/* for long: names carry a content hash.
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
  },
});
