// The reference model: what the log holds after each acknowledged operation, with the same
// semantics as the Wal (README.md "API"). Tests compare a reopened WAL against it.
import type { LogEntry, Wal } from '../../src/types.ts';

export class LogModel {
  first = 0;
  last = 0;
  readonly entries = new Map<number, LogEntry>();
  readonly stable = new Map<string, Uint8Array>();

  clone(): LogModel {
    const m = new LogModel();
    m.first = this.first;
    m.last = this.last;
    for (const [k, v] of this.entries) m.entries.set(k, v);
    for (const [k, v] of this.stable) m.stable.set(k, v);
    return m;
  }

  get empty(): boolean {
    return this.last === 0;
  }

  /** The index the next append must start at, or undefined when any index is accepted. */
  get next(): number | undefined {
    return this.empty ? undefined : this.last + 1;
  }

  append(es: readonly LogEntry[]): void {
    if (es.length === 0) return;
    if (this.empty) this.first = es[0]!.index;
    for (const e of es) this.entries.set(e.index, e);
    this.last = es.at(-1)!.index;
  }

  truncateBefore(x: number): void {
    if (this.empty || x <= this.first) return;
    if (x > this.last) return this.clear();
    for (let i = this.first; i < x; i++) this.entries.delete(i);
    this.first = x;
  }

  truncateAfter(x: number): void {
    if (this.empty || x >= this.last) return;
    if (x < this.first) return this.clear();
    for (let i = x + 1; i <= this.last; i++) this.entries.delete(i);
    this.last = x;
  }

  setStable(values: Record<string, Uint8Array>): void {
    for (const [k, v] of Object.entries(values)) this.stable.set(k, v.slice());
  }

  private clear(): void {
    this.entries.clear();
    this.first = 0;
    this.last = 0;
  }
}

/** Where `wal` differs from `model`, or undefined when it matches (entries, bounds, `keys`). */
export function diff(wal: Wal, model: LogModel, keys: Iterable<string> = model.stable.keys()): string | undefined {
  if (wal.firstIndex() !== model.first || wal.lastIndex() !== model.last) {
    return `bounds [${wal.firstIndex()}, ${wal.lastIndex()}] vs model [${model.first}, ${model.last}]`;
  }
  if (!model.empty) {
    for (let i = model.first; i <= model.last; i++) {
      const want = model.entries.get(i)!;
      const got = wal.get(i);
      if (!got || got.term !== want.term || got.type !== want.type || !Buffer.from(got.data).equals(Buffer.from(want.data))) {
        return `entry ${i} differs`;
      }
    }
    if (wal.get(model.first - 1) !== undefined || wal.get(model.last + 1) !== undefined) return 'entries outside the bounds';
  }
  for (const k of keys) {
    const got = wal.getStable(k);
    const want = model.stable.get(k);
    if ((got === undefined) !== (want === undefined) || (got && want && !Buffer.from(got).equals(Buffer.from(want)))) return `stable ${k} differs`;
  }
  return undefined;
}
