// The state machine as the Raft driver sees it. consensus/ never imports storage/: the SQLite
// FSM in storage/fsm.ts satisfies this interface structurally and app/server.ts wires the two.
// The contract follows hashicorp/raft's FSM: apply is deterministic and batched, snapshot
// captures a point-in-time handle cheaply, and persisting that handle runs beside later applies.

/** What a committed log entry is, as far as the state machine cares. */
export type FsmEntryKind = 'command' | 'noop' | 'barrier' | 'config';

export interface FsmEntry {
  readonly index: number;
  readonly term: number;
  readonly kind: FsmEntryKind;
  /** The proposed bytes for 'command'; empty for the other kinds. */
  readonly data: Uint8Array;
}

export interface AppliedPosition {
  readonly index: number;
  readonly term: number;
}

export interface Fsm {
  /**
   * The last entry whose effects the state holds, as recorded durably with those effects.
   * After a restart the driver replays the log from index + 1 only.
   */
  applied(): AppliedPosition;

  /**
   * Applies a contiguous batch of committed entries atomically, recording the last one as
   * applied in the same transaction. Returns one result per entry (undefined for entries that
   * are not commands). Results are plain JSON-serialisable values, because a follower that
   * forwarded the proposal receives the leader's result over the wire.
   * Must be deterministic. Throws only on a bug or an IO failure, which is fatal to the node.
   */
  apply(batch: readonly FsmEntry[]): unknown[];

  /** Captures the state at applied() cheaply; the returned handle streams it later. */
  snapshot(): FsmSnapshot;

  /**
   * Replaces the whole state with a snapshot streamed from `source` that was taken at `at`.
   * Every blocking query is woken afterwards (indexes may go backwards).
   */
  restore(source: AsyncIterable<Uint8Array>, at: AppliedPosition): Promise<void>;
}

export interface FsmSnapshot {
  readonly at: AppliedPosition;
  /** Streams the snapshot bytes in bounded chunks. May run while later entries are applied. */
  write(sink: (chunk: Uint8Array) => Promise<void>): Promise<void>;
  /** Releases whatever the handle holds (a read transaction, a temp file). Idempotent. */
  release(): void;
}
