// RawNode: the driver-facing API of the core (after etcd-io/raft's RawNode). Not thread-safe
// and fully synchronous: the driver feeds inputs (tick, step, propose, ...) and repeatedly
// takes a Ready, performs it, and hands it back with advance(). See consensus/DESIGN.md.

import { assert } from './assert.ts';
import { isConfigError, resolveConfig, type RaftOptions } from './config.ts';
import * as leader from './leader.ts';
import type { MembershipError } from './membership.ts';
import { Raft } from './raft.ts';
import { mustSync, type Ready, type SoftState } from './ready.ts';
import type { Rng } from './rng.ts';
import type { LogStorage } from './storage.ts';
import {
  EntryType,
  type ConfChange,
  type Configuration,
  type HardState,
  type Index,
  type Message,
  type NodeId,
  type Role,
  type SnapshotMeta,
  type Term,
} from './types.ts';

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

export type UserRestoreError =
  | { readonly code: 'notLeader'; readonly leader: NodeId | null }
  | { readonly code: 'transferring' }
  | { readonly code: 'confChangeInFlight' }
  /** Entries remain to be committed or applied: the restore must follow a barrier. */
  | { readonly code: 'notQuiescent' }
  /** The log or term moved since userSnapshotMeta() chose the position. */
  | { readonly code: 'stale' };
export type UserRestoreResult = { readonly ok: true; readonly meta: SnapshotMeta } | { readonly ok: false; readonly error: UserRestoreError };
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
  private readonly r: Raft;
  /** The soft and hard state as of the last Ready handed out. */
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | null = null;

  constructor(options: RawNodeOptions) {
    const config = resolveConfig(options.config);
    if (isConfigError(config)) throw new Error(`invalid raft config: ${config.message}`);
    this.r = new Raft({ config, storage: options.storage, rng: options.rng, applied: options.applied ?? (0 as Index) });
    this.prevSoft = softStateOf(this.r);
    this.prevHard = this.r.persisted;
  }

  /** Advances logical time by one tick (election and heartbeat timers, lease, check-quorum). */
  tick(): void {
    this.r.tick();
  }

  /** Feeds a message received from a peer. Messages not addressed to this node are dropped. */
  step(message: Message): void {
    this.r.step(message);
  }

  /** Starts an election now (pre-vote first if enabled). */
  campaign(): CampaignResult {
    if (this.r.role === 'leader') return { ok: false, error: { code: 'alreadyLeader' } };
    if (!this.r.hup(false)) return { ok: false, error: { code: 'notVoter' } };
    return { ok: true };
  }

  /**
   * Appends a client command (or a Barrier) to the leader's log. On success the entry will be
   * committed at (index, term) unless leadership is lost: if the FSM later applies a different
   * term at that index, the proposal was dropped.
   */
  propose(data: Uint8Array, type: 'command' | 'barrier' = 'command'): ProposeResult {
    return leader.propose(this.r, data, type === 'barrier' ? EntryType.Barrier : EntryType.Command);
  }

  /** Proposes a single-server membership change; it takes effect when appended. */
  proposeConfChange(change: ConfChange): ProposeResult {
    return leader.proposeConfChange(this.r, change);
  }

  /**
   * Requests a linearizable read. The answer arrives as a ReadState with the same context in a
   * later Ready; the read is servable once the FSM applied its index. Followers forward it.
   * Contexts must be unique among outstanding reads. A read is dropped silently if leadership
   * changes before it is answered (the driver fails waiting reads on a softState change).
   */
  readIndex(context: string): ReadIndexResult {
    const r = this.r;
    if (r.role === 'leader') return leader.readIndex(r, context, null);
    if (r.leader === null) return { ok: false, error: { code: 'noLeader' } };
    r.send({ type: 'readIndex', from: r.id, to: r.leader, term: r.term, context });
    return { ok: true };
  }

  /** True when this leader may serve a default-consistency read locally (lease held). */
  leaseValid(): boolean {
    return leader.leaseValid(this.r);
  }

  /** Hands leadership to `target` once it has caught up (followers forward to the leader). */
  transferLeadership(target: NodeId): TransferResult {
    const r = this.r;
    if (r.role === 'leader') return leader.transferLeadership(r, target);
    if (r.leader === null) return { ok: false, error: { code: 'noLeader' } };
    r.send({ type: 'transferLeader', from: r.id, to: r.leader, term: r.term, target });
    return { ok: true };
  }

  /** The driver could not reach `id`: fall back from pipelining to probing. */
  reportUnreachable(id: NodeId): void {
    const pr = this.r.role === 'leader' ? this.r.tracker.get(id) : undefined;
    if (pr?.state === 'replicate') pr.becomeProbe();
  }

  /** How streaming a snapshot to `id` ended, as seen by the leader's driver. */
  reportSnapshot(id: NodeId, status: SnapshotSendStatus): void {
    const pr = this.r.role === 'leader' ? this.r.tracker.get(id) : undefined;
    if (pr?.state !== 'snapshot') return;
    if (status === 'failed') pr.pendingSnapshot = 0 as Index;
    pr.becomeProbe();
    // Wait for the follower's answer (or a heartbeat answer) before probing again.
    pr.probeSent = true;
  }

  /**
   * Where a user-supplied snapshot (an operator restore: hashicorp/raft's Raft.Restore) would
   * go now: the index after both the last entry and `minIndex` (the snapshot's own index, so
   * the restored state's indexes stay below every later write), in the current term, with the
   * latest configuration. Leader only, once every entry is committed and applied and no
   * membership change or transfer is in flight (the driver proposes a barrier first).
   */
  userSnapshotMeta(minIndex: Index): UserRestoreResult {
    const r = this.r;
    const refused = userRestoreRefusal(r);
    if (refused !== null) return { ok: false, error: refused };
    const latest = r.configs.latest();
    const index = (Math.max(r.log.lastIndex(), minIndex) + 1) as Index;
    return { ok: true, meta: { index, term: r.term, configuration: latest.configuration, configurationIndex: latest.index } };
  }

  /**
   * Replaces the leader's log with the user snapshot `meta`, which the driver has stored
   * durably and already restored into its FSM. The log restarts after it, committed and
   * applied there; followers find their next entry compacted and are sent the snapshot. As in
   * hashicorp/raft, the index is committed here without a quorum holding it: the restore is an
   * operator's override of the replicated state, confirmed once an entry after it commits.
   * The next Ready carries `meta` as its snapshot (already in the FSM: install is a no-op).
   */
  restoreUserSnapshot(meta: SnapshotMeta): UserRestoreResult {
    const r = this.r;
    assert(this.outstanding === null, 'restoreUserSnapshot() while a Ready is outstanding');
    const refused = userRestoreRefusal(r);
    if (refused !== null) return { ok: false, error: refused };
    const latest = r.configs.latest();
    if (meta.term !== r.term || meta.index <= r.log.lastIndex() || meta.configurationIndex !== latest.index) {
      return { ok: false, error: { code: 'stale' } };
    }
    r.log.restore(meta);
    r.configs.reset({ index: meta.configurationIndex, configuration: meta.configuration });
    r.uncommittedBytes = 0;
    r.broadcastPending = true;
    return { ok: true, meta };
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const r = this.r;
    const log = r.log;
    return (
      r.broadcastPending ||
      r.msgs.length > 0 ||
      r.msgsAfterPersist.length > 0 ||
      r.readStates.length > 0 ||
      r.configChanged ||
      r.compactTo !== null ||
      log.unstable.hasNextEntries() ||
      log.unstable.nextSnapshot() !== null ||
      log.hasNextCommittedEntries() ||
      !sameSoft(softStateOf(r), this.prevSoft) ||
      !sameHard(r.hardState(), this.prevHard) ||
      this.snapshotDue()
    );
  }

  /** Takes the pending work. Only one Ready may be outstanding: call advance() before the next. */
  ready(): Ready {
    assert(this.outstanding === null, 'ready() called before advance() of the previous Ready');
    const r = this.r;
    leader.flushBroadcast(r);
    const soft = softStateOf(r);
    const hard = r.hardState();
    const hardState = sameHard(hard, this.prevHard) ? null : hard;
    const snapshot = r.log.unstable.nextSnapshot();
    const entries = r.log.unstable.nextEntries();
    const committedEntries = r.log.nextCommittedEntries();
    leader.releaseUncommitted(r, committedEntries);
    // Installing a snapshot is what the FSM does next: it is "applying" up to its index, and
    // there is no point in snapshotting what just arrived.
    if (snapshot) r.log.applyingSnapshot(snapshot);
    const snapshotDue = snapshot === null && this.snapshotDue();
    const rd: Ready = {
      softState: sameSoft(soft, this.prevSoft) ? null : soft,
      hardState,
      snapshot,
      entries,
      messages: r.msgs,
      messagesAfterPersist: r.msgsAfterPersist,
      committedEntries,
      readStates: r.readStates,
      configuration: r.configChanged ? r.configs.latest() : null,
      snapshotDue,
      compactTo: r.compactTo,
      mustSync: mustSync(this.prevHard, hardState, entries.length, snapshot !== null),
    };
    r.log.unstable.acceptInProgress();
    r.msgs = [];
    r.msgsAfterPersist = [];
    r.readStates = [];
    r.configChanged = false;
    r.compactTo = null;
    if (snapshotDue) r.snapshotRequested = true;
    this.prevSoft = soft;
    if (hardState) this.prevHard = hardState;
    this.outstanding = rd;
    return rd;
  }

  /** Reports that `ready` was performed: installed, persisted, sent, applied. */
  advance(ready: Ready): void {
    assert(ready === this.outstanding, 'advance() with a Ready that is not the outstanding one');
    this.outstanding = null;
    const r = this.r;
    if (ready.snapshot) {
      r.log.snapshotInstalled(ready.snapshot);
      if (ready.snapshot.index > r.lastSnapshotIndex) r.lastSnapshotIndex = ready.snapshot.index;
      // A leader installs only a user restore: now storage holds it, followers can be sent it.
      if (r.role === 'leader') r.broadcastPending = true;
    }
    const last = ready.entries[ready.entries.length - 1];
    if (last) r.log.unstable.stableTo(last.index, last.term);
    if (ready.hardState) {
      checkHardStateProgress(r.persisted, ready.hardState);
      r.persisted = ready.hardState;
    }
    const applied = ready.committedEntries[ready.committedEntries.length - 1];
    if (applied) r.log.appliedTo(applied.index);
    r.onPersisted();
  }

  private snapshotDue(): boolean {
    const r = this.r;
    const applied = r.log.applied;
    return !r.snapshotRequested && applied > r.snapshotRetryAfter && applied - r.lastSnapshotIndex >= r.cfg.snapshotThreshold;
  }

  /**
   * The snapshot metadata for a snapshot of the FSM at applied index `index` (at most the last
   * committed entry handed out, so the driver may snapshot before calling advance).
   */
  snapshotMetaAt(index: Index): SnapshotMeta {
    const r = this.r;
    assert(index <= r.log.applying, `snapshot at ${index} past the last entry handed out to apply ${r.log.applying}`);
    assert(index >= r.lastSnapshotIndex, `snapshot at ${index} older than the last one at ${r.lastSnapshotIndex}`);
    const conf = r.configs.at(index);
    return { index, term: r.log.mustTerm(index), configuration: conf.configuration, configurationIndex: conf.index };
  }

  /**
   * The driver durably stored a snapshot (storage.snapshot() now returns it); the log may be
   * compacted behind it, keeping snapshotTrailing entries (see Ready.compactTo).
   */
  onSnapshotTaken(meta: SnapshotMeta): void {
    const r = this.r;
    r.snapshotRequested = false;
    if (meta.index <= r.lastSnapshotIndex) return;
    const expected = this.snapshotMetaAt(meta.index);
    assert(meta.term === expected.term, `snapshot term ${meta.term} != log term ${expected.term} at ${meta.index}`);
    assert(meta.configurationIndex === expected.configurationIndex, 'snapshot configuration does not match the log');
    assert(r.log.storage.snapshot().index >= meta.index, 'onSnapshotTaken before storage holds the snapshot');
    r.lastSnapshotIndex = meta.index;
    r.configs.compact(meta.index);
    const compactTo = meta.index - r.cfg.snapshotTrailing;
    if (compactTo >= r.log.storage.firstIndex()) r.compactTo = compactTo as Index;
  }

  /** The driver gave up on a due snapshot; snapshotDue is raised again once more is applied. */
  snapshotFailed(): void {
    this.r.snapshotRequested = false;
    this.r.snapshotRetryAfter = this.r.log.applied;
  }

  status(): Status {
    const r = this.r;
    const latest = r.configs.latest();
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leader: r.leader,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      configuration: latest.configuration,
      configurationIndex: latest.index,
      ticksSinceLeaderContact: r.role === 'leader' ? 0 : r.electionElapsed,
      leadTransferee: r.leadTransferee,
      progress: r.role === 'leader' ? progressStatus(r) : null,
    };
  }

  /** The latest configuration (effective as soon as appended) and its index. */
  configuration(): { readonly index: Index; readonly configuration: Configuration } {
    return this.r.configs.latest();
  }
}

function userRestoreRefusal(r: Raft): UserRestoreError | null {
  if (r.role !== 'leader') return { code: 'notLeader', leader: r.leader };
  if (r.leadTransferee !== null) return { code: 'transferring' };
  if (r.hasPendingConfChange()) return { code: 'confChangeInFlight' };
  const log = r.log;
  const quiescent = log.unstable.snapshot === null && log.committed === log.lastIndex() && log.applied === log.committed && r.committedEntryInCurrentTerm();
  return quiescent ? null : { code: 'notQuiescent' };
}

function progressStatus(r: Raft): ProgressStatus[] {
  return r.tracker.ids.map((id) => {
    const pr = r.tracker.get(id)!;
    return {
      id,
      match: pr.match,
      next: pr.next,
      state: pr.state,
      voter: pr.voter,
      ticksSinceAck: id === r.id ? 0 : pr.lastAckTick === null ? null : r.now - pr.lastAckTick,
    };
  });
}

function softStateOf(r: Raft): SoftState {
  return { role: r.role, leader: r.leader, term: r.term };
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Persisted hard state only moves forward: one vote per term, commit never regresses. */
function checkHardStateProgress(prev: HardState, next: HardState): void {
  assert(next.term >= prev.term, () => `persisted term regresses ${prev.term} -> ${next.term}`);
  if (next.term === prev.term && prev.vote !== null) {
    assert(next.vote === prev.vote, () => `second vote in term ${next.term}: ${prev.vote} then ${next.vote}`);
  }
  assert(next.commit >= prev.commit, () => `persisted commit regresses ${prev.commit} -> ${next.commit}`);
}
