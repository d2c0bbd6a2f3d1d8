// The large-state figures: load N keys (transactions of 128 puts, spread over the servers),
// resident memory at N keys and with 10 000 idle watchers, restart-to-serving time, and
// snapshot save/restore. Runs once per topology (loading a million keys is minutes of work);
// the timed steps are repeated.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inTurn, push, type Runs, type Session } from '../session.ts';
import type { Target } from '../targets/target.ts';
import { preload, randomValue } from './throughput.ts';
import { armWatchers, seedKeys } from './watch.ts';

/** Transactions in flight while loading (enough to keep both systems' group commit busy). */
const LOAD_CONCURRENCY = 16;
/** Idle blocking queries / watch streams for the memory figure. */
const IDLE_WATCHERS = 10_000;
/** After loading, background work (snapshots, compaction) gets this long before memory is read. */
const SETTLE_MS = 5_000;

const keyName = (i: number): string => `bench/state/${String(i).padStart(8, '0')}`;
const maxRss = (t: Target): number => Math.max(...t.rssMiB());

export async function loadState(s: Session, targets: readonly Target[]): Promise<void> {
  const n = s.options.keys;
  const keys = Array.from({ length: n }, (_, i) => keyName(i));
  const rate: Runs = {};
  for (const t of targets) {
    const t0 = performance.now();
    await preload([t], keys, randomValue, LOAD_CONCURRENCY);
    const seconds = (performance.now() - t0) / 1000;
    s.log(`${t.system} ${t.size}x loaded ${n} keys in ${seconds.toFixed(1)} s`);
    push(rate, t, n / seconds);
  }
  s.record({ workload: 'memory', name: `load ${n} keys (txn of 128, 16 in flight)`, servers: targets[0]!.size, unit: 'keys/s', better: 'higher' }, rate);
}

export async function memoryAtKeys(s: Session, targets: readonly Target[]): Promise<void> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const rss: Runs = {};
  for (const t of targets) push(rss, t, maxRss(t));
  s.record({ workload: 'memory', name: `RSS at ${s.options.keys} keys (largest server)`, servers: targets[0]!.size, unit: 'MiB', better: 'lower' }, rss);
}

export async function memoryIdleWatchers(s: Session, targets: readonly Target[]): Promise<void> {
  const rss: Runs = {};
  const errors: Runs = {};
  for (const t of targets) {
    const prefix = 'bench/idle';
    await seedKeys(t, prefix, IDLE_WATCHERS);
    let failed = 0;
    const group = await armWatchers(t, IDLE_WATCHERS, prefix, () => {}, () => failed++);
    push(rss, t, maxRss(t));
    push(errors, t, failed);
    await group.close();
  }
  const servers = targets[0]!.size;
  s.record({ workload: 'memory', name: `RSS with ${IDLE_WATCHERS} idle watchers (largest server)`, servers, unit: 'MiB', better: 'lower' }, rss);
  s.record({ workload: 'memory', name: `${IDLE_WATCHERS} idle watchers: errors`, servers, unit: 'count', better: 'lower' }, errors);
}

export async function recoverWorkload(s: Session, targets: readonly Target[]): Promise<void> {
  const times: Runs = {};
  for (let rep = 0; rep < s.options.repeat && !s.outOfTime(); rep++) {
    for (const t of inTurn(targets, rep)) {
      // A follower in a cluster (the leader's restart would time an election as well).
      const victim = t.size === 1 ? 0 : ((await t.leader()) + 1) % t.size;
      const ms = await t.restart(victim, keyName(s.options.keys - 1));
      s.log(`${t.system} ${t.size}x restart of server ${victim + 1} serving after ${ms.toFixed(0)} ms`);
      push(times, t, ms / 1000);
    }
  }
  const who = targets[0]!.size === 1 ? 'the server' : 'a follower';
  s.record({ workload: 'recover', name: `kill -9 + restart of ${who} at ${s.options.keys} keys → serving reads`, servers: targets[0]!.size, unit: 's', better: 'lower' }, times);
}

export async function snapshotWorkload(s: Session, targets: readonly Target[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-snap-'));
  const save: Runs = {};
  const restore: Runs = {};
  const size: Runs = {};
  let etcdNote: string | undefined;
  try {
    for (let rep = 0; rep < s.options.repeat && !s.outOfTime(); rep++) {
      for (const t of inTurn(targets, rep)) {
        const file = join(dir, `${t.system}-${rep}.snap`);
        let t0 = performance.now();
        const saved = await t.snapshotSave(file);
        if (typeof saved === 'string') {
          etcdNote = saved;
          continue;
        }
        push(save, t, (performance.now() - t0) / 1000);
        push(size, t, statSync(file).size / (1024 * 1024));
        t0 = performance.now();
        await t.snapshotRestore(file);
        push(restore, t, (performance.now() - t0) / 1000);
        s.log(`${t.system} ${t.size}x snapshot save ${save[t.system]!.at(-1)!.toFixed(1)} s, restore ${restore[t.system]!.at(-1)!.toFixed(1)} s`);
        rmSync(file);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = { workload: 'snapshot', servers: targets[0]!.size };
  const etcdKind = targets.find((t) => t.system === 'etcd')?.restoreKind;
  s.record({ ...base, name: `snapshot save at ${s.options.keys} keys`, unit: 's', better: 'lower' }, save, etcdNote);
  s.record({ ...base, name: `snapshot size`, unit: 'MiB', better: 'lower' }, size, etcdNote);
  s.record({ ...base, name: `snapshot restore (Cairn: online, whole cluster${etcdKind ? `; etcd: ${etcdKind}` : ''})`, unit: 's', better: 'lower' }, restore, etcdNote);
}
