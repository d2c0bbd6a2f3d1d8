// The CI subset of the Jepsen-style test: short seeded fault schedules against real 3- and
// 5-server clusters, every workload at once, zero anomalies required. The long run is
// `npm run jepsen -- --time 600 --nemesis all`.
import { describe, expect, it } from 'vitest';
import type { NemesisKind } from './nemesis.ts';
import { formatReport, runJepsen, type RunReport } from './runner.ts';

/** Faults are short in CI so that every kind comes round within a minute. */
const FAULT_MS = [3_000, 6_000] as const;
const CALM_MS = [1_500, 3_000] as const;

async function run(seed: string, nodes: number, timeS: number, nemeses: NemesisKind[]): Promise<RunReport> {
  const report = await runJepsen({ seed, nodes, timeS, nemeses, faultMs: FAULT_MS, calmMs: CALM_MS });
  const text = formatReport(report);
  // The report is the test's evidence: kept in the output whether it passes or not.
  console.log(text);
  expect(report.anomalies, `${text}\n${report.logs ?? ''}`).toEqual([]);
  // A run that did nothing proves nothing.
  expect(report.ops.ok).toBeGreaterThan(500);
  for (const kind of nemeses) expect(report.faults.some((f) => f.kind === kind), `no ${kind} fault was injected`).toBe(true);
  for (const r of report.results) expect(r.ops.ok, `${r.name} made no progress`).toBeGreaterThan(0);
  return report;
}

describe('Jepsen-style runs against real clusters', () => {
  it('3 servers under partitions (halves, leader isolation, bridge, one-way) and slow links', async () => {
    await run('ci-partition', 3, 40, ['partition', 'slow']);
  });

  it('3 servers under SIGKILL (one, minority, the leader repeatedly), SIGSTOP pauses and leadership transfers', async () => {
    await run('ci-process', 3, 40, ['kill', 'pause', 'transfer']);
  });

  it('5 servers under membership changes (remove-peer and leave, wiped and rejoined), bridges and kills', async () => {
    await run('ci-membership', 5, 50, ['membership', 'partition', 'kill']);
  });
});
