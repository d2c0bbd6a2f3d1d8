// Lint rules that carry architecture (see DESIGN.md "Boundaries"): who may import whom, and
// the determinism bans that keep the Raft core and the FSM appliers replayable.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nondeterministicGlobals = [
  { name: 'Date', message: 'Time enters the pure core only as ticks or inside commands.' },
  { name: 'setTimeout', message: 'The pure core has no timers; use ticks.' },
  { name: 'setInterval', message: 'The pure core has no timers; use ticks.' },
  { name: 'setImmediate', message: 'The pure core has no timers; use ticks.' },
  { name: 'queueMicrotask', message: 'The pure core is synchronous.' },
  { name: 'process', message: 'The pure core does no IO.' },
  { name: 'performance', message: 'The pure core has no clock.' },
  { name: 'crypto', message: 'Randomness comes from the injected Rng or the command.' },
];

const nondeterministicProperties = [
  { object: 'Math', property: 'random', message: 'Use the injected seeded Rng.' },
  { object: 'Date', property: 'now', message: 'Time enters the pure core only as ticks or inside commands.' },
];

/** Relative-import patterns that reach a top-level folder from anywhere below the root. */
const reach = (folder) => [`../${folder}/**`, `../../${folder}/**`, `../../../${folder}/**`, `../../../../${folder}/**`];

export default tseslint.config(
  { ignores: ['node_modules/**', '**/node_modules/**', 'ui/dist/**', 'dist/**', '**/*.generated.js', 'openapi/sdk/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['consensus/raft/**/*.ts', 'storage/apply/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...nondeterministicGlobals],
      'no-restricted-properties': ['error', ...nondeterministicProperties],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'net', 'os', 'crypto', 'child_process', 'timers', 'worker_threads'], message: 'The pure core does no IO.' },
            { group: [...reach('app'), ...reach('routes'), '**/host/**'], message: 'The core never imports the shell.' },
            { group: [...reach('storage'), ...reach('consensus')], message: 'consensus/ and storage/ meet only in app/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['consensus/**/*.ts'],
    ignores: ['consensus/raft/**/*.ts', 'consensus/raft-wal-ts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: [...reach('storage'), ...reach('routes'), ...reach('app')], message: 'consensus/ meets storage/ only in app/.' }] },
      ],
    },
  },
  {
    files: ['storage/**/*.ts'],
    ignores: ['storage/apply/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: [...reach('consensus'), ...reach('routes'), ...reach('app')], message: 'storage/ meets consensus/ only in app/.' }] },
      ],
    },
  },
  {
    files: ['routes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: [...reach('consensus'), ...reach('app')], message: 'routes/ sees consensus only through the Services interface.' }] },
      ],
    },
  },
  {
    files: ['consensus/raft-wal-ts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/app/**', '**/routes/**', '**/storage/**', '**/consensus/**', '**/raft/**', '**/host/**', '**/test/support/**'],
              message: 'raft-wal-ts imports nothing from the rest of Cairn.',
            },
          ],
        },
      ],
    },
  },
);
