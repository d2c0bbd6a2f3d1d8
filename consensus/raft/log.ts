// The Raft log as the core sees it: durable entries read through LogStorage plus the unstable
// tail, with the commit and apply positions. Invariant (asserted on every move):
//   applied <= applying <= committed <= lastIndex, and committed never goes backwards.
// `applying` is the last entry handed to the driver in Ready.committedEntries; `applied` the
// last one the driver reported applied through advance().

import { assert, InvariantError } from './assert.ts';
import { UnstableLog } from './log-unstable.ts';
import { CompactedError, UnavailableError, entrySize, limitSize, type LogStorage, type StorageError } from './storage.ts';
import type { Entry, Index, SnapshotMeta, Term } from './types.ts';

export class RaftLog {
  readonly storage: LogStorage;
  readonly unstable: UnstableLog;
  committed: Index;
  applying: Index;
  applied: Index;
  private readonly maxApplyingBytes: number;
  /** Told about every append (after truncation), so configurations can track the log. */
  private readonly onAppend: (entries: readonly Entry[]) => void;

  constructor(storage: LogStorage, maxApplyingBytes: number, onAppend: (entries: readonly Entry[]) => void) {
    this.storage = storage;
    this.maxApplyingBytes = maxApplyingBytes;
    this.onAppend = onAppend;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    assert(first >= 1 && last >= first - 1, `storage bounds first ${first} last ${last}`);
    this.unstable = new UnstableLog((last + 1) as Index);
    // Everything before the first retained entry is covered by a snapshot: committed and applied.
    const snap = storage.snapshot().index;
    this.committed = snap;
    this.applying = snap;
    this.applied = snap;
  }

  firstIndex(): Index {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): Index {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The last index that is durable (everything below the unstable tail). */
  persistedIndex(): Index {
    return (this.unstable.offset - 1) as Index;
  }

  term(i: Index): Term | StorageError {
    const t = this.unstable.maybeTerm(i);
    if (t !== null) return t;
    if (i > this.lastIndex()) return new UnavailableError(`index ${i} past last ${this.lastIndex()}`);
    if (this.unstable.snapshot !== null && i < this.unstable.snapshot.index) {
      return new CompactedError(`index ${i} below pending snapshot ${this.unstable.snapshot.index}`);
    }
    return this.storage.term(i);
  }

  /** term(i) for a position that must exist; anything else is a broken invariant. */
  mustTerm(i: Index): Term {
    const t = this.term(i);
    if (typeof t !== 'number') throw new InvariantError(`term(${i}): ${t.message}`);
    return t;
  }

  lastTerm(): Term {
    return this.mustTerm(this.lastIndex());
  }

  matchTerm(i: Index, t: Term): boolean {
    // Past the end nothing matches: answered without building an error value, since every
    // append asks this of each new entry.
    if (i > this.lastIndex()) return false;
    return this.term(i) === t;
  }

  /** Whether a log ending at (lastIndex, lastTerm) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lastIndex: Index, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The largest position at or below `at` whose term is at most `t`, for fast log back-off:
   * every entry after it up to `at` has a term above `t`, so none can match. Stops at the
   * compaction boundary.
   */
  findConflictByTerm(at: Index, t: Term): { index: Index; term: Term } {
    let i = at;
    for (;;) {
      const ti = this.term(i);
      if (typeof ti !== 'number') return { index: i, term: 0 as Term };
      if (ti <= t || i === 0) return { index: i, term: ti };
      i = (i - 1) as Index;
    }
  }

  /**
   * The follower side of AppendEntries (§5.3): if our log matches at (prevIndex, prevTerm),
   * drop any conflicting suffix, append what is new and advance commit. Returns the index of
   * the last new entry, or null on mismatch.
   */
  maybeAppend(prevIndex: Index, prevTerm: Term, commit: Index, entries: readonly Entry[]): Index | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = (prevIndex + entries.length) as Index;
    let k = 0;
    while (k < entries.length && this.matchTerm(entries[k]!.index, entries[k]!.term)) k++;
    if (k < entries.length) {
      const conflict = entries[k]!.index;
      assert(conflict > this.committed, `conflicting entry ${conflict} at or below commit ${this.committed}`);
      this.append(k === 0 ? entries : entries.slice(k));
    }
    this.commitTo(Math.min(commit, lastNew) as Index);
    return lastNew;
  }

  append(entries: readonly Entry[]): Index {
    const first = entries[0];
    if (!first) return this.lastIndex();
    assert(first.index - 1 >= this.committed, `append at ${first.index} would overwrite commit ${this.committed}`);
    this.unstable.truncateAndAppend(entries);
    this.onAppend(entries);
    return this.lastIndex();
  }

  commitTo(i: Index): void {
    if (i <= this.committed) return;
    assert(i <= this.lastIndex(), `commit ${i} past last index ${this.lastIndex()}`);
    this.committed = i;
  }

  /** Entries [lo, hi) up to maxBytes (at least one), from storage and the unstable tail. */
  slice(lo: Index, hi: Index, maxBytes: number): readonly Entry[] | StorageError {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return new CompactedError(`index ${lo} compacted (first ${this.firstIndex()})`);
    assert(hi <= this.lastIndex() + 1, `slice [${lo},${hi}) past last ${this.lastIndex()}`);
    const offset = this.unstable.offset;
    let stored: readonly Entry[] = [];
    if (lo < offset) {
      const storedHi = Math.min(hi, offset) as Index;
      const got = this.storage.entries(lo, storedHi, maxBytes);
      if (got instanceof UnavailableError) throw new InvariantError(`storage lost entries [${lo},${storedHi}): ${got.message}`);
      if (got instanceof CompactedError) return got;
      if (got.length < storedHi - lo || hi <= offset) return got;
      stored = got;
    }
    const fresh = this.unstable.slice(Math.max(lo, offset) as Index, hi);
    if (stored.length === 0) return limitSize(fresh, maxBytes);
    return limitSize(stored.concat(fresh), maxBytes);
  }

  /** Whether committed entries beyond those already handed out are durable and appliable. */
  hasNextCommittedEntries(): boolean {
    if (this.unstable.snapshot !== null) return false;
    return this.applying < this.maxAppliableIndex();
  }

  /** The next batch of committed, durable entries to apply; marks them as applying. */
  nextCommittedEntries(): readonly Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const got = this.slice((this.applying + 1) as Index, (this.maxAppliableIndex() + 1) as Index, this.maxApplyingBytes);
    if (got instanceof CompactedError || got instanceof UnavailableError) {
      throw new InvariantError(`committed entries after ${this.applying} unreadable: ${got.message}`);
    }
    const last = got[got.length - 1];
    if (last) this.applying = last.index;
    return got;
  }

  private maxAppliableIndex(): Index {
    return Math.min(this.committed, this.persistedIndex()) as Index;
  }

  appliedTo(i: Index): void {
    assert(i >= this.applied && i <= this.applying, () => `appliedTo ${i} outside [${this.applied}, ${this.applying}]`);
    this.applied = i;
  }

  /** Adopts a snapshot from the leader: the log restarts after it. */
  restore(snapshot: SnapshotMeta): void {
    assert(snapshot.index > this.committed, `restore ${snapshot.index} not past commit ${this.committed}`);
    this.committed = snapshot.index;
    this.unstable.restore(snapshot);
  }

  /** The pending snapshot was handed to the driver to install. */
  applyingSnapshot(snapshot: SnapshotMeta): void {
    assert(snapshot.index >= this.applying, `snapshot ${snapshot.index} below applying ${this.applying}`);
    this.applying = snapshot.index;
  }

  /** The driver installed the snapshot: it is applied. */
  snapshotInstalled(snapshot: SnapshotMeta): void {
    this.unstable.stableSnapTo(snapshot.index);
    if (snapshot.index > this.applying) this.applying = snapshot.index;
    if (snapshot.index > this.applied) this.applied = snapshot.index;
  }

  /** Size of `entries` as counted against the byte limits. */
  static payloadBytes(entries: readonly Entry[]): number {
    let n = 0;
    for (const e of entries) n += entrySize(e);
    return n;
  }
}
