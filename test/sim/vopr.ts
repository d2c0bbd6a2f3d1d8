// The simulation runner (npm run sim). One seed with its trace, or many seeds with a summary:
//
//   npm run sim -- --seed 1f2e3d4c [--nodes 3|5] [--ticks N] [--verbose]
//   npm run sim -- --seeds 1000 [--nodes 3|5] [--from K] [--ticks N]
//
// A seed replays exactly (same code, same seed, same options → same trace hash). A failing
// seed prints the violation, the command that replays it and the last trace lines; --verbose
// prints every event as it runs.
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
  };
}

async function main(): Promise<number> {
  const a = parse();
  if (a.seed !== undefined) {
    const r = await simulate({ seed: a.seed, nodes: a.nodes[0]!, ticks: a.ticks, livenessTicks: a.livenessTicks, ...(a.verbose ? { sink: (l: string) => console.log(l) } : {}) });
    print(r);
    return r.ok ? 0 : 1;
  }
  const started = performance.now();
  let events = 0;
  let inconclusive = 0;
  const failures: SimResult[] = [];
  for (let k = 0; k < a.seeds; k++) {
    const seed = seedName(a.from + k);
    const nodes = a.nodes[k % a.nodes.length]!;
    const r = await simulate({ seed, nodes, ticks: a.ticks, livenessTicks: a.livenessTicks });
    events += r.events;
    inconclusive += r.inconclusive;
    if (r.inconclusive > 0) console.log(`seed ${seed} (nodes ${nodes}): ${r.inconclusive} keys inconclusive (search bound)`);
    if (!r.ok) {
      failures.push(r);
      console.log(failureReport(r));
    }
    if ((k + 1) % 100 === 0 || k + 1 === a.seeds) {
      const secs = (performance.now() - started) / 1000;
      console.log(`${k + 1}/${a.seeds} seeds, ${events} events, ${failures.length} violations, ${inconclusive} inconclusive keys, ${secs.toFixed(0)}s`);
    }
  }
  console.log(`done: seeds=${a.seeds} nodes=${a.nodes.join('|')} ticks=${a.ticks} events=${events} violations=${failures.length} inconclusive=${inconclusive}`);
  for (const f of failures) console.log(`  FAILED seed ${f.seed} nodes ${f.nodes}: ${f.violation?.message.split('\n')[0]}`);
  return failures.length === 0 ? 0 : 1;
}

function print(r: SimResult): void {
  if (!r.ok) console.log(failureReport(r));
  else console.log(`seed ${r.seed} (nodes ${r.nodes}) ok\nprofile: ${r.profile}\nsummary: ${r.summary}\ntrace hash: ${r.traceHash}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
