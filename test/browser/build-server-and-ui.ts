// Global setup of the browser project: build the admin UI and the precompiled server once,
// before any test file starts an agent (the same steps as `npm start`'s prestart; the UI build
// is a no-op when ui/dist is newer than its sources). Once per run, so two files running in
// parallel never build into ui/dist or dist/ at the same time.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  const cwd = resolve(import.meta.dirname, '../..');
  for (const script of ['scripts/ensure-deps.mjs', 'scripts/build-server.mjs']) execFileSync(process.execPath, [script], { cwd, stdio: 'inherit' });
}
