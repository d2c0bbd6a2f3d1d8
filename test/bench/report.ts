// The output: one JSON line per figure as soon as it is known (machine-readable, greppable by
// its "bench" field), and the side-by-side table at the end. The ratio is always Cairn / etcd
// of the medians; whether higher is better is stated per figure.
import type { Summary } from './stats.ts';

export type SystemName = 'cairn' | 'etcd';

export interface Figure {
  readonly workload: string;
  /** What was measured, e.g. "put c=64 throughput". */
  readonly name: string;
  readonly servers: number;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly cairn: Summary | null;
  /** null: not measured (no --compare); a string: why etcd has no such figure. */
  readonly etcd: Summary | string | null;
}

export function ratio(f: Figure): number | null {
  if (f.cairn === null || f.etcd === null || typeof f.etcd === 'string') return null;
  const r = f.cairn.median / f.etcd.median;
  return Number.isFinite(r) ? r : null;
}

function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return Number(v.toFixed(digits));
}

const jsonSummary = (s: Summary | string | null): unknown =>
  s === null || typeof s === 'string' ? s : { median: round(s.median), min: round(s.min), max: round(s.max), runs: s.runs.map(round) };

export function jsonLine(f: Figure): string {
  const r = ratio(f);
  return JSON.stringify({
    bench: 'cairn',
    workload: f.workload,
    figure: f.name,
    servers: f.servers,
    unit: f.unit,
    better: f.better,
    cairn: jsonSummary(f.cairn),
    etcd: jsonSummary(f.etcd),
    ratio: r === null ? null : Number(r.toFixed(3)),
  });
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const r = round(v);
  return Math.abs(r) >= 1000 ? r.toLocaleString('en-US').replace(/,/g, ' ') : String(r);
}

function cell(s: Summary | string | null): string {
  if (s === null) return '–';
  if (typeof s === 'string') return s;
  if (s.runs.length <= 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** A Markdown table: readable in a terminal and pasteable into the README. */
export function table(figures: readonly Figure[], compare: boolean): string {
  const head = compare
    ? ['servers', 'figure', 'unit', 'Cairn median (min–max)', 'etcd median (min–max)', 'Cairn / etcd']
    : ['servers', 'figure', 'unit', 'Cairn median (min–max)'];
  const rows = figures.map((f) => {
    const base = [String(f.servers), f.name, `${f.unit} (${f.better === 'higher' ? '↑' : '↓'})`, cell(f.cairn)];
    if (!compare) return base;
    const r = ratio(f);
    return [...base, cell(f.etcd), r === null ? '–' : `${r.toFixed(2)}×`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
