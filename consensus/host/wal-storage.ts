// The core's LogStorage over raft-wal-ts plus the snapshot metadata, and the writes the
// driver performs on it while executing a Ready. The core reads synchronously (the WAL's reads
// are synchronous and see only durable entries); writes are async and durable on resolve.
//
// Positions: the WAL may retain entries at or below the snapshot index (the trailing margin),
// so firstIndex() is the WAL's first index when it holds anything, else snapshot.index + 1.
import type { LogEntry, Wal } from 'raft-wal-ts';
import {
  CompactedError,
  type Entry,
  EMPTY_SNAPSHOT,
  type HardState,
  type Index,
  type InitialState,
  isEntryType,
  type LogStorage,
  type NodeId,
  type SnapshotMeta,
  type StorageError,
  type Term,
  UnavailableError,
} from '../raft/index.ts';
import { TermRuns } from './term-runs.ts';

/** Stable-store keys. Strings on disk: never rename. */
export const HARD_STATE_KEY = 'raft/hard-state';
export const BOOTSTRAPPED_KEY = 'raft/bootstrapped';

export class WalLogStorage implements LogStorage {
  private hard: HardState;
  private snap: SnapshotMeta;
  /** Terms of the entries appended through this storage (only durable ones are added). */
  private readonly terms = new TermRuns();

  constructor(
    private readonly wal: Wal,
    hardState: HardState,
    snapshot: SnapshotMeta = EMPTY_SNAPSHOT,
  ) {
    this.hard = hardState;
    this.snap = snapshot;
  }

  initialState(): InitialState {
    return { hardState: this.hard };
  }

  firstIndex(): Index {
    return (this.wal.lastIndex() === 0 ? this.snap.index + 1 : this.wal.firstIndex()) as Index;
  }

  lastIndex(): Index {
    return (this.wal.lastIndex() === 0 ? this.snap.index : this.wal.lastIndex()) as Index;
  }

  snapshot(): SnapshotMeta {
    return this.snap;
  }

  term(i: Index): Term | StorageError {
    if (i === 0) return 0 as Term;
    if (i <= this.wal.lastIndex() && i >= this.wal.firstIndex()) {
      const cached = this.terms.term(i);
      if (cached !== undefined) return cached as Term;
    }
    const e = this.wal.get(i);
    if (e !== undefined) return e.term as Term;
    if (i === this.snap.index) return this.snap.term;
    if (i < this.firstIndex()) return new CompactedError(`index ${i} compacted (first ${this.firstIndex()})`);
    return new UnavailableError(`index ${i} past last ${this.lastIndex()}`);
  }

  entries(lo: Index, hi: Index, maxBytes: number): readonly Entry[] | StorageError {
    if (lo > hi) throw new RangeError(`entries: lo ${lo} > hi ${hi}`);
    if (lo < this.firstIndex()) return new CompactedError(`index ${lo} compacted (first ${this.firstIndex()})`);
    if (hi > this.lastIndex() + 1) return new UnavailableError(`index ${hi - 1} past last ${this.lastIndex()}`);
    if (lo === hi) return [];
    const got = this.wal.getRange(lo, hi, maxBytes);
    if (got.length === 0 || got[0]?.index !== lo) throw new Error(`WAL returned no entry at ${lo} inside [${this.firstIndex()}, ${this.lastIndex()}]`);
    return got.map(toEntry);
  }

  // ---- driver-side writes (each durable when it resolves) ------------------------------------

  /** Appends entries, first dropping any stored suffix from entries[0].index (a conflict). */
  async append(entries: readonly Entry[]): Promise<void> {
    const first = entries[0];
    if (first === undefined) return;
    const last = this.wal.lastIndex();
    // Forgotten before the log changes, learned only once durable: never a term the log lacks.
    this.terms.dropFrom(first.index);
    if (last !== 0 && first.index <= last) await this.wal.truncateAfter(first.index - 1);
    if (this.wal.lastIndex() !== 0 && first.index !== this.wal.lastIndex() + 1) {
      throw new Error(`append at ${first.index} leaves a gap after ${this.wal.lastIndex()}`);
    }
    await this.wal.append(entries);
    this.terms.add(entries);
  }

  /**
   * Records the hard state. Term and vote are written durably when they change; the commit
   * index is kept in memory and written along with them (a restart relearns it from the
   * leader and from fsm.applied(), so it needs no fsync of its own — etcd's MustSync rule).
   * The driver calls this before appending the same Ready's entries, so the commit index
   * written is clamped to what the log durably holds: a crash between the two writes must
   * not leave a stored commit index past the stored log.
   */
  async setHardState(next: HardState): Promise<void> {
    const prev = this.hard;
    this.hard = next;
    if (next.term !== prev.term || next.vote !== prev.vote) {
      const commit = Math.min(next.commit, this.lastIndex()) as Index;
      await this.wal.setStable(HARD_STATE_KEY, encodeHardState({ ...next, commit }));
    }
  }

  /** A snapshot from the leader was installed: the whole log is replaced by it. */
  async installSnapshot(meta: SnapshotMeta): Promise<void> {
    if (meta.index < this.snap.index) throw new Error(`snapshot ${meta.index} older than ${this.snap.index}`);
    this.terms.reset();
    if (this.wal.lastIndex() !== 0) await this.wal.truncateAfter(0);
    this.snap = meta;
  }

  /** A snapshot taken locally is durable; the log is untouched (compact() trims it). */
  setSnapshot(meta: SnapshotMeta): void {
    if (meta.index < this.snap.index) throw new Error(`snapshot ${meta.index} older than ${this.snap.index}`);
    if (meta.index > this.lastIndex()) throw new Error(`snapshot ${meta.index} past last index ${this.lastIndex()}`);
    this.snap = meta;
  }

  /** Deletes entries up to and including `upTo`, which the snapshot covers. */
  async compact(upTo: Index): Promise<void> {
    if (upTo > this.snap.index) throw new Error(`compact to ${upTo} past snapshot ${this.snap.index}`);
    if (this.wal.lastIndex() === 0 || upTo < this.wal.firstIndex()) return;
    await this.wal.truncateBefore(upTo + 1);
  }
}

function toEntry(e: LogEntry): Entry {
  if (!isEntryType(e.type)) throw new Error(`WAL entry ${e.index} has unknown type ${e.type}`);
  return e as Entry;
}

export function encodeHardState(h: HardState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ term: h.term, vote: h.vote, commit: h.commit }));
}

/** Decodes the stored hard state; malformed bytes mean a corrupt stable store (fatal). */
export function decodeHardState(bytes: Uint8Array | undefined): HardState {
  if (bytes === undefined) return { term: 0 as Term, vote: null, commit: 0 as Index };
  const raw = JSON.parse(new TextDecoder().decode(bytes)) as { term?: unknown; vote?: unknown; commit?: unknown };
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!isCount(raw.term) || !isCount(raw.commit) || !(raw.vote === null || typeof raw.vote === 'string')) {
    throw new Error('stored Raft hard state is malformed');
  }
  return { term: raw.term as Term, vote: raw.vote as NodeId | null, commit: raw.commit as Index };
}
