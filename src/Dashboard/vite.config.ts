import { defineConfig } from 'vitest/config';

// Built into dist/, which the Gateway serves as its web root (scripts/run.sh passes --webroot).
// Relative asset paths, so the files work wherever they are served from.
export default defineConfig({
  base: './',
  // Three pages: the wall screen (index.html), the residents' public page (public/index.html, served at /public/) and
  // the operators' console (console/index.html, served at /console/).
  // No static-copy folder, so public/ is a page of its own.
  publicDir: false,
  build: {
    outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500,
    rollupOptions: { input: { main: 'index.html', resident: 'public/index.html', console: 'console/index.html' } },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5080', '/hubs': { target: 'ws://127.0.0.1:5080', ws: true } } },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
