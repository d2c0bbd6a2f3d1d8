// Makes `npm start` and `npm test` work on a fresh clone: installs the locked dependencies
// when they are missing (or older than the lock file), and does nothing otherwise.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.error('cairn: installing dependencies (npm ci; better-sqlite3 compiles from source, about a minute)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
