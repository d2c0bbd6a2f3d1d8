// `npm run jepsen -- --time 600 --nemesis all`: one long run against a real cluster.
// Options: --time <s> (main phase, default 60), --nemesis <all|none|kind,kind> (partition, slow,
// kill, pause, transfer, membership), --nodes <3|5>, --seed <text>, --workload <all|name,name>
// (register, set, lock, watch), --report <file> (the report as JSON too, with the raw history of
// every register anomaly). `--recheck <file>` runs the register check again on the histories a
// saved report kept (after a change to the checker, or to study one key) and starts no cluster.
// Exits 1 if any anomaly was found; the report names the seed to run again.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { NEMESES, type NemesisKind } from './nemesis.ts';
import { recheckAnomalies } from './register-check.ts';
import { formatReport, runJepsen, WORKLOADS, type RunReport, type WorkloadName } from './runner.ts';

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else args.set(a.slice(2), argv[++i] ?? '');
  }
  return args;
}

function list<T extends string>(value: string | undefined, all: readonly T[], what: string): T[] {
  if (value === undefined || value === 'all') return [...all];
  if (value === 'none') return [];
  const items = value.split(',').map((v) => v.trim());
  for (const i of items) if (!(all as readonly string[]).includes(i)) throw new Error(`unknown ${what} "${i}" (one of ${all.join(', ')})`);
  return items as T[];
}

/** Checks again every register history a saved report kept; returns the number not proven. */
function recheck(file: string): number {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
  const verdicts = recheckAnomalies(saved.anomalies);
  for (const v of verdicts) {
    const { ok, steps } = v.result;
    const why = v.result.ok === false ? `: ${v.result.explanation.split('\n')[0]}` : '';
    process.stdout.write(`${v.key}: ${v.ops} operations, ${ok === true ? 'linearizable' : ok === false ? 'NOT linearizable' : 'undecided'} after ${steps} steps${why}\n`);
  }
  return verdicts.filter((v) => v.result.ok !== true).length;
}

const args = parseArgs(process.argv.slice(2));
const recheckFile = args.get('recheck');
if (recheckFile !== undefined) {
  process.exitCode = recheck(recheckFile) > 0 ? 1 : 0;
  process.exit();
}
const nemeses = list<NemesisKind>(args.get('nemesis'), NEMESES, 'nemesis');
const nodes = Number(args.get('nodes') ?? (nemeses.includes('membership') ? 5 : 3));
if (nodes !== 3 && nodes !== 5) throw new Error('--nodes must be 3 or 5');
const report = await runJepsen({
  seed: args.get('seed') ?? randomBytes(4).toString('hex'),
  nodes,
  timeS: Number(args.get('time') ?? 60),
  nemeses,
  workloads: list<WorkloadName>(args.get('workload'), WORKLOADS, 'workload'),
  log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
});
process.stdout.write(`${formatReport(report)}\n`);
if (report.logs !== undefined) process.stdout.write(`server logs (tails):\n${report.logs}\n`);
const file = args.get('report');
if (file !== undefined) writeFileSync(file, JSON.stringify({ ...report, logs: undefined }, null, 2));
process.exitCode = report.anomalies.length > 0 ? 1 : 0;
