// What every workload shares: the context its clients run in, the result it reports, and the
// classification of HTTP answers into outcomes.
import type { Rng } from '../../consensus/raft/index.ts';
import type { JepsenCluster, JepsenServer } from './cluster.ts';
import type { Outcome, Tally, Timeline } from './history.ts';
import { describeResult, type HttpResult } from './http.ts';
import type { QuietWindows } from './nemesis.ts';
import type { RegisterRecord } from './register-check.ts';

/** A client's deadline for one request (a blocking query adds its wait). */
export const OP_TIMEOUT_MS = 10_000;

export interface WorkloadContext {
  readonly cluster: JepsenCluster;
  readonly timeline: Timeline;
  readonly rng: Rng;
  /** Prefix of every key this run writes (runs never share keys). */
  readonly prefix: string;
  /** True once the main phase is over: clients finish their current operation and return. */
  readonly stopping: () => boolean;
  readonly log: (line: string) => void;
}

export interface Anomaly {
  readonly workload: string;
  readonly kind: string;
  readonly detail: string;
  /**
   * The raw records behind a register anomaly, kept in the JSON report so the check can be run
   * again on exactly that history (`npm run jepsen -- --recheck FILE`).
   */
  readonly records?: readonly RegisterRecord[];
}

export interface WorkloadResult {
  readonly name: string;
  readonly ops: Tally;
  readonly anomalies: readonly Anomaly[];
  /** Checks that could not decide (a search over its budget); not anomalies, but reported. */
  readonly inconclusive: readonly string[];
  readonly stats: Readonly<Record<string, number>>;
}

export interface Workload {
  readonly name: string;
  /** The main phase: runs clients until ctx.stopping(). */
  run(ctx: WorkloadContext): Promise<void>;
  /** After the cluster healed: final reads and writes the checks need. */
  finish(ctx: WorkloadContext): Promise<void>;
  /** Checks the recorded history; `quiet` tells the timing checks when nothing was faulted. */
  check(quiet: QuietWindows): WorkloadResult;
}

/** How a write's HTTP result maps to an outcome (see Outcome in history.ts). */
export function writeOutcome(r: HttpResult): { outcome: Outcome; note?: string } {
  if (r.kind === 'refused') return { outcome: 'fail', note: describeResult(r) };
  if (r.kind === 'indeterminate') return { outcome: 'unknown', note: describeResult(r) };
  if (r.status === 200) return { outcome: 'ok' };
  return { outcome: r.status >= 500 ? 'unknown' : 'fail', note: describeResult(r) };
}

export function pickServer(ctx: WorkloadContext, rng: Rng): JepsenServer {
  return rng.pick(ctx.cluster.servers);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A pause between a client's operations, so a few clients do not saturate two cores. */
export async function think(rng: Rng, maxMs: number): Promise<void> {
  await sleep(rng.int(maxMs) + 1);
}

/** A 4xx answer to a well-formed request is a bug in the client or the server: report it. */
export function unexpectedFailures(workload: string, notes: readonly (string | undefined)[]): Anomaly[] {
  const bad = notes.filter((n): n is string => n !== undefined && /^4\d\d /.test(n));
  return bad.length === 0 ? [] : [{ workload, kind: 'client-error', detail: `${bad.length} requests answered 4xx, e.g. ${bad[0]}` }];
}
