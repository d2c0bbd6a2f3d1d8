// Consul's blocking-query loop (agent/blockingquery): with minIndex 0 the query runs once;
// otherwise it runs, returns as soon as its index passes minIndex, and else waits for a change
// to what it read (its watch keys), the deadline, the caller's abort signal or a restore, then
// runs again. On the deadline it returns the current result (200, never 304). Clamping the
// wait and adding jitter is the caller's job; the only timer here is the wait timer itself,
// injected so tests and the simulation drive time.
import type { WatchHub, WakeReason } from './watch-hub.ts';
import type { WatchKey } from './types.ts';

/** Starts a one-shot timer; returns its cancel function. */
export type WaitTimer = (ms: number, fire: () => void) => () => void;

export const realTimer: WaitTimer = (ms, fire) => {
  const t = setTimeout(fire, ms);
  return () => clearTimeout(t);
};

/**
 * Upper bound on re-runs of one blocking query. Each re-run follows a write to what the query
 * watches, so hitting this means a key written thousands of times during one wait; returning
 * the current result then is legal (a spurious early return) and bounds the loop.
 */
export const MAX_BLOCKING_RERUNS = 10_000;

export interface BlockingQueryOptions<T> {
  /** The client's ?index; 0 (or less) means "do not block". */
  readonly minIndex: number;
  /** How long to wait in total, in ms: already clamped to the server maximum and jittered. */
  readonly waitMs: number;
  /** What the query reads (see watchFor in state-store.ts). */
  readonly watch: readonly WatchKey[];
  /** Runs the read; may be async (e.g. a ?consistent read re-verifying leadership). */
  readonly run: () => T | Promise<T>;
  /** Aborts the wait (client went away); the last result is returned. */
  readonly signal?: AbortSignal;
  readonly timer?: WaitTimer;
}

type Stop = 'timeout' | 'aborted';

export async function blockingQuery<T extends { readonly index: number }>(
  hub: WatchHub,
  opts: BlockingQueryOptions<T>,
): Promise<T> {
  if (opts.minIndex <= 0) return opts.run();
  const stop = deadline(opts);
  try {
    for (let rerun = 0; rerun < MAX_BLOCKING_RERUNS; rerun++) {
      // Register before reading: a write between the read and the registration would be lost.
      const watch = hub.watch(opts.watch);
      let result: T;
      try {
        result = await opts.run();
      } catch (err) {
        watch.cancel();
        throw err;
      }
      if (result.index > opts.minIndex || stop.state !== null) {
        watch.cancel();
        return result;
      }
      const why: WakeReason | Stop = await Promise.race([watch.fired, stop.promise]);
      watch.cancel();
      if (why === 'aborted') return result;
      // A restore may move indexes backwards: hand the current state back, as Consul does.
      if (why === 'timeout' || why === 'abandoned') return await opts.run();
    }
    return await opts.run();
  } finally {
    stop.dispose();
  }
}

interface Deadline {
  readonly promise: Promise<Stop>;
  state: Stop | null;
  dispose(): void;
}

function deadline(opts: BlockingQueryOptions<unknown>): Deadline {
  const timer = opts.timer ?? realTimer;
  let resolve!: (s: Stop) => void;
  const d: Deadline = {
    promise: new Promise<Stop>((r) => (resolve = r)),
    state: null,
    dispose: () => {},
  };
  const end = (s: Stop): void => {
    if (d.state !== null) return;
    d.state = s;
    resolve(s);
  };
  if (opts.signal?.aborted) end('aborted');
  const onAbort = (): void => end('aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const cancelTimer = d.state === null ? timer(Math.max(0, opts.waitMs), () => end('timeout')) : () => {};
  d.dispose = () => {
    cancelTimer();
    opts.signal?.removeEventListener('abort', onAbort);
  };
  return d;
}
