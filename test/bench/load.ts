// The closed-loop load generator: `concurrency` workers, each issuing its next request as soon
// as the previous one answered, for a warm-up (discarded) and then a measured slice. Every
// latency of the slice is kept (a 5 s slice at 20 000 ops/s is 100 000 numbers).
import { percentile, sortedCopy } from './stats.ts';

export interface SliceResult {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** Requests answered over the whole slice, warm-up included (for per-request costs). */
  readonly allOps: number;
}

export interface LoadSpec {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** One request by worker `worker`; `seq` counts that worker's requests. Rejects on failure. */
  readonly op: (worker: number, seq: number) => Promise<void>;
}

/** A failing system must not spin the generator: after an error a worker pauses this long. */
const ERROR_BACKOFF_MS = 10;

export async function closedLoop(spec: LoadSpec): Promise<SliceResult> {
  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  const end = measureFrom + spec.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let allOps = 0;
  const worker = async (w: number): Promise<void> => {
    for (let seq = 0; ; seq++) {
      const t0 = performance.now();
      if (t0 >= end) return;
      try {
        await spec.op(w, seq);
        allOps++;
        const t1 = performance.now();
        if (t0 >= measureFrom && t1 <= end) latencies.push(t1 - t0);
      } catch (err) {
        if (t0 >= measureFrom) errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
        await new Promise((r) => setTimeout(r, ERROR_BACKOFF_MS));
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, (_, w) => worker(w)));
  const sorted = sortedCopy(latencies);
  return {
    opsPerSec: latencies.length / (spec.durationMs / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ops: latencies.length,
    errors,
    firstError,
    allOps,
  };
}

/** Runs `task` over `items` with at most `limit` in flight (bulk loads, arming watchers). */
export async function boundedAll<T>(items: readonly T[], limit: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
