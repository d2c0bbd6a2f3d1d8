// Builds the admin UI into ui/dist: two pages (the app and the API reference), served by the
// agent under /ui/. Preact's automatic JSX runtime; no dev server is needed by the project.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: '/ui/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    // Swagger UI alone is over a megabyte; the warning would only repeat that.
    chunkSizeWarningLimit: 2_000,
    rolldownOptions: {
      input: { index: resolve(root, 'index.html'), api: resolve(root, 'api.html') },
      // The build is a start-up step; its per-plugin timing report is noise there.
      checks: { pluginTimings: false },
    },
  },
});
