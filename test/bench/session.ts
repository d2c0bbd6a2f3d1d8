// The state of one benchmark run shared by the workloads: the targets of the current topology
// (Cairn, and etcd with --compare), the options, the time bound, and the figures so far.
import type { BenchOptions } from './options.ts';
import { jsonLine, type Figure, type SystemName } from './report.ts';
import { summarize } from './stats.ts';
import type { Target } from './targets/target.ts';

export class Session {
  readonly figures: Figure[] = [];
  /** Workloads that threw: the run goes on without their figures, and says so at the end. */
  readonly failures: string[] = [];
  private readonly deadline: number;

  constructor(
    readonly options: BenchOptions,
    startedAt: number,
  ) {
    this.deadline = startedAt + options.maxMs;
  }

  outOfTime(): boolean {
    return performance.now() >= this.deadline;
  }

  log(message: string): void {
    if (this.options.verbose) process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  }

  /**
   * Records a figure from per-system run values (a missing system gets null, or the reason
   * etcd has no such figure) and prints its JSON line at once.
   */
  record(
    base: Omit<Figure, 'cairn' | 'etcd'>,
    runs: Partial<Record<SystemName, readonly number[]>>,
    etcdNote?: string,
  ): void {
    const cairn = runs.cairn === undefined ? null : summarize(runs.cairn);
    const etcd = etcdNote ?? (runs.etcd === undefined ? null : summarize(runs.etcd));
    const figure: Figure = { ...base, cairn, etcd: this.options.compare === null ? null : etcd };
    this.figures.push(figure);
    process.stdout.write(`${jsonLine(figure)}\n`);
  }

  /** Notes a workload that failed (its JSON line has "failed" instead of figures). */
  fail(workload: string, servers: number, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.failures.push(`${servers} server(s), ${workload}: ${message}`);
    process.stdout.write(`${JSON.stringify({ bench: 'cairn', workload, servers, failed: message })}\n`);
  }
}

/** Run values per system, filled by interleaved runs. */
export type Runs = Partial<Record<SystemName, number[]>>;

export function push(runs: Runs, target: Target, value: number): void {
  (runs[target.system] ??= []).push(value);
}

/** The order of targets in repetition `rep`: alternated so drift of the machine hits both alike. */
export function inTurn(targets: readonly Target[], rep: number): Target[] {
  return rep % 2 === 0 ? [...targets] : [...targets].reverse();
}
