// The Raft state machine: role transitions, the central term check every message passes
// through, elections, and configuration tracking. Role-specific behaviour lives in
// follower.ts and leader.ts and is dispatched through the `stepFn`/`tickFn` pointers that the
// become* functions swap (the etcd-io/raft layout). Synchronous and IO-free: outputs
// accumulate in `msgs`, `msgsAfterPersist` and `readStates` until RawNode.ready() takes them.

import { assert, InvariantError } from './assert.ts';
import { EMPTY_BYTES } from './bytes.ts';
import type { RaftConfig } from './config.ts';
import { ConfigHistory } from './config-history.ts';
import { stepCandidate, stepFollower } from './follower.ts';
import { onLeaderCommit, stepLeader, tickHeartbeat } from './leader.ts';
import { RaftLog } from './log.ts';
import { decodeConfiguration, isVoter } from './membership.ts';
import { ReadOnly } from './read-only.ts';
import type { Rng } from './rng.ts';
import type { LogStorage } from './storage.ts';
import { Tracker } from './tracker.ts';
import {
  EntryType,
  type Entry,
  type EntryType as EntryTypeValue,
  type HardState,
  type Index,
  type Message,
  type NodeId,
  type ReadState,
  type Role,
  type Term,
  type VoteRequest,
} from './types.ts';

export type StepFn = (r: Raft, m: Message) => void;
export type TickFn = (r: Raft) => void;

/** Bytes read per storage call while scanning the log for configurations at start-up. */
const CONFIG_SCAN_BATCH_BYTES = 4 * 1024 * 1024;

export interface RaftInit {
  readonly config: RaftConfig;
  readonly storage: LogStorage;
  readonly rng: Rng;
  /** The FSM's durable applied index. */
  readonly applied: Index;
}

export type CampaignKind = 'preElection' | 'election' | 'transfer';

export class Raft {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  readonly rng: Rng;
  readonly log: RaftLog;
  readonly tracker: Tracker;
  readonly configs: ConfigHistory;
  readonly readOnly: ReadOnly;
  term: Term;
  vote: NodeId | null;
  role: Role = 'follower';
  leader: NodeId | null = null;
  /** The hard state the driver last reported durable. */
  persisted: HardState;
  /** Votes received in the current (pre-)election; this node's own vote counts once durable. */
  readonly votes = new Map<NodeId, boolean>();
  msgs: Message[] = [];
  msgsAfterPersist: Message[] = [];
  readStates: ReadState[] = [];
  /** Reads that arrived before this leader committed an entry of its term. */
  pendingReads: { readonly context: string; readonly from: NodeId | null }[] = [];
  /** Ticks since start: the leader's clock for acknowledgements and its lease. */
  now = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId | null = null;
  uncommittedBytes = 0;
  /** New entries or a new commit index must be broadcast at the next Ready. */
  broadcastPending = false;
  /** The latest configuration changed since the last Ready. */
  configChanged = true;
  lastSnapshotIndex: Index;
  snapshotRequested = false;
  /** After a failed snapshot, snapshotDue waits until applied passes this index. */
  snapshotRetryAfter = 0 as Index;
  compactTo: Index | null = null;
  /**
   * Started with a durable term of 2 or more, so it may have acknowledged a leader of that term
   * in an earlier life (leaders' terms start at 2; acknowledgements go out only once their term
   * is durable, see send): it honours that leader's lease for an election timeout after start.
   */
  private readonly restarted: boolean;
  private stepFn: StepFn = stepFollower;
  private tickFn: TickFn = tickElection;

  constructor(init: RaftInit) {
    const { config, storage } = init;
    this.id = config.id;
    this.cfg = config;
    this.rng = init.rng;
    this.log = new RaftLog(storage, config.maxCommittedBytesPerReady, (entries) => this.onAppended(entries));
    this.readOnly = new ReadOnly(config.maxPendingReads);
    const snap = storage.snapshot();
    this.lastSnapshotIndex = snap.index;
    this.configs = new ConfigHistory({ index: snap.configurationIndex, configuration: snap.configuration });
    this.scanConfigurations(storage, snap.index);
    this.tracker = new Tracker(config.maxInflightMsgs, config.maxInflightBytes);
    this.tracker.setConfiguration(this.configs.latest().configuration, (this.log.lastIndex() + 1) as Index);

    const hs = storage.initialState().hardState;
    this.term = hs.term;
    this.vote = hs.vote;
    this.persisted = hs;
    this.restarted = hs.term >= 2;
    const last = this.log.lastIndex();
    assert(init.applied >= snap.index, `applied ${init.applied} below snapshot ${snap.index}: restore the FSM first`);
    assert(init.applied <= last, `applied ${init.applied} past last index ${last}: the log lost entries`);
    assert(hs.commit <= last, `persisted commit ${hs.commit} past last index ${last}: the log lost entries`);
    this.log.committed = Math.max(hs.commit, init.applied, snap.index) as Index;
    this.log.applying = init.applied;
    this.log.applied = init.applied;
    this.becomeFollower(this.term, null);
  }

  private scanConfigurations(storage: LogStorage, after: Index): void {
    let lo = Math.max(after + 1, storage.firstIndex());
    const last = storage.lastIndex();
    assert(storage.firstIndex() <= after + 1, `log starts at ${storage.firstIndex()}, after snapshot ${after} + 1`);
    while (lo <= last) {
      const batch = storage.entries(lo as Index, (last + 1) as Index, CONFIG_SCAN_BATCH_BYTES);
      if (!Array.isArray(batch)) throw new InvariantError(`scanning configurations at ${lo}: ${String(batch)}`);
      const entries = batch as readonly Entry[];
      assert(entries.length > 0, `storage returned no entries at ${lo}`);
      for (const e of entries) {
        if (e.type === EntryType.Configuration) this.configs.append(e.index, decodeConfiguration(e.data));
      }
      lo = entries[entries.length - 1]!.index + 1;
    }
  }

  // ---- inputs ----------------------------------------------------------------------------------

  tick(): void {
    this.now++;
    this.tickFn(this);
  }

  /** The central step: term handling once, here, then role dispatch (§5.1). */
  step(m: Message): void {
    if (m.to !== this.id || m.from === this.id) return;
    if (m.term > this.term) {
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.answerStaleTerm(m);
      return;
    }
    if (m.type === 'vote' || m.type === 'preVote') this.handleVoteRequest(m);
    else this.stepFn(this, m);
  }

  /** Adopts a higher term when the message warrants it; false if the message is ignored. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.type === 'vote' || m.type === 'preVote') {
      // Leader lease (§4.2.3): while we hear from a leader, a disruptive candidate is ignored.
      // A node that started less than an election timeout ago may have heard from a leader just
      // before it restarted and forgotten it: it refuses too, or a leader's lease that counted
      // its last acknowledgement could be overtaken by a new leader (found by the simulation).
      const heardRecently = this.leader !== null && this.electionElapsed < this.cfg.electionTicks;
      const justStarted = this.restarted && this.now < this.cfg.electionTicks;
      if (this.cfg.checkQuorum && (heardRecently || justStarted) && !m.transfer) return false;
    }
    if (m.type === 'preVote') return true; // a pre-vote never changes our term
    if (m.type === 'preVoteResp' && !m.reject) return true; // a grant for term + 1: counted below
    const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    return true;
  }

  private answerStaleTerm(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'heartbeat' || m.type === 'append')) {
      // A stale leader (e.g. back from a partition) learns the new term from this and steps
      // down; without it, pre-vote could leave it isolated forever.
      this.send({ type: 'appendResp', from: this.id, to: m.from, term: this.term, index: 0 as Index, reject: false, hintIndex: 0 as Index, hintTerm: 0 as Term });
    } else if (m.type === 'preVote') {
      this.send({ type: 'preVoteResp', from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  /** §5.2, §5.4.1: one vote per term, only for a log at least as up to date as ours. */
  private handleVoteRequest(m: VoteRequest): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.leader === null) ||
      (m.type === 'preVote' && m.term > this.term);
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
      // A pre-vote grant answers with the term it was asked about so the candidate counts it.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  send(m: Message): void {
    assert(m.to !== this.id, () => `message ${m.type} to self`);
    assert(m.from === this.id, () => `message ${m.type} from ${m.from}, not from this node`);
    // A heartbeat's answer promises nothing about the disk, except that it must not count
    // towards a lease before this node's term is durable (see `restarted`).
    const afterPersist =
      m.type === 'appendResp' || m.type === 'voteResp' || m.type === 'preVoteResp' || (m.type === 'heartbeatResp' && m.term > this.persisted.term);
    if (afterPersist) this.msgsAfterPersist.push(m);
    else this.msgs.push(m);
  }

  // ---- elections -------------------------------------------------------------------------------

  /**
   * Whether this node may campaign: a voter in its latest configuration, or in its committed
   * one. The second case matters when this node appended (say, as leader) a configuration that
   * removes it but has not committed: it may hold the only up-to-date log, and the cluster
   * cannot elect anyone else. Votes are still counted in the latest configuration.
   */
  promotable(): boolean {
    if (this.log.unstable.snapshot !== null) return false;
    return this.tracker.isVoter(this.id) || isVoter(this.configs.at(this.log.committed).configuration, this.id);
  }

  /** Starts an election if this node may. */
  hup(transfer: boolean): boolean {
    if (this.role === 'leader' || !this.promotable()) return false;
    this.campaign(transfer ? 'transfer' : this.cfg.preVote ? 'preElection' : 'election');
    return true;
  }

  campaign(kind: CampaignKind): void {
    if (kind === 'preElection') this.becomePreCandidate();
    else this.becomeCandidate();
    if (kind === 'preElection') {
      this.votes.set(this.id, true);
      if (this.tracker.voteResult(this.votes) === 'won') {
        this.campaign('election');
        return;
      }
    }
    // A candidate's own vote counts only once it is durable (see onPersisted).
    const type = kind === 'preElection' ? 'preVote' : 'vote';
    const term = (kind === 'preElection' ? this.term + 1 : this.term) as Term;
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.tracker.voters) {
      if (to === this.id) continue;
      this.send({ type, from: this.id, to, term, lastLogIndex, lastLogTerm, transfer: kind === 'transfer' });
    }
  }

  /** Counts the votes so far and acts on the outcome. */
  poll(): void {
    const result = this.tracker.voteResult(this.votes);
    if (result === 'won') {
      if (this.role === 'preCandidate') this.campaign('election');
      else this.becomeLeader();
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  // ---- role transitions ------------------------------------------------------------------------

  private reset(term: Term): void {
    if (this.term !== term) {
      assert(term > this.term, `term regresses from ${this.term} to ${term}`);
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.rng.int(this.cfg.electionTicks);
    this.leadTransferee = null;
    this.votes.clear();
    this.readOnly.clear();
    this.pendingReads = [];
    this.uncommittedBytes = 0;
    this.broadcastPending = false;
  }

  becomeFollower(term: Term, leader: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
    this.stepFn = stepFollower;
    this.tickFn = tickElection;
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become pre-candidate');
    // Changes neither term nor vote: a failed pre-vote leaves no trace (§9.6).
    this.role = 'preCandidate';
    this.votes.clear();
    this.leader = null;
    this.stepFn = stepCandidate;
    this.tickFn = tickElection;
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become candidate');
    this.reset((this.term + 1) as Term);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepFn = stepCandidate;
    this.tickFn = tickElection;
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', `becomeLeader from ${this.role}`);
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.stepFn = stepLeader;
    this.tickFn = tickHeartbeat;
    this.tracker.resetAll((this.log.lastIndex() + 1) as Index);
    // A leader outside its latest configuration (see promotable) has no progress of its own.
    const self = this.tracker.get(this.id);
    if (self) {
      self.maybeUpdate(this.log.persistedIndex());
      self.becomeReplicate();
    }
    // §5.4.2 / §8: commit an entry of our own term so earlier entries commit with it.
    this.appendEntry(EntryType.Noop, EMPTY_BYTES);
  }

  // ---- log and configuration -------------------------------------------------------------------

  /** Leader only: appends one new entry of the current term. */
  appendEntry(type: EntryTypeValue, data: Uint8Array): Entry {
    assert(this.role === 'leader', 'appendEntry on a non-leader');
    const entry: Entry = { index: (this.log.lastIndex() + 1) as Index, term: this.term, type, data };
    this.log.append([entry]);
    this.broadcastPending = true;
    return entry;
  }

  /** Every append passes here: configurations take effect when appended (§4.1). */
  private onAppended(entries: readonly Entry[]): void {
    let changed = this.configs.truncateFrom(entries[0]!.index);
    for (const e of entries) {
      if (e.type === EntryType.Configuration) {
        this.configs.append(e.index, decodeConfiguration(e.data));
        changed = true;
      }
    }
    if (changed) this.adoptLatestConfiguration();
  }

  adoptLatestConfiguration(): void {
    this.tracker.setConfiguration(this.configs.latest().configuration, (this.log.lastIndex() + 1) as Index);
    this.configChanged = true;
    if (this.leadTransferee !== null && !this.tracker.isVoter(this.leadTransferee)) this.leadTransferee = null;
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  hasPendingConfChange(): boolean {
    return this.configs.latest().index > this.log.committed;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  // ---- acknowledgements from the driver ---------------------------------------------------------

  /** The driver made the handed-out entries and hard state durable. */
  onPersisted(): void {
    if (this.role === 'leader') {
      const self = this.tracker.get(this.id);
      if (self?.maybeUpdate(this.log.persistedIndex())) this.maybeCommit();
    } else if (
      this.role === 'candidate' &&
      this.vote === this.id &&
      this.persisted.term === this.term &&
      this.persisted.vote === this.id &&
      !this.votes.has(this.id)
    ) {
      this.votes.set(this.id, true);
      this.poll();
    }
  }

  /**
   * Leader: commits the highest index a quorum has replicated, but only by counting replicas of
   * an entry of the current term (§5.4.2); earlier entries commit with it.
   */
  maybeCommit(): boolean {
    const mci = this.tracker.committed();
    if (mci <= this.log.committed || this.log.term(mci) !== this.term) return false;
    this.log.commitTo(mci);
    onLeaderCommit(this);
    return true;
  }
}

/** Followers and candidates: campaign when the randomized election timeout passes. */
function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.electionElapsed >= r.randomizedElectionTimeout && r.promotable()) {
    r.electionElapsed = 0;
    r.hup(false);
  }
}
