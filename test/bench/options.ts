// Command-line options of `npm run bench -- …`. Defaults give the full run the README reports;
// the options trade coverage for time (`--only`, `--keys`, `--watchers`, `--repeat`).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const WORKLOADS = ['put', 'get', 'watch', 'recover', 'snapshot', 'memory'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchOptions {
  readonly compare: 'etcd' | null;
  readonly only: ReadonlySet<Workload>;
  readonly topologies: readonly number[];
  /** Keys held for recover, snapshot and memory. */
  readonly keys: number;
  readonly watchers: readonly number[];
  readonly putConcurrency: readonly number[];
  readonly getConcurrency: number;
  /** Runs of each measurement; the median and min–max are reported. */
  readonly repeat: number;
  /** Length of one throughput slice, after its warm-up. */
  readonly sliceMs: number;
  readonly warmupMs: number;
  /** The whole run stops starting new measurements after this (figures left out say so). */
  readonly maxMs: number;
  /** When set, Cairn servers run with --cpu-prof and write their profiles here. */
  readonly profileDir: string | null;
  /** The checkout whose `cairn agent` runs (null: this one); e.g. a clean export of a commit. */
  readonly checkout: string | null;
  readonly verbose: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
  --compare etcd         also run etcd (must be on the PATH) with the same topology and workloads
  --only LIST            workloads, comma-separated: ${WORKLOADS.join(',')} (default: all)
  --servers LIST         topologies, comma-separated server counts (default: 1,3)
  --keys N               keys held for recover/snapshot/memory (default: 1000000)
  --watchers LIST        watcher counts (default: 100,1000,10000)
  --repeat N             runs per measurement (default: 3)
  --slice SECONDS        length of one throughput measurement (default: 5)
  --max-minutes M        bound on the total time (default: 60)
  --profile DIR          run Cairn servers with node --cpu-prof, profiles written to DIR
  --checkout DIR         run \`cairn agent\` from another checkout (an A/B run, or a clean export)
  --verbose              progress on stderr`;

function list(raw: string | undefined, fallback: readonly number[]): number[] {
  if (raw === undefined) return [...fallback];
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`not a list of positive integers: ${raw}`);
  return values;
}

function positive(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return v;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      compare: { type: 'string' },
      only: { type: 'string' },
      servers: { type: 'string' },
      keys: { type: 'string' },
      watchers: { type: 'string' },
      repeat: { type: 'string' },
      slice: { type: 'string' },
      'max-minutes': { type: 'string' },
      profile: { type: 'string' },
      checkout: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) throw new Error(USAGE);
  if (values.compare !== undefined && values.compare !== 'etcd') throw new Error(`--compare supports only etcd, got ${values.compare}`);
  const only = values.only === undefined ? [...WORKLOADS] : values.only.split(',').map((w) => w.trim());
  const unknown = only.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new Error(`unknown workload(s): ${unknown.join(', ')}\n${USAGE}`);
  const sliceMs = positive(values.slice, 5, 'slice') * 1000;
  return {
    compare: values.compare === 'etcd' ? 'etcd' : null,
    only: new Set(only as Workload[]),
    topologies: list(values.servers, [1, 3]),
    keys: Math.floor(positive(values.keys, 1_000_000, 'keys')),
    watchers: list(values.watchers, [100, 1_000, 10_000]),
    putConcurrency: [1, 16, 64],
    getConcurrency: 64,
    repeat: Math.floor(positive(values.repeat, 3, 'repeat')),
    sliceMs,
    warmupMs: Math.min(1_000, sliceMs / 5),
    maxMs: positive(values['max-minutes'], 60, 'max-minutes') * 60_000,
    profileDir: values.profile ?? null,
    checkout: values.checkout === undefined ? null : resolve(values.checkout),
    verbose: values.verbose === true,
  };
}
