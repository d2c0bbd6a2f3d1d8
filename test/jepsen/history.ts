// Time and outcomes as the test's clients see them. One Timeline per run gives every call and
// every return a position from a single counter (what the linearizability checker orders by)
// and a millisecond timestamp on the test process's monotonic clock (what the timing checks of
// the lock and watch workloads use; the servers' clocks never enter a check).

export interface Instant {
  /** Strictly increasing over the whole run, calls and returns alike. */
  readonly pos: number;
  /** Milliseconds since the run started (monotonic). */
  readonly ms: number;
}

export class Timeline {
  private seq = 0;
  private readonly origin = performance.now();

  now(): Instant {
    return { pos: ++this.seq, ms: performance.now() - this.origin };
  }

  ms(): number {
    return performance.now() - this.origin;
  }
}

/**
 * How an operation ended, from the client's side:
 * - ok: the server answered and the answer says what happened;
 * - fail: it certainly had no effect (refused connection, a 4xx, an error Consul gives only
 *   before anything is written);
 * - unknown: it may or may not have taken effect (timeout, reset, a 5xx such as "No cluster
 *   leader" or "leadership lost"), so the checkers let it take effect at any later point, or never.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** One client operation as recorded: what was asked, of which server, and what came back. */
export interface Recorded<I, O> {
  readonly id: number;
  readonly client: number;
  readonly server: string;
  readonly input: I;
  readonly outcome: Outcome;
  /** Set when outcome is 'ok'. */
  readonly output: O | undefined;
  readonly call: Instant;
  readonly ret: Instant;
  /** Why it failed or is unknown (status and body, or the network error). */
  readonly note?: string;
}

/** Counts of outcomes, for the report. */
export interface Tally {
  ok: number;
  fail: number;
  unknown: number;
}

export const emptyTally = (): Tally => ({ ok: 0, fail: 0, unknown: 0 });

export function tally(records: readonly { readonly outcome: Outcome }[]): Tally {
  const t = emptyTally();
  for (const r of records) t[r.outcome]++;
  return t;
}

export function addTally(a: Tally, b: Tally): Tally {
  return { ok: a.ok + b.ok, fail: a.fail + b.fail, unknown: a.unknown + b.unknown };
}
