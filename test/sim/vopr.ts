// The simulation runner (npm run sim). One seed with its trace, or many seeds with a summary:
//
//   npm run sim -- --seed 1f2e3d4c [--nodes 3|5] [--ticks N] [--verbose]
//   npm run sim -- --seeds 1000 [--nodes 3|5] [--from K] [--ticks N] [--jobs J]
//
// A seed replays exactly (same code, same seed, same options → same trace hash). A failing
// seed prints the violation, the command that replays it and the last trace lines; --verbose
// prints every event as it runs. --jobs runs the seeds in J worker processes (each seed is still
// one deterministic run; only the order the results arrive in changes).
import { fork, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DEFAULT_LIVENESS_TICKS, DEFAULT_TICKS } from './profile.ts';
import { failureReport, simulate, type SimResult } from './simulator.ts';
import { seedName } from './seeds.ts';

interface Args {
  seed: string | undefined;
  seeds: number;
  from: number;
  nodes: number[];
  ticks: number;
  livenessTicks: number;
  verbose: boolean;
  jobs: number;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      from: { type: 'string' },
      nodes: { type: 'string' },
      ticks: { type: 'string' },
      'liveness-ticks': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      jobs: { type: 'string' },
    },
    strict: true,
  });
  const int = (v: string | undefined, d: number, what: string): number => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${what} must be a non-negative integer`);
    return n;
  };
  const nodes = values.nodes === undefined ? [3, 5] : [int(values.nodes, 3, 'nodes')];
  if (nodes.some((n) => n !== 3 && n !== 5)) throw new Error('--nodes must be 3 or 5');
  return {
    seed: values.seed,
    seeds: int(values.seeds, 1, 'seeds'),
    from: int(values.from, 0, 'from'),
    nodes,
    ticks: int(values.ticks, DEFAULT_TICKS, 'ticks'),
    livenessTicks: int(values['liveness-ticks'], DEFAULT_LIVENESS_TICKS, 'liveness-ticks'),
    verbose: values.verbose ?? false,
    jobs: Math.max(1, int(values.jobs, 1, 'jobs')),
  };
}

/** One seed's result as the summary needs it (a worker sends this to the parent). */
interface SeedOutcome {
  readonly seed: string;
  readonly nodes: number;
  readonly events: number;
  readonly inconclusive: number;
  /** The failure report, if the seed failed. */
  readonly failure?: string;
  readonly violation?: string;
}

type SeedRunner = (k: number) => Promise<SeedOutcome>;

async function runSeed(a: Args, k: number): Promise<SeedOutcome> {
  const seed = seedName(a.from + k);
  const nodes = a.nodes[k % a.nodes.length]!;
  const r = await simulate({ seed, nodes, ticks: a.ticks, livenessTicks: a.livenessTicks });
  const base = { seed, nodes, events: r.events, inconclusive: r.inconclusive };
  return r.ok ? base : { ...base, failure: failureReport(r), violation: r.violation?.message.split('\n')[0] ?? 'unknown' };
}

/** A worker process running one seed at a time for the parent. */
function workerRunner(): { run: SeedRunner; close: () => void } {
  const child: ChildProcess = fork(process.argv[1]!, process.argv.slice(2), { env: { ...process.env, CAIRN_SIM_WORKER: '1' }, execArgv: process.execArgv });
  let pending: { resolve: (o: SeedOutcome) => void; reject: (e: Error) => void } | undefined;
  child.on('message', (o: SeedOutcome) => {
    const p = pending;
    pending = undefined;
    p?.resolve(o);
  });
  child.on('exit', (code) => pending?.reject(new Error(`a worker process exited (code ${code})`)));
  return {
    run: (k) =>
      new Promise<SeedOutcome>((resolve, reject) => {
        pending = { resolve, reject };
        child.send(k);
      }),
    close: () => child.disconnect(),
  };
}

function serveAsWorker(a: Args): void {
  process.on('message', (k: number) => {
    void runSeed(a, k).then((o) => process.send!(o));
  });
}

async function runMany(a: Args): Promise<number> {
  const started = performance.now();
  const workers = a.jobs > 1 ? Array.from({ length: a.jobs }, workerRunner) : [];
  const runners: SeedRunner[] = workers.length > 0 ? workers.map((w) => w.run) : [(k) => runSeed(a, k)];
  let next = 0;
  let done = 0;
  let events = 0;
  let inconclusive = 0;
  const failures: SeedOutcome[] = [];
  const record = (o: SeedOutcome): void => {
    events += o.events;
    inconclusive += o.inconclusive;
    if (o.inconclusive > 0) console.log(`seed ${o.seed} (nodes ${o.nodes}): ${o.inconclusive} keys inconclusive (search bound)`);
    if (o.failure !== undefined) {
      failures.push(o);
      console.log(o.failure);
    }
    if (++done % 100 === 0 || done === a.seeds) {
      const secs = (performance.now() - started) / 1000;
      console.log(`${done}/${a.seeds} seeds, ${events} events, ${failures.length} violations, ${inconclusive} inconclusive keys, ${secs.toFixed(0)}s`);
    }
  };
  try {
    // Each runner takes the next seed as soon as it is free: bounded by a.seeds.
    await Promise.all(runners.map(async (run) => {
      while (next < a.seeds) record(await run(next++));
    }));
  } finally {
    for (const w of workers) w.close();
  }
  const secs = (performance.now() - started) / 1000;
  console.log(`done: seeds=${a.seeds} nodes=${a.nodes.join('|')} ticks=${a.ticks} jobs=${a.jobs} events=${events} violations=${failures.length} inconclusive=${inconclusive} wall=${secs.toFixed(0)}s`);
  for (const f of failures) console.log(`  FAILED seed ${f.seed} nodes ${f.nodes}: ${f.violation}`);
  return failures.length === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const a = parse();
  if (a.seed !== undefined) {
    const r = await simulate({ seed: a.seed, nodes: a.nodes[0]!, ticks: a.ticks, livenessTicks: a.livenessTicks, ...(a.verbose ? { sink: (l: string) => console.log(l) } : {}) });
    print(r);
    return r.ok ? 0 : 1;
  }
  return runMany(a);
}

function print(r: SimResult): void {
  if (!r.ok) console.log(failureReport(r));
  else console.log(`seed ${r.seed} (nodes ${r.nodes}) ok\nprofile: ${r.profile}\nsummary: ${r.summary}\ntrace hash: ${r.traceHash}`);
}

if (process.env['CAIRN_SIM_WORKER'] === '1') serveAsWorker(parse());
else main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
