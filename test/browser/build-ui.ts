// Global setup of the browser project: build the admin UI once, before any test file starts an
// agent (the same step as `npm test`'s pretest; a no-op when ui/dist is newer than its sources).
// Once per run, so two files running in parallel never build into ui/dist at the same time.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/ensure-deps.mjs'], { cwd: resolve(import.meta.dirname, '../..'), stdio: 'inherit' });
}
