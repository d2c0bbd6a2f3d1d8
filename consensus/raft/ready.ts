// Ready: everything the core asks the driver to do, handed out in one batch. The ordering
// rules (consensus/DESIGN.md, "The Ready contract") are repeated on each field.

import type { Configuration, Entry, HardState, Index, Message, NodeId, ReadState, Role, SnapshotMeta } from './types.ts';

/** Volatile state worth reporting when it changes: who leads and what this node is. */
export interface SoftState {
  readonly role: Role;
  /** The leader this node currently follows (itself when leader), or null if unknown. */
  readonly leader: NodeId | null;
  readonly term: number;
}

export interface Ready {
  /** Set when role or leader changed since the previous Ready. Informational. */
  readonly softState: SoftState | null;
  /**
   * Set when term, vote or commit changed. Persist it (with entries, after any snapshot)
   * before sending messagesAfterPersist. Term and vote changes require fsync (see mustSync).
   */
  readonly hardState: HardState | null;
  /**
   * A snapshot received from the leader. Install it first: restore the FSM from the staged
   * snapshot bytes, record it as the latest snapshot, and discard the whole log, so that
   * storage.firstIndex() = index + 1 and storage.lastIndex() = index.
   */
  readonly snapshot: SnapshotMeta | null;
  /**
   * Entries to append to the log. entries[0].index may be at or below the stored last index:
   * the stored suffix from there on is replaced (tail truncation on conflict).
   */
  readonly entries: readonly Entry[];
  /**
   * Messages that may be sent at once, in parallel with persisting this Ready (the leader's
   * appends and heartbeats, vote requests, snapshot-send requests, read forwarding).
   */
  readonly messages: readonly Message[];
  /**
   * Messages that may be sent only after entries, hardState and snapshot of this Ready are
   * durable (vote grants, append acknowledgements): they promise what is on disk.
   */
  readonly messagesAfterPersist: readonly Message[];
  /**
   * Committed entries to apply to the FSM, in order. They were persisted by earlier Readies,
   * so they may be applied in parallel with persisting this one.
   */
  readonly committedEntries: readonly Entry[];
  /** Linearizable reads now servable once the FSM has applied their index. */
  readonly readStates: readonly ReadState[];
  /** The latest configuration (effective once appended) when it changed; update the transport. */
  readonly configuration: { readonly index: Index; readonly configuration: Configuration } | null;
  /**
   * The log has grown by snapshotThreshold entries since the last snapshot: snapshot the FSM
   * at its applied index and call onSnapshotTaken. Raised once until then (or snapshotFailed).
   */
  readonly snapshotDue: boolean;
  /**
   * Log entries up to and including this index may now be deleted from the log store (they are
   * covered by a snapshot and beyond the trailing margin). Null when nothing new to compact.
   */
  readonly compactTo: Index | null;
  /** Whether persisting this Ready needs an fsync (entries, term or vote changed, snapshot). */
  readonly mustSync: boolean;
}

export function isEmptyReady(rd: Ready): boolean {
  return (
    rd.softState === null &&
    rd.hardState === null &&
    rd.snapshot === null &&
    rd.entries.length === 0 &&
    rd.messages.length === 0 &&
    rd.messagesAfterPersist.length === 0 &&
    rd.committedEntries.length === 0 &&
    rd.readStates.length === 0 &&
    rd.configuration === null &&
    !rd.snapshotDue &&
    rd.compactTo === null
  );
}

/**
 * etcd's MustSync rule: an fsync is needed when entries are appended, a snapshot installed,
 * or the term or vote changed. A commit-only change may be written lazily: after a crash the
 * commit index is relearned from the leader.
 */
export function mustSync(prev: HardState, next: HardState | null, entryCount: number, snapshot: boolean): boolean {
  if (entryCount > 0 || snapshot) return true;
  if (next === null) return false;
  return next.term !== prev.term || next.vote !== prev.vote;
}
