/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { VitePWA } from 'vite-plugin-pwa';

// Built into dist/, which the Gateway serves as its web root (scripts/run.sh passes --webroot).
// Relative asset paths, so the files work wherever they are served from.

/** The worker app's manifest and icons, written to dist/app/ under fixed names and linked from its page alone. */
function workerAppFiles(): Plugin {
  const files = ['manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png'];
  return {
    name: 'opscentre-worker-app-files',
    apply: 'build',
    generateBundle() {
      for (const name of files) {
        this.emitFile({ type: 'asset', fileName: `app/${name}`, source: readFileSync(fileURLToPath(new URL(`./src/app/${name}`, import.meta.url))) });
      }
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        // Only /app/ is installable: the wall screen, the console and the public page get no manifest.
        return ctx.path.endsWith('/app/index.html')
          ? html.replace('</head>', '<link rel="manifest" href="./manifest.webmanifest"><link rel="icon" href="./icon.svg" type="image/svg+xml"><link rel="apple-touch-icon" href="./icon-192.png"></head>')
          : html;
      },
    },
  };
}

export default defineConfig({
  base: './',
  // Four pages: the wall screen (index.html), the residents' public page (public/index.html, served at /public/),
  // the operators' console (console/index.html, served at /console/) and the grid worker's app (app/index.html, /app/).
  // No static-copy folder, so public/ is a page of its own.
  publicDir: false,
  build: {
    outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500, manifest: true,
    rollupOptions: { input: { main: 'index.html', resident: 'public/index.html', console: 'console/index.html', app: 'app/index.html' } },
  },
  plugins: [
    workerAppFiles(),
    // The worker app's service worker (Workbox), at /app/sw.js with the scope /app/: it precaches only what the app's page
    // loads (from Vite's build manifest) and answers navigations under /app/ from its cache, so the app opens without a
    // network. It never sees the wall screen's, the console's or any API request.
    VitePWA({
      strategies: 'generateSW',
      filename: 'app/sw.js',
      scope: '/app/',
      manifest: false,
      injectRegister: false,
      workbox: {
        inlineWorkboxRuntime: true,
        globPatterns: ['app/**/*.{html,webmanifest,svg,png}', 'assets/**/*.{js,css}'],
        globIgnores: ['app/sw.js', '.vite/**'],
        manifestTransforms: [appOnly],
        // The precache's URLs are relative to dist/; the worker lives in dist/app/.
        modifyURLPrefix: { '': '../' },
        navigateFallback: '/app/index.html',
        navigateFallbackAllowlist: [/^\/app\//],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  server: { proxy: { '/api': 'http://127.0.0.1:5080', '/hubs': { target: 'ws://127.0.0.1:5080', ws: true } } },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});

/** Keeps the app's own files and the chunks and styles its page imports (Vite's build manifest), not the wall screen's. */
async function appOnly(entries: { url: string; size: number; revision: string | null }[]) {
  type Chunk = { file: string; imports?: string[]; css?: string[] };
  let chunks: Record<string, Chunk>;
  try {
    chunks = JSON.parse(readFileSync(fileURLToPath(new URL('./dist/.vite/manifest.json', import.meta.url)), 'utf8'));
  } catch {
    return { manifest: entries, warnings: ['no build manifest: every asset precached'] };
  }
  const keep = new Set<string>();
  const visit = (key: string): void => {
    const chunk = chunks[key];
    if (!chunk || keep.has(chunk.file)) {
      return;
    }
    keep.add(chunk.file);
    chunk.css?.forEach((c) => keep.add(c));
    chunk.imports?.forEach(visit);
  };
  visit('app/index.html');
  // Workbox has already applied modifyURLPrefix ('../') when it calls this.
  const path = (url: string): string => url.replace(/^\.\.\//, '');
  return { manifest: entries.filter((e) => path(e.url).startsWith('app/') || keep.has(path(e.url))), warnings: [] };
}
