import { defineConfig } from 'vitest/config';

// One project per layer of the testing pyramid (see test/DESIGN.md). `npm test` names the
// projects that CI runs; long soaks live behind their own npm scripts.
// Native better-sqlite3 and real fsync need process isolation: pool "forks".
export default defineConfig({
  test: {
    pool: 'forks',
    passWithNoTests: true,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: { name: 'wal', include: ['consensus/raft-wal-ts/test/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        extends: true,
        test: { name: 'storage', include: ['test/storage/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: 'routes', include: ['test/routes/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: 'sim', include: ['test/sim/**/*.test.ts'], testTimeout: 300_000 },
      },
      {
        extends: true,
        // The committed OpenAPI document and SDK types against the routes, and a real validator.
        test: { name: 'openapi', include: ['test/openapi/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts', 'test/client/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Cluster tests start real server processes; two at a time fit a 2-core machine. They
          // run after the in-process projects (a later group), so the two never compete.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Builds ui/dist (when stale) and dist/cairn.mjs first (once, before any file runs).
          globalSetup: ['test/browser/build-server-and-ui.ts'],
          // One agent and one headless chromium per file, two files at a time on a 2-core machine.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'jepsen',
          include: ['test/jepsen/**/*.test.ts'],
          // A short, seeded fault schedule against real 3- and 5-server clusters (the long run is
          // `npm run jepsen`). One file at a time: each owns the whole machine's two cores.
          testTimeout: 240_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
