// Filter throughput: compile once, evaluate a few thousand objects, as one request does.
// Run: npx tsx test/unit/filter/bench.ts   (not a test; timings belong here, not in vitest)
import { checkServiceNodeSchema, compileFilter, nodeSchema } from '../../../routes/filter/index.ts';
import { checkServiceNode, node } from './fixtures.ts';

/** Objects per simulated request (a large health/service answer). */
const OBJECTS = 5_000;
/** Requests per case; the median is reported. */
const ROUNDS = 25;

const services = Array.from({ length: OBJECTS }, (_, i) => ({
  ...checkServiceNode,
  Node: { ...checkServiceNode.Node, Node: `node-${i}`, Meta: { env: i % 3 === 0 ? 'prod' : 'dev', rack: `r${i % 17}` } },
  Service: { ...checkServiceNode.Service, ID: `web-${i}`, Service: i % 2 === 0 ? 'web' : 'api', Port: 8000 + (i % 100) },
  Checks: checkServiceNode.Checks.map((c, j) => ({ ...c, Status: (i + j) % 5 === 0 ? 'critical' : 'passing', Output: `check ${i}:${j} ${'x'.repeat(200)}` })),
}));
const nodes = Array.from({ length: OBJECTS }, (_, i) => ({ ...node, Node: `web-${i}`, Meta: { env: i % 2 === 0 ? 'prod' : 'dev' } }));

const cases: ReadonlyArray<readonly [string, string, typeof nodeSchema, readonly unknown[]]> = [
  ['equality', 'Service.Service == web and Service.Port != 8042', checkServiceNodeSchema, services],
  ['any-match over checks', 'Checks.Status == critical or Node.Meta.env == prod', checkServiceNodeSchema, services],
  ['literal regex', 'Node.Node matches "node-12"', checkServiceNodeSchema, services],
  ['anchored regex', 'Node.Node matches "^node-[0-9]+7$"', checkServiceNodeSchema, services],
  ['regex over 200-char outputs', 'Checks.Output matches "check [0-9]+:1 x+$"', checkServiceNodeSchema, services],
  ['case-insensitive regex', 'Node matches "(?i)^WEB-1"', nodeSchema, nodes],
  ['hostile regex', 'Checks.Output matches "(x+x+)+y"', checkServiceNodeSchema, services],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

for (const [name, expression, schema, objects] of cases) {
  const compileMs: number[] = [];
  const evalMs: number[] = [];
  let kept = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const filter = compileFilter(expression, schema);
    const t1 = performance.now();
    if (!filter.ok) throw new Error(`${name}: ${filter.error}`);
    kept = objects.filter(filter.matches).length;
    evalMs.push(performance.now() - t1);
    compileMs.push(t1 - t0);
  }
  const perObjectNs = (median(evalMs) * 1e6) / objects.length;
  console.log(
    `${name.padEnd(30)} compile ${median(compileMs).toFixed(3)} ms  ${objects.length} objects ${median(evalMs).toFixed(2)} ms` +
      `  (${perObjectNs.toFixed(0)} ns/object, ${kept} kept)`,
  );
}
