// The terms of a contiguous range of log positions, kept as runs (first index of each term).
// Terms never decrease along a Raft log, so a handful of runs covers everything appended
// since start-up, and term(i) — which the core asks on every ReadIndex/lease check, every
// AppendEntries it sends (prevLogTerm) and every commit — costs a few comparisons instead of
// a WAL read with its CRC check.

/** Runs kept at most; older ones are dropped (a lookup below them falls back to the WAL). */
const MAX_RUNS = 64;

export class TermRuns {
  private starts: number[] = [];
  private terms: number[] = [];
  /** Covered positions: [from, to]; empty when to < from. */
  private from = 1;
  private to = 0;

  /** The term at `i` if covered, else undefined. */
  term(i: number): number | undefined {
    if (i < this.from || i > this.to) return undefined;
    for (let k = this.starts.length - 1; k >= 0; k--) if (this.starts[k]! <= i) return this.terms[k];
    return undefined;
  }

  /** Entries now durable in the log, contiguous with what is covered (else coverage restarts at them). */
  add(entries: readonly { readonly index: number; readonly term: number }[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index !== this.to + 1 || this.to < this.from) this.reset(first.index);
    for (const e of entries) {
      if (this.terms.length === 0 || this.terms[this.terms.length - 1] !== e.term) {
        if (this.terms.length > 0 && e.term < this.terms[this.terms.length - 1]!) throw new Error(`term ${e.term} at ${e.index} below the previous entry's`);
        this.starts.push(e.index);
        this.terms.push(e.term);
      }
      this.to = e.index;
    }
    if (this.starts.length > MAX_RUNS) {
      this.starts.splice(0, this.starts.length - MAX_RUNS);
      this.terms.splice(0, this.terms.length - MAX_RUNS);
      this.from = this.starts[0]!;
    }
  }

  /** Positions from `i` on are about to be replaced or removed: forget them. */
  dropFrom(i: number): void {
    if (i > this.to) return;
    this.to = i - 1;
    while (this.starts.length > 0 && this.starts[this.starts.length - 1]! > this.to) {
      this.starts.pop();
      this.terms.pop();
    }
  }

  reset(from = 1): void {
    this.starts = [];
    this.terms = [];
    this.from = from;
    this.to = from - 1;
  }
}
