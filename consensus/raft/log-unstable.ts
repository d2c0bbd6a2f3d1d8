// The tail of the log that is not yet known to be durable: entries (and possibly an incoming
// snapshot) that a Ready has handed, or will hand, to the driver to persist. Entries below
// `offset` are in storage; entries from `offset` on live here until advance() reports them
// persisted. A conflicting append may truncate entries the driver is still persisting; the
// later stableTo() for them then no longer matches and is ignored.

import { assert } from './assert.ts';
import type { Entry, Index, SnapshotMeta, Term } from './types.ts';

export class UnstableLog {
  /** An incoming snapshot not yet installed by the driver. */
  snapshot: SnapshotMeta | null = null;
  /** Whether `snapshot` has been handed out in a Ready. */
  snapshotInProgress = false;
  /** entries[k] has index offset + k. */
  entries: Entry[] = [];
  offset: Index;
  /** Entries below this index have been handed out in a Ready (persist in progress). */
  offsetInProgress: Index;

  constructor(offset: Index) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  /** The first index if a snapshot is pending (the log restarts after it), else null. */
  maybeFirstIndex(): Index | null {
    return this.snapshot ? ((this.snapshot.index + 1) as Index) : null;
  }

  maybeLastIndex(): Index | null {
    if (this.entries.length > 0) return (this.offset + this.entries.length - 1) as Index;
    return this.snapshot ? this.snapshot.index : null;
  }

  maybeTerm(i: Index): Term | null {
    if (i < this.offset) {
      return this.snapshot !== null && this.snapshot.index === i ? this.snapshot.term : null;
    }
    const e = this.entries[i - this.offset];
    return e ? e.term : null;
  }

  /** Entries not yet handed out for persisting. */
  nextEntries(): readonly Entry[] {
    const start = this.offsetInProgress - this.offset;
    return start >= this.entries.length ? [] : this.entries.slice(start);
  }

  hasNextEntries(): boolean {
    return this.offsetInProgress < this.offset + this.entries.length;
  }

  nextSnapshot(): SnapshotMeta | null {
    return this.snapshot !== null && !this.snapshotInProgress ? this.snapshot : null;
  }

  /** Marks everything currently here as handed out. */
  acceptInProgress(): void {
    if (this.entries.length > 0) this.offsetInProgress = (this.offset + this.entries.length) as Index;
    if (this.snapshot) this.snapshotInProgress = true;
  }

  /** Entries up to (i, t) are durable. Ignored if the log has since changed at i. */
  stableTo(i: Index, t: Term): void {
    if (i < this.offset) return;
    const e = this.entries[i - this.offset];
    if (!e || e.term !== t) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = (i + 1) as Index;
    if (this.offsetInProgress < this.offset) this.offsetInProgress = this.offset;
  }

  stableSnapTo(i: Index): void {
    if (this.snapshot !== null && this.snapshot.index === i) {
      this.snapshot = null;
      this.snapshotInProgress = false;
    }
  }

  restore(snapshot: SnapshotMeta): void {
    this.offset = (snapshot.index + 1) as Index;
    this.offsetInProgress = this.offset;
    this.entries = [];
    this.snapshot = snapshot;
    this.snapshotInProgress = false;
  }

  /** Appends, replacing anything at or after entries[0].index. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    const from = first.index;
    const end = this.offset + this.entries.length;
    if (from === end) {
      for (const e of entries) this.entries.push(e);
    } else if (from <= this.offset) {
      // The whole unstable tail (and possibly stored entries) is replaced.
      this.entries = entries.slice();
      this.offset = from;
    } else {
      assert(from < end, `unstable append at ${from} leaves a gap after ${end - 1}`);
      this.entries.length = from - this.offset;
      for (const e of entries) this.entries.push(e);
    }
    if (this.offsetInProgress > from) this.offsetInProgress = from;
  }

  /** Entries [lo, hi), which must lie within this unstable tail. */
  slice(lo: Index, hi: Index): Entry[] {
    assert(
      lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi,
      () => `unstable slice [${lo},${hi}) out of [${this.offset},${this.offset + this.entries.length})`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
