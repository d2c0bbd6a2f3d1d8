// The public types of raft-wal-ts (see README.md, "API").
import type { Vfs } from './vfs.ts';

export interface LogEntry {
  /** Raft log index, a safe integer >= 1. */
  index: number;
  /** Raft term, a safe integer >= 0. */
  term: number;
  /** Entry type, an integer 0..65535 (stored as u16). */
  type: number;
  data: Uint8Array;
}

export interface WalOptions {
  /** File-system seam; defaults to the real file system (NodeVfs). */
  vfs?: Vfs;
  /** Soft size limit of a segment file: once a write takes it past this, it is sealed. Default 64 MiB. */
  segmentSize?: number;
  /** Largest `data` accepted by append(), checked before anything is allocated. Default 64 MiB. */
  maxEntrySize?: number;
  /**
   * Grow the tail in zero-filled 1 MiB steps, written with the batch that crosses into them, so
   * later appends overwrite allocated blocks (their fdatasync then flushes data only, no
   * journal commit: about 2x the sync rate on ext4). Default true.
   */
  preallocate?: boolean;
}

export interface Wal {
  /** First index held, 0 when the log is empty. */
  firstIndex(): number;
  /** Last durable index, 0 when the log is empty. */
  lastIndex(): number;
  /** The entry at `index`, or undefined outside [firstIndex, lastIndex]. Synchronous. */
  get(index: number): LogEntry | undefined;
  /**
   * Entries [lo, hi) in order. Returns at least one entry when lo is present and lo < hi, then
   * stops before the sum of `data` lengths would exceed maxBytes. Synchronous.
   */
  getRange(lo: number, hi: number, maxBytes: number): LogEntry[];
  /**
   * Appends contiguous entries; resolves once they are durable. On a non-empty log
   * entries[0].index must follow the last index accepted so far; on an empty log it may be
   * any index >= 1. Concurrent calls share one write and one fdatasync.
   */
  append(entries: readonly LogEntry[]): Promise<void>;
  /** Drops entries below `index` (whole segments are deleted); past lastIndex the log becomes empty. */
  truncateBefore(index: number): Promise<void>;
  /** Drops entries above `index`; durable when it resolves. Below firstIndex the log becomes empty. */
  truncateAfter(index: number): Promise<void>;
  /** Value stored under `key`, from memory. Synchronous. */
  getStable(key: string): Uint8Array | undefined;
  /** Stores `value` under `key` durably (atomic replace of the meta file). */
  setStable(key: string, value: Uint8Array): Promise<void>;
  /** Stores several keys in one atomic, durable write (term and vote together). */
  setStableMany(entries: Record<string, Uint8Array>): Promise<void>;
  /** Waits for queued operations, then closes all files. Later calls reject with WalClosedError. */
  close(): Promise<void>;
}
