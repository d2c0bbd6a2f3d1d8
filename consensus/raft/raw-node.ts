// RawNode: the driver-facing API of the core (after etcd-io/raft's RawNode). Not thread-safe
// and fully synchronous: the driver feeds inputs (tick, step, propose, ...) and repeatedly
// takes a Ready, performs it, and hands it back with advance(). See consensus/DESIGN.md.

import type { RaftOptions } from './config.ts';
import type { MembershipError } from './membership.ts';
import type { Ready } from './ready.ts';
import type { Rng } from './rng.ts';
import type { LogStorage } from './storage.ts';
import type { ConfChange, Configuration, Index, Message, NodeId, Role, SnapshotMeta, Term } from './types.ts';

export interface RawNodeOptions {
  readonly config: RaftOptions;
  /** The persisted log, hard state and latest snapshot metadata. */
  readonly storage: LogStorage;
  /** Seeded randomness for election timeouts. */
  readonly rng: Rng;
  /**
   * The index the FSM has durably applied (0 for a fresh FSM). Committed entries after it are
   * handed out again in Ready.committedEntries after a restart.
   */
  readonly applied?: Index;
}

export type ProposeError =
  | { readonly code: 'notLeader'; readonly leader: NodeId | null }
  | { readonly code: 'transferring' }
  | { readonly code: 'tooManyUncommitted' }
  | { readonly code: 'confChangeInFlight' }
  | { readonly code: 'noCommitInTerm' }
  | { readonly code: 'invalidConfChange'; readonly error: MembershipError };

export type ProposeResult =
  | { readonly ok: true; readonly index: Index; readonly term: Term }
  | { readonly ok: false; readonly error: ProposeError };

export type ReadIndexError = { readonly code: 'noLeader' } | { readonly code: 'tooManyReads' };
export type ReadIndexResult = { readonly ok: true } | { readonly ok: false; readonly error: ReadIndexError };

export type TransferError =
  | { readonly code: 'noLeader' }
  | { readonly code: 'alreadyLeader' }
  | { readonly code: 'unknownTarget' }
  | { readonly code: 'targetNotVoter' };
export type TransferResult = { readonly ok: true } | { readonly ok: false; readonly error: TransferError };

export type CampaignError = { readonly code: 'notVoter' } | { readonly code: 'alreadyLeader' };
export type CampaignResult = { readonly ok: true } | { readonly ok: false; readonly error: CampaignError };

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface ProgressStatus {
  readonly id: NodeId;
  readonly match: Index;
  readonly next: Index;
  readonly state: ProgressState;
  readonly voter: boolean;
  /** Ticks since this follower last answered the leader (null: not since this term began). */
  readonly ticksSinceAck: number | null;
}

export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: Index;
  readonly applied: Index;
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  readonly configuration: Configuration;
  readonly configurationIndex: Index;
  /** Ticks since a follower last heard from its leader (0 on the leader). */
  readonly ticksSinceLeaderContact: number;
  readonly leadTransferee: NodeId | null;
  /** Replication state per server, sorted by id; null unless leader. */
  readonly progress: readonly ProgressStatus[] | null;
}

export type SnapshotSendStatus = 'finished' | 'failed';

export class RawNode {
  constructor(_options: RawNodeOptions) {
    throw new Error('not implemented');
  }

  /** Advances logical time by one tick (election and heartbeat timers, lease, check-quorum). */
  tick(): void {
    throw new Error('not implemented');
  }

  /** Feeds a message received from a peer. Messages not addressed to this node are dropped. */
  step(_message: Message): void {
    throw new Error('not implemented');
  }

  /** Starts an election now (pre-vote first if enabled). */
  campaign(): CampaignResult {
    throw new Error('not implemented');
  }

  /**
   * Appends a client command (or a Barrier) to the leader's log. On success the entry will be
   * committed at (index, term) unless leadership is lost: if the FSM later applies a different
   * term at that index, the proposal was dropped.
   */
  propose(_data: Uint8Array, _type?: 'command' | 'barrier'): ProposeResult {
    throw new Error('not implemented');
  }

  /** Proposes a single-server membership change; it takes effect when appended. */
  proposeConfChange(_change: ConfChange): ProposeResult {
    throw new Error('not implemented');
  }

  /**
   * Requests a linearizable read. The answer arrives as a ReadState with the same context in a
   * later Ready; the read is servable once the FSM applied its index. Followers forward it.
   */
  readIndex(_context: string): ReadIndexResult {
    throw new Error('not implemented');
  }

  /** True when this leader may serve a default-consistency read locally (lease held). */
  leaseValid(): boolean {
    throw new Error('not implemented');
  }

  /** Hands leadership to `target` once it has caught up (followers forward to the leader). */
  transferLeadership(_target: NodeId): TransferResult {
    throw new Error('not implemented');
  }

  /** The driver could not reach `id`: fall back from pipelining to probing. */
  reportUnreachable(_id: NodeId): void {
    throw new Error('not implemented');
  }

  /** How streaming a snapshot to `id` ended, as seen by the leader's driver. */
  reportSnapshot(_id: NodeId, _status: SnapshotSendStatus): void {
    throw new Error('not implemented');
  }

  hasReady(): boolean {
    throw new Error('not implemented');
  }

  /** Takes the pending work. Only one Ready may be outstanding: call advance() before the next. */
  ready(): Ready {
    throw new Error('not implemented');
  }

  /** Reports that `ready` was performed: persisted, sent, applied. */
  advance(_ready: Ready): void {
    throw new Error('not implemented');
  }

  /** The snapshot metadata for a snapshot of the FSM at applied index `index`. */
  snapshotMetaAt(_index: Index): SnapshotMeta {
    throw new Error('not implemented');
  }

  /** The driver durably stored a snapshot; the log may be compacted behind it. */
  onSnapshotTaken(_meta: SnapshotMeta): void {
    throw new Error('not implemented');
  }

  /** The driver gave up on a due snapshot; snapshotDue will be raised again. */
  snapshotFailed(): void {
    throw new Error('not implemented');
  }

  status(): Status {
    throw new Error('not implemented');
  }

  /** The latest configuration (effective as soon as appended) and its index. */
  configuration(): { readonly index: Index; readonly configuration: Configuration } {
    throw new Error('not implemented');
  }
}
