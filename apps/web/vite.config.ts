import { defineConfig } from 'vite';

// Preact through Vite's own JSX transform (Oxc): no plugin, no extra dependency.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
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
