// Summarizes V8 CPU profiles (`node --cpu-prof`, e.g. from `npm run bench -- --profile DIR`):
// the top frames by self time and by inclusive time, so a report can name where time goes.
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

function summarize(profile: Profile, top: number): string {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const selfByLabel = new Map<string, number>();
  const inclByLabel = new Map<string, number>();
  for (const [id, t] of self) {
    const node = byId.get(id)!;
    selfByLabel.set(label(node.callFrame), (selfByLabel.get(label(node.callFrame)) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      inclByLabel.set(l, (inclByLabel.get(l) ?? 0) + t);
    }
  }
  const rows = (m: Map<string, number>): string =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([l, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${l}`).join('\n');
  return `total ${(total / 1e6).toFixed(1)} s sampled\n-- self --\n${rows(selfByLabel)}\n-- inclusive --\n${rows(inclByLabel)}`;
}

const [file, top] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: npx tsx test/bench/profile-top.ts FILE.cpuprofile [top]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25))}\n`);
}
