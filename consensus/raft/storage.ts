// The read-only view of the durable log that the core consumes (after etcd-io/raft's Storage),
// and MemoryStorage, the in-memory implementation used by tests and the simulation. The driver
// implements LogStorage over raft-wal-ts and its snapshot store; the core never writes through
// it — writes reach storage only through Ready, performed by the driver.

import { assert } from './assert.ts';
import {
  EMPTY_SNAPSHOT,
  ZERO_INDEX,
  ZERO_TERM,
  type Entry,
  type HardState,
  type Index,
  type SnapshotMeta,
  type Term,
} from './types.ts';

/** The requested position lies before the first retained entry: a snapshot is needed. */
export class CompactedError extends Error {
  override readonly name = 'CompactedError';
}

/** The requested position lies past the last entry. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

export type StorageError = CompactedError | UnavailableError;

export interface InitialState {
  readonly hardState: HardState;
}

/**
 * What the core reads. Reads are synchronous and reflect every Ready the driver has persisted
 * (before it called advance). Errors are returned, not thrown: callers must handle them.
 *
 * Positions: entries firstIndex()..lastIndex() are readable. The latest snapshot covers
 * 1..snapshot().index; retained "trailing" entries may overlap it, so firstIndex() may be
 * at or below snapshot().index + 1. An empty log after a snapshot has
 * firstIndex() = snapshot().index + 1 and lastIndex() = snapshot().index.
 */
export interface LogStorage {
  initialState(): InitialState;
  /** Entries [lo, hi), stopping once their size passes maxBytes but always at least one. */
  entries(lo: Index, hi: Index, maxBytes: number): readonly Entry[] | StorageError;
  /** The term of entry i; also answers for 0 (term 0) and for snapshot().index. */
  term(i: Index): Term | StorageError;
  firstIndex(): Index;
  lastIndex(): Index;
  /** Metadata of the latest snapshot the driver holds (EMPTY_SNAPSHOT if none). */
  snapshot(): SnapshotMeta;
}

/** Bytes an entry costs in a message besides its data (index, term, type, framing). */
export const ENTRY_OVERHEAD_BYTES = 24;

export function entrySize(entry: Entry): number {
  return entry.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** The longest prefix of `entries` (at least one entry) whose total size fits maxBytes. */
export function limitSize<T extends Entry>(entries: readonly T[], maxBytes: number): readonly T[] {
  if (entries.length <= 1) return entries;
  let size = entrySize(entries[0]!);
  let n = 1;
  while (n < entries.length) {
    size += entrySize(entries[n]!);
    if (size > maxBytes) break;
    n++;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

/**
 * An in-memory LogStorage with the write operations a driver performs. Used by unit tests and
 * the simulation; semantics match what the driver must provide over the WAL.
 */
export class MemoryStorage implements LogStorage {
  private hard: HardState = { term: ZERO_TERM, vote: null, commit: ZERO_INDEX };
  private snap: SnapshotMeta = EMPTY_SNAPSHOT;
  /** entries[k] has index offset + k. */
  private offset: Index = 1 as Index;
  private log: Entry[] = [];

  initialState(): InitialState {
    return { hardState: this.hard };
  }

  firstIndex(): Index {
    return this.offset;
  }

  lastIndex(): Index {
    return (this.offset + this.log.length - 1) as Index;
  }

  snapshot(): SnapshotMeta {
    return this.snap;
  }

  term(i: Index): Term | StorageError {
    if (i === 0) return ZERO_TERM;
    if (i >= this.offset && i <= this.lastIndex()) return this.log[i - this.offset]!.term;
    if (i === this.snap.index) return this.snap.term;
    if (i < this.offset) return new CompactedError(`index ${i} compacted (first ${this.offset})`);
    return new UnavailableError(`index ${i} past last ${this.lastIndex()}`);
  }

  entries(lo: Index, hi: Index, maxBytes: number): readonly Entry[] | StorageError {
    assert(lo <= hi, `entries: lo ${lo} > hi ${hi}`);
    if (lo < this.offset) return new CompactedError(`index ${lo} compacted (first ${this.offset})`);
    if (hi > this.lastIndex() + 1) return new UnavailableError(`index ${hi - 1} past last ${this.lastIndex()}`);
    return limitSize(this.log.slice(lo - this.offset, hi - this.offset), maxBytes);
  }

  // ---- driver-side writes -------------------------------------------------------------------

  setHardState(hardState: HardState): void {
    this.hard = hardState;
  }

  /** Appends entries, first dropping any existing entries at or after entries[0].index. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index >= this.offset, `append at ${first.index} below first index ${this.offset}`);
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    this.log.length = first.index - this.offset;
    for (const e of entries) this.log.push(e);
  }

  /** Installs a snapshot received from the leader: the whole log is replaced. */
  applySnapshot(meta: SnapshotMeta): void {
    assert(meta.index >= this.snap.index, `snapshot ${meta.index} older than ${this.snap.index}`);
    this.snap = meta;
    this.offset = (meta.index + 1) as Index;
    this.log = [];
  }

  /** Records a locally taken snapshot; the log is untouched (compact separately). */
  setSnapshot(meta: SnapshotMeta): void {
    assert(meta.index >= this.snap.index, `snapshot ${meta.index} older than ${this.snap.index}`);
    assert(meta.index <= this.lastIndex(), `snapshot ${meta.index} past last index ${this.lastIndex()}`);
    this.snap = meta;
  }

  /** Discards entries up to and including `upTo`, which must be covered by the snapshot. */
  compact(upTo: Index): void {
    if (upTo < this.offset) return;
    assert(upTo <= this.snap.index, `compact to ${upTo} past snapshot ${this.snap.index}`);
    this.log.splice(0, upTo - this.offset + 1);
    this.offset = (upTo + 1) as Index;
  }
}
