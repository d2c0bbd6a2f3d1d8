// put and get: closed-loop slices at fixed concurrency, requests spread over all servers
// (worker w talks to server w mod N on its own keep-alive connection). Systems take turns,
// slice by slice, so both see the same machine.
import { randomBytes } from 'node:crypto';
import { boundedAll, closedLoop, type SliceResult } from '../load.ts';
import { inTurn, push, type Runs, type Session } from '../session.ts';
import { MAX_TXN_OPS, type KeyValue, type ReadMode, type Target } from '../targets/target.ts';

/** Value size of the put and get workloads. */
export const VALUE_BYTES = 256;
/** Keys the get workload reads from (chosen at random per request). */
const GET_KEYS = 1_000;
/** Concurrent transactions while preloading keys. */
const PRELOAD_CONCURRENCY = 8;

interface SliceFigures {
  readonly ops: Runs;
  readonly p50: Runs;
  readonly p99: Runs;
  readonly errors: Runs;
  readonly cpu: Runs;
}

async function slices(s: Session, targets: readonly Target[], concurrency: number, op: (t: Target, rep: number) => (w: number, seq: number) => Promise<void>): Promise<SliceFigures> {
  const out: SliceFigures = { ops: {}, p50: {}, p99: {}, errors: {}, cpu: {} };
  for (let rep = 0; rep < s.options.repeat && !s.outOfTime(); rep++) {
    for (const t of inTurn(targets, rep)) {
      const cpu0 = t.cpuSeconds();
      const r: SliceResult = await closedLoop({ concurrency, warmupMs: s.options.warmupMs, durationMs: s.options.sliceMs, op: op(t, rep) });
      const cpuUs = ((t.cpuSeconds() - cpu0) * 1e6) / r.allOps;
      s.log(`${t.system} ${t.size}x c=${concurrency}: ${r.opsPerSec.toFixed(0)} ops/s p50 ${r.p50Ms.toFixed(2)} p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}, server CPU ${cpuUs.toFixed(0)} µs/op`);
      push(out.ops, t, r.opsPerSec);
      push(out.p50, t, r.p50Ms);
      push(out.p99, t, r.p99Ms);
      push(out.errors, t, r.errors);
      push(out.cpu, t, cpuUs);
    }
  }
  return out;
}

function recordSlices(s: Session, workload: string, label: string, servers: number, f: SliceFigures): void {
  s.record({ workload, name: `${label} throughput`, servers, unit: 'ops/s', better: 'higher' }, f.ops);
  s.record({ workload, name: `${label} latency p50`, servers, unit: 'ms', better: 'lower' }, f.p50);
  s.record({ workload, name: `${label} latency p99`, servers, unit: 'ms', better: 'lower' }, f.p99);
  s.record({ workload, name: `${label} server CPU per request (all servers)`, servers, unit: 'µs', better: 'lower' }, f.cpu);
  if (Object.values(f.errors).some((runs) => runs.some((e) => e > 0))) s.record({ workload, name: `${label} errors`, servers, unit: 'count', better: 'lower' }, f.errors);
}

export async function putWorkload(s: Session, targets: readonly Target[]): Promise<void> {
  const value = randomBytes(VALUE_BYTES);
  const servers = targets[0]!.size;
  for (const c of s.options.putConcurrency) {
    if (s.outOfTime()) return;
    const f = await slices(s, targets, c, (t, rep) => (w, seq) => t.put(w % t.size, `bench/put/c${c}/r${rep}/w${w}/${seq}`, value));
    recordSlices(s, 'put', `put c=${c}`, servers, f);
  }
}

const MODE_LABEL: Record<ReadMode, string> = {
  default: 'get default (etcd linearizable)',
  stale: 'get ?stale (etcd serializable)',
  consistent: 'get ?consistent (etcd linearizable)',
};

/** Writes `keys` in transactions of 128, `valueOf(i)` being the value of keys[i] (one call per key and target). */
export async function preload(targets: readonly Target[], keys: readonly string[], valueOf: (i: number) => Uint8Array, concurrency = PRELOAD_CONCURRENCY): Promise<void> {
  const starts: number[] = [];
  for (let i = 0; i < keys.length; i += MAX_TXN_OPS) starts.push(i);
  const batch = (from: number): KeyValue[] => keys.slice(from, from + MAX_TXN_OPS).map((key, k) => ({ key, value: valueOf(from + k) }));
  await Promise.all(targets.map((t) => boundedAll(starts, concurrency, (from, i) => t.putMany(i % t.size, batch(from)))));
}

/** Distinct random values (a shared value would compress away in snapshots). */
export const randomValue = (): Uint8Array => randomBytes(VALUE_BYTES);

export async function getWorkload(s: Session, targets: readonly Target[]): Promise<void> {
  const keys = Array.from({ length: GET_KEYS }, (_, i) => `bench/get/${i}`);
  await preload(targets, keys, randomValue);
  const servers = targets[0]!.size;
  const c = s.options.getConcurrency;
  for (const mode of ['default', 'stale', 'consistent'] as const) {
    if (s.outOfTime()) return;
    const f = await slices(s, targets, c, (t) => (w) => t.get(w % t.size, keys[Math.floor(Math.random() * keys.length)]!, mode));
    recordSlices(s, 'get', `${MODE_LABEL[mode]} c=${c}`, servers, f);
  }
}
