// One Jepsen-style run: start a proxied cluster, run the workloads through random servers while
// the nemesis injects faults on its seeded schedule, heal everything, let the workloads make
// their final reads, and check every history. The report carries the seed, the operation
// counts, every fault injected and every anomaly with the history that shows it.
import { createRng } from '../../consensus/raft/index.ts';
import { JepsenCluster } from './cluster.ts';
import { addTally, emptyTally, Timeline, type Tally } from './history.ts';
import { request } from './http.ts';
import { LockWorkload } from './lock.ts';
import { Nemesis, QuietWindows, type FaultEvent, type NemesisKind } from './nemesis.ts';
import { RegisterWorkload } from './register.ts';
import { SetWorkload } from './set.ts';
import { WatchWorkload } from './watch.ts';
import type { Anomaly, Workload, WorkloadContext, WorkloadResult } from './workload.ts';
import { sleep } from './workload.ts';

export const WORKLOADS = ['register', 'set', 'lock', 'watch'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface RunOptions {
  readonly seed: string;
  readonly nodes: number;
  /** Length of the faulty main phase, in seconds. */
  readonly timeS: number;
  readonly nemeses: readonly NemesisKind[];
  readonly workloads?: readonly WorkloadName[];
  readonly faultMs?: readonly [number, number];
  readonly calmMs?: readonly [number, number];
  readonly log?: (line: string) => void;
}

export interface RunReport {
  readonly seed: string;
  readonly nodes: number;
  readonly timeS: number;
  readonly ops: Tally;
  readonly results: readonly WorkloadResult[];
  readonly faults: readonly FaultEvent[];
  readonly nemesisNotes: readonly string[];
  readonly anomalies: readonly Anomaly[];
  readonly inconclusive: readonly string[];
  readonly wallMs: number;
  /** Server logs (tails) when there were anomalies. */
  readonly logs?: string;
}

/**
 * Every server loads this. Short session TTLs keep the lock workload brisk; small snapshot
 * thresholds make snapshots, log compaction and InstallSnapshot part of every run; a short
 * autopilot stabilization time promotes rejoining servers quickly (and makes dead-server cleanup
 * part of the run: max(3 x 3 s, 10 x threshold)).
 */
export const CLUSTER_CONFIG: Record<string, unknown> = {
  session_ttl_min: '1s',
  raft_snapshot_threshold: 512,
  raft_trailing_logs: 256,
  autopilot: { server_stabilization_time: '3s' },
};

/** A leader must emerge within this at the start and after the final heal. */
const LEADER_WAIT_MS = 60_000;

function createWorkload(name: WorkloadName): Workload {
  switch (name) {
    case 'register':
      return new RegisterWorkload();
    case 'set':
      return new SetWorkload();
    case 'lock':
      return new LockWorkload();
    case 'watch':
      return new WatchWorkload();
  }
}

export async function runJepsen(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const rng = createRng(options.seed);
  const cluster = await JepsenCluster.start({ size: options.nodes, config: CLUSTER_CONFIG });
  let keepLogs = false;
  try {
    await waitLeader(cluster);
    const timeline = new Timeline();
    const workloads = (options.workloads ?? WORKLOADS).map(createWorkload);
    let stopping = false;
    const ctx = (w: Workload): WorkloadContext => ({
      cluster, timeline, rng: rng.fork(`workload-${w.name}`), prefix: `jepsen/${options.seed}`, stopping: () => stopping, log,
    });
    const nemesis = new Nemesis(cluster, timeline, rng.fork('nemesis'), {
      kinds: options.nemeses,
      faultMs: options.faultMs ?? [3_000, 10_000],
      calmMs: options.calmMs ?? [2_000, 6_000],
    });
    log(`seed ${options.seed}: ${options.nodes} servers, ${options.timeS} s, nemeses ${options.nemeses.join(',') || 'none'}`);
    const running = workloads.map((w) => w.run(ctx(w)));
    await nemesis.run(() => timeline.ms() >= options.timeS * 1000);
    stopping = true;
    await Promise.all(running);
    log(`main phase over after ${Math.round(timeline.ms() / 1000)} s, ${nemesis.events.length} faults; healing`);
    await cluster.heal();
    await waitLeader(cluster);
    await Promise.all(workloads.map((w) => w.finish(ctx(w))));
    const quiet = new QuietWindows(nemesis.events);
    const results = workloads.map((w) => w.check(quiet));
    const anomalies = results.flatMap((r) => r.anomalies);
    keepLogs = anomalies.length > 0;
    return {
      seed: options.seed,
      nodes: options.nodes,
      timeS: options.timeS,
      ops: results.reduce((t, r) => addTally(t, r.ops), emptyTally()),
      results,
      faults: nemesis.events,
      nemesisNotes: nemesis.notes,
      anomalies,
      inconclusive: results.flatMap((r) => r.inconclusive),
      wallMs: performance.now() - started,
      ...(keepLogs ? { logs: cluster.logs(200) } : {}),
    };
  } finally {
    await cluster.stop(keepLogs);
    if (keepLogs) log(`data directories kept in ${cluster.root}`);
  }
}

async function waitLeader(cluster: JepsenCluster): Promise<void> {
  const start = performance.now();
  // Bounded by LEADER_WAIT_MS.
  while (performance.now() - start < LEADER_WAIT_MS) {
    const leader = await cluster.leader();
    if (leader !== undefined) {
      const r = await request(leader.url('/v1/kv/jepsen-probe?consistent'), { timeoutMs: 5_000 });
      if (r.kind === 'response' && (r.status === 200 || r.status === 404)) return;
    }
    await sleep(250);
  }
  throw new Error(`no leader serving consistent reads within ${LEADER_WAIT_MS} ms\n${cluster.logs(40)}`);
}

/** The report as text: the seed first, so a failure can be replayed. */
export function formatReport(r: RunReport): string {
  const lines = [
    `seed ${r.seed}  servers ${r.nodes}  main phase ${r.timeS} s  wall ${(r.wallMs / 1000).toFixed(0)} s`,
    `operations: ${r.ops.ok + r.ops.fail + r.ops.unknown} (ok ${r.ops.ok}, failed ${r.ops.fail}, unknown ${r.ops.unknown})`,
  ];
  for (const w of r.results) {
    const stats = Object.entries(w.stats).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`  ${w.name.padEnd(8)} ok ${w.ops.ok}, failed ${w.ops.fail}, unknown ${w.ops.unknown}; ${stats}; anomalies ${w.anomalies.length}`);
  }
  const byKind = new Map<string, number>();
  for (const f of r.faults) byKind.set(`${f.kind}/${f.variant}`, (byKind.get(`${f.kind}/${f.variant}`) ?? 0) + 1);
  lines.push(`faults injected: ${r.faults.length} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  for (const n of r.nemesisNotes) lines.push(`  nemesis note: ${n}`);
  for (const i of r.inconclusive) lines.push(`  inconclusive: ${i}`);
  lines.push(`anomalies: ${r.anomalies.length}`);
  for (const a of r.anomalies) lines.push(`--- ${a.workload} ${a.kind} (seed ${r.seed})\n${a.detail}`);
  if (r.anomalies.length > 0) {
    lines.push('faults (ms from start):');
    for (const f of r.faults) lines.push(`  ${Math.round(f.startMs)}..${Math.round(f.endMs)} ${f.kind}/${f.variant} ${f.detail}`);
  }
  return lines.join('\n');
}
