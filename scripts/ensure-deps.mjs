// Makes `npm start` and `npm test` work on a fresh clone: installs the locked dependencies
// when they are missing (or older than the lock file), and builds the admin UI (ui/dist) when
// it is missing or older than its sources. Does nothing when both are current.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.error('cairn: installing dependencies (npm ci; better-sqlite3 compiles from source, about a minute)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}

/** The newest modification time under `path` (a file or a directory tree). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

// The UI bundles the committed OpenAPI document for its API reference page, so it counts too.
const uiInputs = ['ui/src', 'ui/index.html', 'ui/api.html', 'ui/vite.config.ts', 'openapi/consul-api.json', 'package-lock.json'];
const built = 'ui/dist/index.html';
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...uiInputs.map(newest))) {
  console.error('cairn: building the admin UI (ui/dist)…');
  const { build } = await import('vite');
  await build({ configFile: 'ui/vite.config.ts' });
}
