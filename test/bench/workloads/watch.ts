// watch: W watchers, each blocking on its own key (Cairn: a blocking GET ?index= per watcher;
// etcd: one /v3/watch stream per watcher), spread over all servers. One writer updates the
// keys in turn, each write carrying its sequence number; a watcher that sees value k records
// now − (start of write k). Writes to a key whose watcher has not re-armed yet may coalesce
// (Consul's contract); such writes count as coalesced, not lost.
import { boundedAll } from '../load.ts';
import { inTurn, push, type Runs, type Session } from '../session.ts';
import { percentile, sortedCopy } from '../stats.ts';
import type { Target, WatchGroup } from '../targets/target.ts';
import { preload } from './throughput.ts';

/** Watchers armed at once; arming 10 000 at a time would be a connection storm, not a benchmark. */
const ARM_CONCURRENCY = 200;
/** Writes per run: every key once, and at least this many. */
const MIN_WRITES = 1_000;
/** After the last write, notifications still in flight get this long to arrive. */
const DRAIN_MS = 5_000;
/** Pause after arming so that the last blocking requests are parked on the servers. */
const SETTLE_MS = 1_000;

export interface WatchRun {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly notified: number;
  readonly lost: number;
  readonly errors: number;
  readonly rssBeforeMiB: number;
  readonly rssAfterMiB: number;
}

/** Arms `count` watchers on keys `${prefix}/${i}` (which must exist), spread over the servers. */
export async function armWatchers(t: Target, count: number, prefix: string, onValue: (i: number, value: string) => void, onError: (err: unknown) => void): Promise<WatchGroup> {
  const group = t.watchGroup(Math.ceil(count / t.size));
  const indexes = Array.from({ length: count }, (_, i) => i);
  await boundedAll(indexes, ARM_CONCURRENCY, async (i) => {
    await group.watch(i % t.size, `${prefix}/${i}`, { onValue: (v) => onValue(i, v), onError }).armed;
  });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return group;
}

export async function watchRun(t: Target, watchers: number, prefix: string): Promise<WatchRun> {
  const writes = Math.max(MIN_WRITES, watchers);
  const started = new Float64Array(writes).fill(NaN);
  const latencies: number[] = [];
  let errors = 0;
  let lastSeen = -1;
  const highest = new Float64Array(watchers).fill(-1);
  const group = await armWatchers(t, watchers, prefix, (i, value) => {
    const k = Number(value);
    if (!Number.isInteger(k) || k < 0 || k >= writes) return; // the seed value
    latencies.push(performance.now() - started[k]!);
    highest[i] = Math.max(highest[i]!, k);
    lastSeen = Math.max(lastSeen, k);
  }, () => errors++);
  const rssBefore = Math.max(...t.rssMiB());
  try {
    for (let k = 0; k < writes; k++) {
      started[k] = performance.now();
      await t.put(k % t.size, `${prefix}/${k % watchers}`, Buffer.from(String(k))).catch(() => errors++);
    }
    const drainEnd = performance.now() + DRAIN_MS;
    while (lastSeen < writes - 1 && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await group.close();
  }
  const sorted = sortedCopy(latencies);
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    notified: latencies.length,
    lost: lostLastWrites(highest, writes),
    errors,
    rssBeforeMiB: rssBefore,
    rssAfterMiB: Math.max(...t.rssMiB()),
  };
}

/** Keys whose watcher never saw the last write to it (earlier writes may coalesce into the last). */
function lostLastWrites(highest: Float64Array, writes: number): number {
  let lost = 0;
  for (let i = 0; i < highest.length; i++) {
    const last = i + highest.length * Math.floor((writes - 1 - i) / highest.length);
    if (highest[i]! < last) lost++;
  }
  return lost;
}

export async function watchWorkload(s: Session, targets: readonly Target[]): Promise<void> {
  const servers = targets[0]!.size;
  for (const w of s.options.watchers) {
    const figures: Record<'p50' | 'p99' | 'lost' | 'errors' | 'growth', Runs> = { p50: {}, p99: {}, lost: {}, errors: {}, growth: {} };
    for (let rep = 0; rep < s.options.repeat && !s.outOfTime(); rep++) {
      for (const t of inTurn(targets, rep)) {
        const prefix = `bench/watch/w${w}/r${rep}`;
        await seedKeys(t, prefix, w);
        const r = await watchRun(t, w, prefix);
        s.log(`${t.system} ${t.size}x watch ${w}: p50 ${r.p50Ms.toFixed(2)} p99 ${r.p99Ms.toFixed(2)} ms, ${r.notified} notified, lost ${r.lost}, errors ${r.errors}, RSS ${r.rssBeforeMiB.toFixed(0)} → ${r.rssAfterMiB.toFixed(0)} MiB`);
        push(figures.p50, t, r.p50Ms);
        push(figures.p99, t, r.p99Ms);
        push(figures.lost, t, r.lost);
        push(figures.errors, t, r.errors);
        push(figures.growth, t, r.rssAfterMiB - r.rssBeforeMiB);
      }
    }
    const base = { workload: 'watch', servers };
    s.record({ ...base, name: `watch ${w} watchers notify p50`, unit: 'ms', better: 'lower' }, figures.p50);
    s.record({ ...base, name: `watch ${w} watchers notify p99`, unit: 'ms', better: 'lower' }, figures.p99);
    s.record({ ...base, name: `watch ${w} watchers errors + lost`, unit: 'count', better: 'lower' }, sum(figures.errors, figures.lost));
    s.record({ ...base, name: `watch ${w} watchers RSS growth during the run`, unit: 'MiB', better: 'lower' }, figures.growth);
  }
}

function sum(a: Runs, b: Runs): Runs {
  const out: Runs = {};
  for (const k of Object.keys(a) as (keyof Runs)[]) out[k] = a[k]!.map((v, i) => v + (b[k]?.[i] ?? 0));
  return out;
}

/** Every watched key exists before its watcher arms (so its first read has a value and an index). */
export async function seedKeys(t: Target, prefix: string, count: number): Promise<void> {
  await preload([t], Array.from({ length: count }, (_, i) => `${prefix}/${i}`), () => Buffer.from('seed'));
}
