// `npm run bench -- [options]`: Cairn's throughput, latency, recovery and memory figures, and
// with `--compare etcd` the same workloads against an etcd of the same topology in the same
// run, printed side by side with the ratio Cairn / etcd. See DESIGN.md beside this file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseOptions, USAGE, type BenchOptions } from './options.ts';
import { table } from './report.ts';
import { Session } from './session.ts';
import { buildCairnServer, CairnTarget } from './targets/cairn.ts';
import { EtcdTarget } from './targets/etcd.ts';
import type { Target } from './targets/target.ts';
import { getWorkload, putWorkload } from './workloads/throughput.ts';
import { loadState, memoryAtKeys, memoryIdleWatchers, recoverWorkload, snapshotWorkload } from './workloads/state.ts';
import { watchWorkload } from './workloads/watch.ts';

function which(binary: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function version(binary: string | null): string {
  if (binary === null) return 'absent';
  try {
    return /etcd Version: (\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function machine(etcd: string | null): string {
  const cpu = cpus();
  return [
    `machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free)`,
    `node ${process.version}; etcd ${version(etcd)}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ].join('\n');
}

async function topology(s: Session, size: number, etcd: { binary: string; etcdctl: string | null } | null): Promise<void> {
  const o = s.options;
  const root = mkdtempSync(join(tmpdir(), `cairn-bench-${size}x-`));
  const targets: Target[] = [new CairnTarget({ size, root, profileDir: o.profileDir, ...(o.checkout === null ? {} : { checkout: o.checkout }) })];
  if (etcd !== null) targets.push(new EtcdTarget({ size, root, ...etcd }));
  try {
    s.log(`starting ${targets.map((t) => t.system).join(' and ')} with ${size} server(s)`);
    await Promise.all(targets.map((t) => t.start()));
    await runWorkloads(s, o, targets);
  } catch (err) {
    for (const t of targets) process.stderr.write(`--- ${t.system} logs ---\n${(t as CairnTarget | EtcdTarget).logs()}\n`);
    throw err;
  } finally {
    await Promise.all(targets.map((t) => t.stop().catch(() => undefined)));
    rmSync(root, { recursive: true, force: true });
  }
}

async function runWorkloads(s: Session, o: BenchOptions, targets: readonly Target[]): Promise<void> {
  const steps: [boolean, string, () => Promise<void>][] = [
    [o.only.has('put'), 'put', () => putWorkload(s, targets)],
    [o.only.has('get'), 'get', () => getWorkload(s, targets)],
    [o.only.has('watch'), 'watch', () => watchWorkload(s, targets)],
    [o.only.has('memory'), 'idle watchers', () => memoryIdleWatchers(s, targets)],
    [o.only.has('memory') || o.only.has('recover') || o.only.has('snapshot'), `load ${o.keys} keys`, () => loadState(s, targets)],
    [o.only.has('memory'), 'memory', () => memoryAtKeys(s, targets)],
    [o.only.has('recover'), 'recover', () => recoverWorkload(s, targets)],
    [o.only.has('snapshot'), 'snapshot', () => snapshotWorkload(s, targets)],
  ];
  for (const [selected, name, step] of steps) {
    if (!selected) continue;
    if (s.outOfTime()) {
      process.stderr.write(`bench: time bound reached; skipping ${name} with ${targets[0]!.size} server(s)\n`);
      continue;
    }
    s.log(`${name} (${targets[0]!.size} server(s))`);
    try {
      await step();
    } catch (err) {
      // One failed workload (a system that refused or fell over) must not cost the whole table.
      process.stderr.write(`bench: ${name} with ${targets[0]!.size} server(s) failed: ${(err as Error).stack ?? String(err)}\n`);
      for (const t of targets) process.stderr.write(`--- ${t.system} logs ---\n${(t as CairnTarget | EtcdTarget).logs()}\n`);
      s.fail(name, targets[0]!.size, err);
    }
  }
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return err instanceof Error && err.message === USAGE ? 0 : 2;
  }
  let etcd: { binary: string; etcdctl: string | null } | null = null;
  if (options.compare === 'etcd') {
    const binary = which('etcd');
    if (binary === null) {
      process.stderr.write('bench: --compare etcd needs an etcd binary on the PATH (Debian/Ubuntu: apt-get install etcd-server etcd-client)\n');
      return 2;
    }
    etcd = { binary, etcdctl: which('etcdctl') };
  }
  if (options.profileDir !== null) mkdirSync(options.profileDir, { recursive: true });
  buildCairnServer(options.checkout);
  const header = machine(etcd?.binary ?? null);
  process.stderr.write(`${header}\n`);
  const s = new Session(options, performance.now());
  for (const size of options.topologies) await topology(s, size, etcd);
  const minutes = (performance.now() / 60_000).toFixed(1);
  process.stdout.write(`\n${header}\nload average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${minutes} min\n\n${table(s.figures, etcd !== null)}\n`);
  if (s.failures.length === 0) return 0;
  process.stdout.write(`\nFailed (no figures):\n${s.failures.map((f) => `- ${f}`).join('\n')}\n`);
  return 1;
}

process.exitCode = await main();
