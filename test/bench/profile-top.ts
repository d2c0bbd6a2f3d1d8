// Summarizes V8 CPU profiles (`node --cpu-prof`, e.g. from `npm run bench -- --profile DIR`):
// the top frames by self time and by inclusive time, and self time per source file or package,
// so a report can name where time goes. Shares are of the busy time (samples other than
// "(idle)"): a server waiting on its disk or its peers is idle, and that is not a cost.
//
//   npx tsx test/bench/profile-top.ts FILE.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const label = (f: CallFrame): string => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|work\/main)\//, '$1/').replace(/^file:\/\//, '')}:${f.lineNumber + 1}`;

/** The frame's file in this repository, its npm package, a node: module, or its name (native frames). */
function source(f: CallFrame): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.url);
  if (pkg !== null) return `npm:${pkg[1]}`;
  if (f.url === '') return f.functionName;
  return f.url.replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '');
}

function summarize(profile: Profile, top: number): string {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const all = [...self.values()].reduce((a, b) => a + b, 0);
  const selfByLabel = new Map<string, number>();
  const inclByLabel = new Map<string, number>();
  const selfBySource = new Map<string, number>();
  let idle = 0;
  for (const [id, t] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += t;
      continue;
    }
    selfByLabel.set(label(node.callFrame), (selfByLabel.get(label(node.callFrame)) ?? 0) + t);
    selfBySource.set(source(node.callFrame), (selfBySource.get(source(node.callFrame)) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      inclByLabel.set(l, (inclByLabel.get(l) ?? 0) + t);
    }
  }
  const busy = all - idle;
  const rows = (m: Map<string, number>): string =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([l, t]) => `${((100 * t) / busy).toFixed(1).padStart(5)}%  ${l}`).join('\n');
  const head = `${(all / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / all).toFixed(0)}%); shares are of the busy time`;
  return `${head}\n-- self --\n${rows(selfByLabel)}\n-- self by file or package --\n${rows(selfBySource)}\n-- inclusive --\n${rows(inclByLabel)}`;
}

const [file, top] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: npx tsx test/bench/profile-top.ts FILE.cpuprofile [top]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25))}\n`);
}
