// Precompiles the server: app/cli.ts and everything it imports from this repository (raft-wal-ts
// included) into one ES module, dist/cairn.mjs, with a source map. `npm start` and the
// benchmark run it: a start-up then loads one file instead of compiling a few hundred
// TypeScript modules through tsx's loader, which is most of what a restart costs. npm packages
// stay imports (resolved from node_modules as usual). `node scripts/build-server.mjs [ROOT]`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Builds ROOT/dist/cairn.mjs from ROOT/app/cli.ts; returns the output path. */
export async function buildServer(root = process.cwd()) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // The workspace package is ours and TypeScript: bundle it. Every other dependency stays external.
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !(pkg.workspaces ?? []).some((w) => w.endsWith(`/${name}`)));
  const outfile = join(root, 'dist/cairn.mjs');
  await build({
    entryPoints: [join(root, 'app/cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...external, ...external.map((name) => `${name}/*`)],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildServer(resolve(process.argv[2] ?? '.'));
}
