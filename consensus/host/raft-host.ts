// RaftHost: the asynchronous driver around the pure Raft core. It owns the only RawNode of
// this server and runs the Ready loop of consensus/DESIGN.md ("The Ready contract"):
//
//   install snapshot → persist (hard state, then entries: one group-committed fsync) while
//   sending `messages` → apply committed entries (overlapping the fsync) → after the fsync send
//   `messagesAfterPersist` → snapshot / compaction bookkeeping → advance.
//
// Inputs (ticks from the Clock, messages from the Transport, proposals from callers) are fed
// to the core as they arrive — the core buffers them and their effects appear in the next
// Ready — and wake the loop. Everything nondeterministic is injected (Clock, Rng, Transport,
// Wal with its Vfs, SnapshotStore, Fsm), so the simulation can run several hosts in one
// process and replay a seed. Storage failures and core invariant violations stop the host.
import type { Wal } from 'raft-wal-ts';
import {
  type ConfChange,
  DEFAULT_RAFT_CONFIG,
  type Configuration,
  EntryType,
  type Entry,
  type HardState,
  InvariantError,
  type Message,
  type NodeId,
  type ProposeError,
  type ProposeResult,
  RawNode,
  type RaftOptions,
  type Ready,
  type Rng,
  type Role,
  type SnapshotChunk,
  type SnapshotMeta,
  type SoftState,
  type Status,
} from '../raft/index.ts';
import type { Clock, CancelTimer } from './clock.ts';
import {
  FatalStorageError,
  LeadershipLostError,
  NotLeaderError,
  RejectedError,
  ShutdownError,
  TimeoutError,
} from './errors.ts';
import type { Fsm, FsmEntry, FsmEntryKind, FsmSnapshot } from './fsm.ts';
import type { Logger } from './logger.ts';
import { recover } from './recovery.ts';
import { sendSnapshot, SnapshotReceiver } from './snapshot-transfer.ts';
import { snapshotName, type SnapshotStore } from './snapshot-store.ts';
import { RpcChannel, type PeerIdentity, type Transport } from './transport.ts';
import { type Applied, ProposalWaiters, ReadWaiters } from './waiters.ts';
import { restoreUserSnapshot, type UserSnapshot } from './user-restore.ts';
import type { WalLogStorage } from './wal-storage.ts';

export type { Applied } from './waiters.ts';
export type { UserSnapshot } from './user-restore.ts';

/** Milliseconds per core tick unless configured: 10 ticks (1 s) to an election by default. */
export const DEFAULT_TICK_MS = 100;
/** How long a proposal, read barrier or membership change may take before TimeoutError. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
/** Proposals awaiting apply; beyond this new ones are refused (the core also caps bytes). */
export const MAX_PENDING_PROPOSALS = 65_536;
/** Read barriers waiting here (for their index or for the apply); more are refused. */
export const MAX_PENDING_READS = 16_384;
/** Entries per Fsm.apply call: one SQLite transaction stays a bounded amount of work. */
export const MAX_APPLY_BATCH = 1_024;
/** How long a user restore waits for a quorum to install the snapshot before giving up. */
export const RESTORE_CONFIRM_TIMEOUT_MS = 15 * 60_000;
/** Snapshot streams running at once; more followers wait for a later request of the core. */
export const MAX_SNAPSHOT_STREAMS = 2;

export type ReadKind = 'lease' | 'readIndex';
export type HostState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface RaftHostOptions {
  /** This server's node id. */
  readonly id: string;
  /** This server's cluster address as it appears in the configuration. */
  readonly address: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly transport: Transport;
  readonly wal: Wal;
  readonly snapshots: SnapshotStore;
  readonly fsm: Fsm;
  readonly logger: Logger;
  readonly tickMs?: number;
  /** Core tunables (election/heartbeat ticks, snapshot threshold, ...); id comes from `id`. */
  readonly raft?: Omit<RaftOptions, 'id'>;
  /** The configuration of a brand-new cluster; ignored when the data dir has Raft state. */
  readonly bootstrap?: Configuration;
  readonly operationTimeoutMs?: number;
  /** Measurements of the host's IO, for metrics. */
  readonly observer?: HostObserver;
}

/**
 * Optional measurements (app/ binds them to metrics). Durations are Clock milliseconds. Called
 * inside the loop: implementations must be cheap and must not throw.
 */
export interface HostObserver {
  /** One Ready's entries were made durable (one group-committed WAL write). */
  persisted?(entries: number, bytes: number, ms: number): void;
  /** One batch was applied to the FSM in one call. */
  applied?(entries: number, ms: number): void;
  /** A snapshot was written to the store ('taken') or restored into the FSM ('installed'). */
  snapshot?(kind: 'taken' | 'installed', ms: number): void;
}

/** The text of RejectedError('restoring') while a user snapshot restore runs. */
export const RESTORE_IN_PROGRESS = 'a snapshot restore is in progress';

export interface LeaderInfo {
  readonly term: number;
  readonly role: Role;
  readonly leaderId: string | null;
  readonly leaderAddress: string | undefined;
  readonly isLeader: boolean;
}

export interface AppliedBatch {
  readonly entries: readonly FsmEntry[];
  readonly results: readonly unknown[];
}

export interface PeerProgress {
  readonly id: string;
  readonly address: string | undefined;
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly voter: boolean;
  /** Milliseconds since the follower last answered (null: not in this term). */
  readonly lastContactMs: number | null;
}

export interface HostStatus {
  readonly id: string;
  readonly address: string;
  readonly state: HostState;
  readonly role: Role;
  readonly term: number;
  readonly leaderId: string | null;
  readonly leaderAddress: string | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  /** Milliseconds since this server last heard from the leader (0 on the leader, null with none). */
  readonly lastContactMs: number | null;
  readonly configuration: Configuration;
  readonly configurationIndex: number;
  /** Per-server replication progress; null unless leader. */
  readonly progress: readonly PeerProgress[] | null;
}

type Listener<T> = (value: T) => void;

const EMPTY = new Uint8Array(0);

export class RaftHost {
  readonly id: string;
  private readonly tickMs: number;
  private readonly timeoutMs: number;
  private state: HostState = 'new';
  private node: RawNode | undefined;
  private storage: WalLogStorage | undefined;
  private applied = 0;
  private commit = 0;
  private soft: SoftState = { role: 'follower', leader: null, term: 0 };
  private configuration: Configuration = { servers: [] };
  /** Cluster addresses by node id: the configuration's, plus ones learned from handshakes. */
  private readonly addresses = new Map<string, string>();
  private readonly proposals = new ProposalWaiters();
  private readonly reads = new ReadWaiters();
  private transfer: { deadline: number; resolve: (leader: string) => void; reject: (e: Error) => void } | undefined;
  private readSeq = 0;
  private cancelTick: CancelTimer | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Core inputs that touch storage, run between Readies (see runBetweenReadies). */
  private betweenReadies: (() => void)[] = [];
  private snapshotTask: Promise<void> | undefined;
  /** Snapshot streams by follower id, with when their newest chunk was sent (clock ms). */
  private readonly streams = new Map<string, { readonly controller: AbortController; chunkSentAt: number }>();
  private readonly receiver: SnapshotReceiver;
  private readonly listeners = {
    leader: new Set<Listener<LeaderInfo>>(),
    applied: new Set<Listener<AppliedBatch>>(),
    fatal: new Set<Listener<Error>>(),
  };
  private failure: Error | undefined;
  /** Set while a user snapshot restore runs: proposals are refused; `fsmBusy` while the FSM loads it. */
  private restoring: { fsmBusy: Promise<void> | undefined } | undefined;
  /** When the Ready loop took the Ready it is handling (undefined between Readies); see loopStalled. */
  private readyTakenAt: number | undefined;
  /** The term in the durable hard state. */
  private durableTerm = 0;
  /** Callers of whenBetweenReadies still waiting; failed if the host stops first. */
  private readonly betweenWaiters = new Set<{ reject: (err: Error) => void }>();

  constructor(private readonly opts: RaftHostOptions) {
    this.id = opts.id;
    this.tickMs = opts.tickMs ?? DEFAULT_TICK_MS;
    this.timeoutMs = opts.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    if (!(this.tickMs > 0) || !(this.timeoutMs > 0)) throw new RangeError('tickMs and operationTimeoutMs must be positive');
    this.receiver = new SnapshotReceiver({
      selfId: opts.id,
      snapshots: opts.snapshots,
      step: (chunk) => this.input(() => this.core.step(chunk)),
      fatal: (err) => this.fail(err),
    });
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Recovers from the data directory (or bootstraps), then starts ticking and the Ready loop. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`RaftHost.start() in state ${this.state}`);
    this.state = 'starting';
    const { wal, snapshots, fsm, logger, bootstrap } = this.opts;
    let recovered;
    try {
      recovered = await recover({ wal, snapshots, fsm, logger, bootstrap });
    } catch (err) {
      this.fail(err);
      throw this.failure;
    }
    if (this.state !== 'starting') return; // stop() was called meanwhile
    this.storage = recovered.storage;
    this.applied = recovered.applied;
    this.node = new RawNode({
      config: { ...this.opts.raft, id: this.id as NodeId },
      storage: recovered.storage,
      rng: this.opts.rng,
      applied: recovered.applied,
    });
    this.commit = this.node.status().commit;
    this.durableTerm = this.node.status().term;
    this.setConfiguration(this.node.configuration().configuration);
    this.opts.transport.onMessages((messages, from) => this.onMessages(messages, from));
    this.opts.transport.handle(RpcChannel.Snapshot, (payload) => this.receiver.handle(payload));
    this.state = 'running';
    this.scheduleTick();
    this.loop = this.run();
  }

  /**
   * Stops ticking, finishes the Ready in progress, fails every waiter with ShutdownError. The
   * injected Wal, Transport, SnapshotStore and Fsm stay open: their owner closes them.
   */
  async stop(): Promise<void> {
    if (this.state === 'new') this.state = 'stopped';
    if (this.state !== 'running' && this.state !== 'starting') {
      await this.loop;
      return;
    }
    this.state = 'stopping';
    this.cancelTick?.();
    this.kick();
    await this.loop;
    await this.snapshotTask;
    await this.receiver.abort().catch(() => {});
    this.opts.transport.handle(RpcChannel.Snapshot, undefined);
    this.failWaiters(() => new ShutdownError());
    this.state = 'stopped';
  }

  // ---- the public API ----------------------------------------------------------------------

  /** Appends `data` as an FSM command; resolves once it is applied here, with the FSM's result. */
  propose(data: Uint8Array): Promise<Applied> {
    return this.track(() => this.core.propose(data, 'command'));
  }

  /**
   * Resolves with a read index once the local FSM has applied it: reads served after that are
   * linearizable ('readIndex') or linearizable under the leader-lease assumption ('lease').
   * Followers ask the leader (the core forwards the read index request).
   */
  readBarrier(kind: ReadKind): Promise<number> {
    const gate = this.gate();
    if (gate !== undefined) return Promise.reject(gate);
    if (this.reads.size >= MAX_PENDING_READS) return Promise.reject(new RejectedError('tooManyReads', 'too many pending reads'));
    return new Promise<number>((resolve, reject) => {
      const waiter = { deadline: this.opts.clock.now() + this.timeoutMs, resolve, reject };
      const leaseIndex = kind === 'lease' ? this.leaseReadIndex() : undefined;
      if (leaseIndex !== undefined) {
        this.reads.addAwaitingApply(leaseIndex, waiter, this.applied);
        return;
      }
      const context = `${this.id}/${++this.readSeq}`;
      const result = this.guard(() => this.core.readIndex(context));
      if (result === undefined) return reject(this.failure ?? new ShutdownError());
      if (!result.ok) {
        return reject(result.error.code === 'noLeader' ? this.notLeader() : new RejectedError(result.error.code, 'too many pending reads'));
      }
      this.reads.addAwaitingIndex(context, waiter);
      this.kick();
    });
  }

  addVoter(id: string, address: string): Promise<number> {
    return this.changeMembership({ type: 'addVoter', id: id as NodeId, address });
  }

  addNonvoter(id: string, address: string): Promise<number> {
    return this.changeMembership({ type: 'addNonvoter', id: id as NodeId, address });
  }

  removeServer(id: string): Promise<number> {
    return this.changeMembership({ type: 'remove', id: id as NodeId });
  }

  promote(id: string): Promise<number> {
    return this.changeMembership({ type: 'promote', id: id as NodeId });
  }

  demote(id: string): Promise<number> {
    return this.changeMembership({ type: 'demote', id: id as NodeId });
  }

  /**
   * Hands leadership to `target` (default: the most up-to-date voter) and resolves with the
   * new leader's id once this server has stepped down and learned who leads now.
   */
  transferLeadership(target?: string): Promise<string> {
    const gate = this.writeGate();
    if (gate !== undefined) return Promise.reject(gate);
    if (this.soft.role !== 'leader') return Promise.reject(this.notLeader());
    if (this.transfer !== undefined) return Promise.reject(new RejectedError('transferring', 'a leadership transfer is already in progress'));
    const to = target ?? this.bestTransferTarget();
    if (to === undefined) return Promise.reject(new RejectedError('noTarget', 'no other voter to transfer leadership to'));
    const result = this.guard(() => this.core.transferLeadership(to as NodeId));
    if (result === undefined) return Promise.reject(this.failure ?? new ShutdownError());
    if (!result.ok) {
      const e = result.error;
      return Promise.reject(e.code === 'noLeader' ? this.notLeader() : new RejectedError(e.code, `cannot transfer leadership to ${to}: ${e.code}`));
    }
    this.kick();
    return new Promise((resolve, reject) => {
      this.transfer = { deadline: this.opts.clock.now() + this.timeoutMs, resolve, reject };
    });
  }

  /**
   * Replaces the whole replicated state with a user-supplied snapshot (an operator restore;
   * see user-restore.ts). Leader only. Resolves with the position it was installed at once an
   * entry after it has committed, i.e. a quorum holds it. Proposals are refused meanwhile.
   */
  async restoreUserSnapshot(snapshot: UserSnapshot): Promise<{ readonly index: number; readonly term: number }> {
    const gate = this.writeGate();
    if (gate !== undefined) throw gate;
    if (this.soft.role !== 'leader') throw this.notLeader();
    this.restoring = { fsmBusy: undefined };
    let meta: SnapshotMeta;
    try {
      meta = await restoreUserSnapshot(this.restoreSteps(), snapshot);
    } finally {
      this.restoring = undefined;
    }
    await this.confirmRestore();
    return { index: meta.index, term: meta.term };
  }

  /**
   * Waits for an entry after a user snapshot to commit: followers first stream and install the
   * whole snapshot, which may take much longer than one operation's deadline, so a barrier that
   * timed out is followed by another (it stays in the log and commits with the next).
   */
  private async confirmRestore(): Promise<void> {
    const deadline = this.opts.clock.now() + RESTORE_CONFIRM_TIMEOUT_MS;
    // Bounded by the deadline: each pass waits at most one operation timeout.
    for (;;) {
      try {
        await this.barrier();
        return;
      } catch (err) {
        if (!(err instanceof TimeoutError) || this.opts.clock.now() >= deadline) throw err;
      }
    }
  }

  /**
   * Captures the FSM at its applied index together with that index's Raft metadata (term,
   * configuration): what a snapshot save streams out. Any server may do it. The caller writes
   * the handle and must release it.
   */
  captureSnapshot(): Promise<{ readonly meta: SnapshotMeta; readonly handle: FsmSnapshot }> {
    const gate = this.gate();
    if (gate !== undefined) return Promise.reject(gate);
    return this.whenBetweenReadies(() => {
      if (this.applied === 0) throw new RejectedError('empty', 'no state to snapshot yet');
      if (this.restoring?.fsmBusy !== undefined) throw new RejectedError('restoring', RESTORE_IN_PROGRESS);
      const handle = this.opts.fsm.snapshot();
      if (handle.at.index !== this.applied) {
        handle.release();
        throw new InvariantError(`FSM snapshot at ${handle.at.index}, applied ${this.applied}`);
      }
      return { meta: this.core.snapshotMetaAt(this.applied as SnapshotMeta['index']), handle };
    });
  }

  private restoreSteps(): Parameters<typeof restoreUserSnapshot>[0] {
    return {
      snapshots: this.opts.snapshots,
      fsm: this.opts.fsm,
      logger: this.opts.logger,
      barrier: () => this.barrier(),
      position: (minIndex) =>
        this.whenBetweenReadies(() => {
          const res = this.core.userSnapshotMeta(minIndex as SnapshotMeta['index']);
          if (res.ok) return res.meta;
          if (res.error.code === 'notLeader') throw this.notLeader();
          throw new RejectedError(res.error.code, `cannot restore a snapshot now: ${res.error.code}`);
        }),
      fsmBusy: (done) => {
        if (this.restoring !== undefined) this.restoring.fsmBusy = done;
      },
      adopt: (meta) => this.whenBetweenReadies(() => this.core.restoreUserSnapshot(meta).ok).catch(() => false),
      fatal: (err) => this.fail(err),
    };
  }

  /**
   * Runs `fn` against the core when no Ready is outstanding (the core's view is then exactly
   * what has been persisted and applied). Rejects with ShutdownError if the host stops first.
   */
  private whenBetweenReadies<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = { reject };
      this.betweenWaiters.add(entry);
      this.betweenReadies.push(() => {
        this.betweenWaiters.delete(entry);
        try {
          resolve(fn());
        } catch (err) {
          reject(err as Error);
        }
      });
      this.kick();
    });
  }

  /** Commits and applies a barrier entry, bypassing the restore gate. */
  private barrier(): Promise<void> {
    const gate = this.gate();
    if (gate !== undefined) return Promise.reject(gate);
    return this.trackUnchecked(() => this.core.propose(EMPTY, 'barrier')).then(() => undefined);
  }

  status(): HostStatus {
    const s = this.coreStatus();
    const leaderId = s.leader;
    return {
      id: this.id,
      address: this.opts.address,
      state: this.state,
      role: s.role,
      term: s.term,
      leaderId,
      leaderAddress: leaderId === null ? undefined : this.addresses.get(leaderId),
      commitIndex: s.commit,
      appliedIndex: this.applied,
      firstIndex: s.firstIndex,
      lastIndex: s.lastIndex,
      snapshotIndex: this.storage?.snapshot().index ?? 0,
      lastContactMs: s.role === 'leader' ? 0 : leaderId === null ? null : s.ticksSinceLeaderContact * this.tickMs,
      configuration: s.configuration,
      configurationIndex: s.configurationIndex,
      progress:
        s.progress?.map((p) => ({
          id: p.id,
          address: this.addresses.get(p.id),
          match: p.match,
          next: p.next,
          state: p.state,
          voter: p.voter,
          lastContactMs: p.ticksSinceAck === null ? null : p.ticksSinceAck * this.tickMs,
        })) ?? null,
    };
  }

  /**
   * The core's status. Before start, and after a fatal storage error (when the log can no
   * longer be read), the last known soft state stands in for it.
   */
  private coreStatus(): Status {
    try {
      if (this.node !== undefined) return this.node.status();
    } catch (err) {
      if (this.state !== 'failed') throw err;
    }
    {
      return {
        id: this.id as NodeId,
        role: this.soft.role,
        term: this.soft.term as Status['term'],
        vote: null,
        leader: this.soft.leader,
        commit: this.commit as Status['commit'],
        applied: this.applied as Status['applied'],
        firstIndex: 0 as Status['firstIndex'],
        lastIndex: 0 as Status['lastIndex'],
        configuration: this.configuration,
        configurationIndex: 0 as Status['configurationIndex'],
        ticksSinceLeaderContact: 0,
        leadTransferee: null,
        progress: null,
      };
    }
  }

  isLeader(): boolean {
    return this.state === 'running' && this.soft.role === 'leader';
  }

  /** Called on every change of role, term or known leader. Returns an unsubscribe function. */
  onLeaderChange(listener: Listener<LeaderInfo>): () => void {
    return this.subscribe(this.listeners.leader, listener);
  }

  /** Called after every applied batch with the FSM's results (lock-delay bookkeeping, ...). */
  onApplied(listener: Listener<AppliedBatch>): () => void {
    return this.subscribe(this.listeners.applied, listener);
  }

  /** Called once if the host stops on a storage failure or an invariant violation. */
  onFatal(listener: Listener<Error>): () => void {
    return this.subscribe(this.listeners.fatal, listener);
  }

  // ---- inputs ------------------------------------------------------------------------------

  private get core(): RawNode {
    if (this.node === undefined) throw new Error('RaftHost is not started');
    return this.node;
  }

  private onMessages(messages: readonly Message[], from: PeerIdentity): void {
    if (this.state !== 'running') return;
    if (!this.addresses.has(from.nodeId) && from.address.length > 0) this.addresses.set(from.nodeId, from.address);
    this.input(() => {
      for (const m of messages) {
        // Snapshot bytes travel only on the RPC channel (snapshot-transfer.ts).
        if (m.type !== 'snapshot') this.core.step(m);
      }
    });
    if (this.loopStalled()) this.answerHeartbeats(messages);
  }

  /**
   * True once the loop has spent a tick or more on one Ready: installing a snapshot (seconds for
   * a large state), or waiting on an fsync queued behind a disk busy with hundreds of MB of
   * snapshot writeback. The core's answers then wait for the next Ready, and a leader that
   * hears from no quorum for an election timeout steps down (an operator restore of 1 000 000
   * keys to three servers lost its leader that way), so heartbeats are answered directly.
   */
  private loopStalled(): boolean {
    return this.readyTakenAt !== undefined && this.opts.clock.now() - this.readyTakenAt >= this.tickMs;
  }

  /**
   * Answers heartbeats while the loop is stalled, exactly as the core answers them: only at the
   * core's current term, only to the leader it follows (the heartbeat was stepped first). A
   * duplicate answer later is harmless (acknowledgements are idempotent).
   */
  private answerHeartbeats(messages: readonly Message[]): void {
    const s = this.guard(() => this.core.status());
    // An answer in a term not yet durable must wait, as the core's own answers do: a leader's
    // lease counts it, and a crash now would restart this server in the older term.
    if (s === undefined || s.role !== 'follower' || s.leader === null || s.term !== this.durableTerm) return;
    const replies: Message[] = [];
    for (const m of messages) {
      if (m.type === 'heartbeat' && m.term === s.term && m.from === s.leader) {
        replies.push({ type: 'heartbeatResp', from: this.id as NodeId, to: m.from, term: m.term, context: m.context });
      }
    }
    const address = this.addresses.get(s.leader);
    if (replies.length > 0 && address !== undefined) this.opts.transport.send({ id: s.leader, address }, replies);
  }

  private scheduleTick(): void {
    this.cancelTick = this.opts.clock.setTimer(this.tickMs, () => {
      if (this.state !== 'running') return;
      this.input(() => this.core.tick());
      const now = this.opts.clock.now();
      this.proposals.expire(now);
      this.reads.expire(now);
      if (this.transfer !== undefined && this.transfer.deadline <= now) {
        this.transfer.reject(new TimeoutError('leadership transfer did not complete in time'));
        this.transfer = undefined;
      }
      this.scheduleTick();
    });
  }

  /** Feeds the core and wakes the loop; a throw from the core is fatal. */
  private input(feed: () => void): void {
    if (this.state !== 'running') return;
    this.guard(feed);
    this.kick();
  }

  /** Runs a core call; an exception (an invariant violation) stops the host. */
  private guard<T>(call: () => T): T | undefined {
    try {
      return call();
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private track(propose: () => ProposeResult): Promise<Applied> {
    const gate = this.writeGate();
    if (gate !== undefined) return Promise.reject(gate);
    return this.trackUnchecked(propose);
  }

  private trackUnchecked(propose: () => ProposeResult): Promise<Applied> {
    if (this.proposals.size >= MAX_PENDING_PROPOSALS) {
      return Promise.reject(new RejectedError('tooManyProposals', 'too many proposals in flight'));
    }
    const result = this.guard(propose);
    if (result === undefined) return Promise.reject(this.failure ?? new ShutdownError());
    if (!result.ok) return Promise.reject(this.proposeError(result.error));
    this.kick();
    return new Promise<Applied>((resolve, reject) => {
      this.proposals.add({ index: result.index, term: result.term, deadline: this.opts.clock.now() + this.timeoutMs, resolve, reject });
    });
  }

  private changeMembership(change: ConfChange): Promise<number> {
    return this.track(() => this.core.proposeConfChange(change)).then((a) => a.index);
  }

  // ---- the Ready loop ----------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      // Runs for the life of the host: ends when stop() or a failure changes the state.
      while (this.state === 'running') {
        this.runBetweenReadies();
        if (!this.core.hasReady()) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        const rd = this.core.ready();
        this.readyTakenAt = this.opts.clock.now();
        await this.handleReady(rd);
        this.readyTakenAt = undefined;
        if (this.state !== 'running' && this.state !== 'stopping') return;
        this.core.advance(rd);
        // After advance: the core's applied index now includes this Ready's entries.
        if (rd.snapshotDue) this.startSnapshot();
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState !== null) this.onSoftState(rd.softState);
    if (rd.configuration !== null) this.setConfiguration(rd.configuration.configuration);
    // A user restore is loading the FSM beside the loop: nothing may touch it until it is done
    // (only reachable if leadership moved meanwhile; see user-restore.ts).
    if (this.restoring?.fsmBusy !== undefined && (rd.snapshot !== null || rd.committedEntries.length > 0)) await this.restoring.fsmBusy;
    if (rd.snapshot !== null) {
      // A term adopted with the snapshot is made durable before the (long) install, during
      // which heartbeats are answered only in a durable term (answerHeartbeats).
      if (rd.hardState !== null) await this.persistHardState(rd.hardState);
      await this.installSnapshot(rd.snapshot);
    }
    this.sendAll(rd.messages);
    const persisted = this.persist(rd);
    // Committed entries were persisted by earlier Readies: apply them while this one syncs.
    this.applyCommitted(rd.committedEntries);
    for (const rs of rd.readStates) this.reads.indexKnown(rs.context, rs.index, this.applied);
    await persisted;
    this.sendAll(rd.messagesAfterPersist);
    if (rd.compactTo !== null) await this.storageOp(() => this.store.compact(rd.compactTo!));
  }

  /** Hard state first (its commit clamped to the durable log), then the entries. */
  private async persist(rd: Ready): Promise<void> {
    if (rd.hardState !== null) await this.persistHardState(rd.hardState);
    if (rd.entries.length === 0) return;
    const started = this.opts.clock.now();
    await this.storageOp(() => this.store.append(rd.entries));
    if (this.opts.observer?.persisted !== undefined) {
      let bytes = 0;
      for (const e of rd.entries) bytes += e.data.byteLength;
      this.opts.observer.persisted(rd.entries.length, bytes, this.opts.clock.now() - started);
    }
  }

  /** Writes term and vote when they changed (a repeat is free); commit rides along, clamped. */
  private async persistHardState(hs: HardState): Promise<void> {
    await this.storageOp(() => this.store.setHardState(hs));
    this.commit = hs.commit;
    this.durableTerm = hs.term;
  }

  private applyCommitted(entries: readonly Entry[]): void {
    for (let at = 0; at < entries.length; at += MAX_APPLY_BATCH) {
      const batch = entries.slice(at, at + MAX_APPLY_BATCH).map(toFsmEntry);
      const first = batch[0] as FsmEntry;
      if (first.index !== this.applied + 1) throw new InvariantError(`applying ${first.index} after applied ${this.applied}`);
      const started = this.opts.clock.now();
      const results = this.opts.fsm.apply(batch);
      this.opts.observer?.applied?.(batch.length, this.opts.clock.now() - started);
      if (results.length !== batch.length) throw new InvariantError(`Fsm.apply returned ${results.length} results for ${batch.length} entries`);
      this.applied = (batch[batch.length - 1] as FsmEntry).index;
      batch.forEach((e, k) => this.proposals.applied(e.index, e.term, results[k], () => new LeadershipLostError()));
      this.emit(this.listeners.applied, { entries: batch, results });
    }
    this.reads.applied(this.applied);
  }

  private onSoftState(soft: SoftState): void {
    const was = this.soft;
    this.soft = soft;
    if (was.role === 'leader' && soft.role !== 'leader') this.proposals.failAll(() => new LeadershipLostError());
    if (this.transfer !== undefined && soft.role !== 'leader' && soft.leader !== null) {
      this.transfer.resolve(soft.leader);
      this.transfer = undefined;
    }
    if (was.leader !== soft.leader || was.term !== soft.term) this.reads.failAwaitingIndex(() => new LeadershipLostError('leadership changed during a read'));
    const leaderAddress = soft.leader === null ? undefined : this.addresses.get(soft.leader);
    this.opts.logger.info({ role: soft.role, term: soft.term, leader: soft.leader }, 'raft: state changed');
    this.emit(this.listeners.leader, { term: soft.term, role: soft.role, leaderId: soft.leader, leaderAddress, isLeader: soft.role === 'leader' });
  }

  private setConfiguration(configuration: Configuration): void {
    const before = this.configuration;
    this.configuration = configuration;
    for (const s of configuration.servers) this.addresses.set(s.id, s.address);
    for (const s of before.servers) {
      if (configuration.servers.some((n) => n.id === s.id) || s.id === this.id) continue;
      this.addresses.delete(s.id);
      this.opts.transport.disconnect(s.address);
    }
  }

  /** Sends messages grouped per recipient; a snapshot request starts a stream instead. */
  private sendAll(messages: readonly Message[]): void {
    const byPeer = new Map<string, Message[]>();
    for (const m of messages) {
      if (m.type === 'snapshot') {
        this.startSnapshotStream(m);
        continue;
      }
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [to, batch] of byPeer) {
      const address = this.addresses.get(to);
      const sent = address !== undefined && this.opts.transport.send({ id: to, address }, batch);
      if (!sent) this.core.reportUnreachable(to as NodeId);
    }
  }

  // ---- snapshots ---------------------------------------------------------------------------

  private startSnapshotStream(request: SnapshotChunk): void {
    const address = this.addresses.get(request.to);
    this.abandonStalledStream(request.to);
    if (address === undefined || this.streams.has(request.to) || this.streams.size >= MAX_SNAPSHOT_STREAMS) {
      this.core.reportSnapshot(request.to, 'failed');
      return;
    }
    const stream = { controller: new AbortController(), chunkSentAt: this.opts.clock.now() };
    this.streams.set(request.to, stream);
    const term = request.term;
    void sendSnapshot({
      transport: this.opts.transport,
      snapshots: this.opts.snapshots,
      logger: this.opts.logger,
      to: { id: request.to, address },
      request,
      stillWanted: () => this.state === 'running' && this.soft.role === 'leader' && this.soft.term === term,
      signal: stream.controller.signal,
      onChunk: () => (stream.chunkSentAt = this.opts.clock.now()),
    }).then((outcome) => {
      if (this.streams.get(request.to) !== stream) return; // abandoned: the core asked again
      this.streams.delete(request.to);
      this.input(() => this.core.reportSnapshot(request.to, outcome));
    });
  }

  /**
   * The core asks again for a snapshot only after its send timeout passed without an answer. A
   * stream whose chunk has been out that long lost it (to a partition, say): waiting out the
   * chunk's own timeout would hold the follower back, so the stream is restarted from scratch.
   * A stream still making progress is left alone (a big snapshot may outlast the core's timeout).
   */
  private abandonStalledStream(to: string): void {
    const stream = this.streams.get(to);
    const stallMs = (this.opts.raft?.snapshotSendTimeoutTicks ?? DEFAULT_RAFT_CONFIG.snapshotSendTimeoutTicks) * this.tickMs;
    if (stream === undefined || this.opts.clock.now() - stream.chunkSentAt < stallMs) return;
    this.opts.logger.warn({ peer: to }, 'raft: snapshot chunk unanswered for the send timeout, restarting the stream');
    stream.controller.abort();
    this.streams.delete(to);
  }

  /** Installs a snapshot received from the leader (already committed to the store). */
  private async installSnapshot(meta: SnapshotMeta): Promise<void> {
    await this.snapshotTask; // never restore under a snapshot being written
    const started = this.opts.clock.now();
    await this.storageOp(async () => {
      // A user restore on the leader loaded the FSM before the core adopted the snapshot.
      if (this.opts.fsm.applied().index !== meta.index) {
        const reader = await this.opts.snapshots.open(snapshotName(meta.index, meta.term));
        try {
          await this.opts.fsm.restore(reader.chunks(), { index: meta.index, term: meta.term });
        } finally {
          await reader.close();
        }
        this.opts.observer?.snapshot?.('installed', this.opts.clock.now() - started);
      }
      await this.store.installSnapshot(meta);
      await this.opts.snapshots.reap();
    });
    this.applied = meta.index;
    this.reads.applied(this.applied);
    this.opts.logger.info({ snapshot: meta.index, term: meta.term }, 'raft: installed snapshot from the leader');
  }

  /** Snapshots the FSM at its applied index in the background; the core learns of it later. */
  private startSnapshot(): void {
    if (this.snapshotTask !== undefined || this.applied === 0 || this.restoring?.fsmBusy !== undefined) {
      this.core.snapshotFailed();
      return;
    }
    const handle = this.opts.fsm.snapshot();
    if (handle.at.index !== this.applied) throw new InvariantError(`FSM snapshot at ${handle.at.index}, applied ${this.applied}`);
    const meta = this.core.snapshotMetaAt(this.applied as SnapshotMeta['index']);
    // Never rejects: a failure stops the host through fail() (storageOp did so already for a
    // storage error), and stop() and installSnapshot await this task.
    this.snapshotTask = this.writeSnapshot(handle, meta)
      .catch((err: unknown) => this.fail(err))
      .finally(() => (this.snapshotTask = undefined));
  }

  private async writeSnapshot(handle: FsmSnapshot, meta: SnapshotMeta): Promise<void> {
    const started = this.opts.clock.now();
    try {
      await this.storageOp(async () => {
        const sink = await this.opts.snapshots.create(meta);
        try {
          await handle.write((chunk) => sink.write(chunk));
        } catch (err) {
          await sink.cancel();
          throw err;
        }
        await sink.commit();
        await this.opts.snapshots.reap();
      });
    } finally {
      handle.release();
    }
    this.betweenReadies.push(() => {
      if (meta.index > this.store.snapshot().index) this.store.setSnapshot(meta);
      this.core.onSnapshotTaken(meta);
    });
    this.kick();
    this.opts.observer?.snapshot?.('taken', this.opts.clock.now() - started);
    this.opts.logger.info({ snapshot: meta.index, term: meta.term }, 'raft: snapshot taken');
  }

  private runBetweenReadies(): void {
    const work = this.betweenReadies;
    this.betweenReadies = [];
    for (const w of work) w();
  }

  // ---- helpers -----------------------------------------------------------------------------

  private get store(): WalLogStorage {
    if (this.storage === undefined) throw new Error('RaftHost is not started');
    return this.storage;
  }

  /** Runs a durable write; any failure is fatal (never retry-and-continue after fsync errors). */
  private async storageOp<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const fatal = err instanceof FatalStorageError ? err : new FatalStorageError(`storage failure: ${String(err)}`, { cause: err });
      this.fail(fatal);
      throw fatal;
    }
  }

  /** The commit index usable for a lease read, if this leader holds a lease. */
  private leaseReadIndex(): number | undefined {
    if (this.soft.role !== 'leader' || !this.core.leaseValid()) return undefined;
    // Only once an entry of this term is committed does the commit index cover every write
    // acknowledged by earlier leaders (the commitment rule; STYLE anchor 2).
    const t = this.store.term(this.commit as Entry['index']);
    return t === this.soft.term ? this.commit : undefined;
  }

  private bestTransferTarget(): string | undefined {
    const progress = this.core.status().progress ?? [];
    let best: { id: string; match: number } | undefined;
    for (const p of progress) {
      if (p.id === this.id || !p.voter) continue;
      if (best === undefined || p.match > best.match) best = { id: p.id, match: p.match };
    }
    return best?.id;
  }

  private proposeError(e: ProposeError): Error {
    if (e.code === 'notLeader') return new NotLeaderError(e.leader ?? undefined, e.leader === null ? undefined : this.addresses.get(e.leader));
    if (e.code === 'invalidConfChange') return new RejectedError(e.error.code, e.error.message);
    const text: Record<typeof e.code, string> = {
      transferring: 'a leadership transfer is in progress',
      tooManyUncommitted: 'too many uncommitted entries',
      confChangeInFlight: 'a membership change is already in progress',
      noCommitInTerm: 'the new leader has not committed an entry of its term yet',
    };
    return new RejectedError(e.code, text[e.code]);
  }

  private notLeader(): NotLeaderError {
    const leader = this.soft.leader;
    return new NotLeaderError(leader ?? undefined, leader === null ? undefined : this.addresses.get(leader));
  }

  /** Why a write (proposal, membership change, transfer) cannot start now, if it cannot. */
  private writeGate(): Error | undefined {
    return this.gate() ?? (this.restoring === undefined ? undefined : new RejectedError('restoring', RESTORE_IN_PROGRESS));
  }

  /** Why an operation cannot start now, if it cannot. */
  private gate(): Error | undefined {
    if (this.state === 'running') return undefined;
    if (this.state === 'failed') return this.failure;
    return new ShutdownError(this.state === 'new' || this.state === 'starting' ? 'Raft is not started' : undefined);
  }

  private fail(err: unknown): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.failure = error instanceof FatalStorageError ? error : new FatalStorageError(`raft stopped: ${error.message}`, { cause: error });
    this.state = 'failed';
    this.cancelTick?.();
    this.opts.logger.error({ err: error.message, stack: error.stack }, 'raft: fatal error, stopping');
    const failure = this.failure;
    this.failWaiters(() => failure);
    this.kick();
    this.emit(this.listeners.fatal, failure);
  }

  private failWaiters(err: () => Error): void {
    for (const w of this.betweenWaiters) w.reject(err());
    this.betweenWaiters.clear();
    this.proposals.failAll(err);
    this.reads.failAll(err);
    this.transfer?.reject(err());
    this.transfer = undefined;
  }

  private subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<T>(set: Set<Listener<T>>, value: T): void {
    for (const l of set) {
      try {
        l(value);
      } catch (err) {
        this.opts.logger.error({ err: String(err) }, 'raft: an event listener threw');
      }
    }
  }
}

const KIND: Record<number, FsmEntryKind> = {
  [EntryType.Command]: 'command',
  [EntryType.Noop]: 'noop',
  [EntryType.Barrier]: 'barrier',
  [EntryType.Configuration]: 'config',
};

function toFsmEntry(e: Entry): FsmEntry {
  const kind = KIND[e.type];
  if (kind === undefined) throw new InvariantError(`committed entry ${e.index} has unknown type ${e.type}`);
  return { index: e.index, term: e.term, kind, data: kind === 'command' ? e.data : EMPTY };
}
