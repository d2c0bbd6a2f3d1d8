// Leader behaviour: its tick (heartbeats, check-quorum, transfer timeout), its step (answers
// from followers, forwarded reads and transfer requests), proposals, ReadIndex and leadership
// transfer. Replication mechanics are in replication.ts.

import { EntryType, type ConfChange, type Index, type Message, type NodeId } from './types.ts';
import { encodeConfiguration, isVoter, nextConfiguration } from './membership.ts';
import { quorumHas } from './quorum.ts';
import type { Raft } from './raft.ts';
import {
  bcastAppend,
  bcastHeartbeat,
  handleAppendResponse,
  handleHeartbeatResponse,
  maybeSendAppend,
  sendTimeoutNow,
} from './replication.ts';
import type { ProposeResult, ReadIndexResult, TransferResult } from './raw-node.ts';

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appendResp':
      handleAppendResponse(r, m);
      return;
    case 'heartbeatResp': {
      const acks = handleHeartbeatResponse(r, m);
      if (acks !== null && m.context !== null && quorumHas(r.tracker.voters, (id) => acks.has(id))) {
        releaseReads(r, m.context);
      }
      return;
    }
    case 'readIndex':
      readIndex(r, m.context, m.from);
      return;
    case 'transferLeader':
      transferLeadership(r, m.target);
      return;
    default:
      return;
  }
}

export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.cfg.electionTicks) {
    r.electionElapsed = 0;
    if (r.cfg.checkQuorum && !quorumActive(r)) {
      // §6.2: a leader that cannot reach a quorum steps down, so clients look elsewhere. Its
      // unsent heartbeats would only renew followers' leases on a leader that is gone.
      r.msgs = r.msgs.filter((m) => m.type !== 'heartbeat');
      r.becomeFollower(r.term, null);
      return;
    }
    // A transfer that did not finish within an election timeout is abandoned (§3.10).
    r.leadTransferee = null;
  }
  tickSnapshotSends(r);
  if (r.heartbeatElapsed >= r.cfg.heartbeatTicks) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r);
  }
}

/** Whether a quorum of voters was heard from within the last election timeout. */
function quorumActive(r: Raft): boolean {
  const since = r.now - r.cfg.electionTicks;
  return r.tracker.quorumHas((id, pr) => id === r.id || (pr.lastAckTick !== null && pr.lastAckTick > since));
}

function tickSnapshotSends(r: Raft): void {
  for (const id of r.tracker.ids) {
    const pr = r.tracker.get(id)!;
    if (pr.state !== 'snapshot') continue;
    if (++pr.snapshotTicks >= r.cfg.snapshotSendTimeoutTicks) {
      pr.pendingSnapshot = 0 as Index; // unknown outcome: probe from what is known to match
      pr.becomeProbe();
    }
  }
}

/** Default-consistency reads: quorum acknowledged within leaseTicks, and nothing pending. */
export function leaseValid(r: Raft): boolean {
  if (r.role !== 'leader' || !r.cfg.checkQuorum || r.leadTransferee !== null) return false;
  if (!r.committedEntryInCurrentTerm()) return false;
  const since = r.now - r.cfg.leaseTicks;
  return r.tracker.quorumHas((id, pr) => id === r.id || (pr.lastAckTick !== null && pr.lastAckTick > since));
}

/** Called whenever the leader's commit index advances. */
export function onLeaderCommit(r: Raft): void {
  r.broadcastPending = true;
  if (r.pendingReads.length > 0 && r.committedEntryInCurrentTerm()) {
    const waiting = r.pendingReads;
    r.pendingReads = [];
    for (const p of waiting) readIndex(r, p.context, p.from);
  }
  if (!isVoter(r.configs.at(r.log.committed).configuration, r.id)) stepDownRemoved(r);
}

/**
 * Our removal (or demotion) committed: tell followers, hand leadership to the most caught-up
 * voter so the cluster does not wait out an election timeout, and step down.
 */
function stepDownRemoved(r: Raft): void {
  bcastAppend(r);
  let best: NodeId | null = null;
  for (const id of r.tracker.voters) {
    const pr = r.tracker.get(id)!;
    if (id !== r.id && pr.match === r.log.lastIndex() && best === null) best = id;
  }
  if (best !== null) sendTimeoutNow(r, best);
  r.becomeFollower(r.term, null);
}

// ---- proposals -------------------------------------------------------------------------------

export function propose(r: Raft, data: Uint8Array, type: typeof EntryType.Command | typeof EntryType.Barrier): ProposeResult {
  if (r.role !== 'leader') return { ok: false, error: { code: 'notLeader', leader: r.leader } };
  if (r.leadTransferee !== null) return { ok: false, error: { code: 'transferring' } };
  const size = data.byteLength;
  // Always admit one proposal when nothing is outstanding, however large.
  if (r.uncommittedBytes > 0 && r.uncommittedBytes + size > r.cfg.maxUncommittedBytes) {
    return { ok: false, error: { code: 'tooManyUncommitted' } };
  }
  r.uncommittedBytes += size;
  const e = r.appendEntry(type, data);
  return { ok: true, index: e.index, term: e.term };
}

export function proposeConfChange(r: Raft, change: ConfChange): ProposeResult {
  if (r.role !== 'leader') return { ok: false, error: { code: 'notLeader', leader: r.leader } };
  if (r.leadTransferee !== null) return { ok: false, error: { code: 'transferring' } };
  // One change at a time, and only after this leader committed an entry of its term: the
  // single-server safety argument needs the previous configuration committed (§4.1).
  if (!r.committedEntryInCurrentTerm()) return { ok: false, error: { code: 'noCommitInTerm' } };
  if (r.hasPendingConfChange()) return { ok: false, error: { code: 'confChangeInFlight' } };
  const next = nextConfiguration(r.configs.latest().configuration, change);
  if (!next.ok) return { ok: false, error: { code: 'invalidConfChange', error: next.error } };
  const e = r.appendEntry(EntryType.Configuration, encodeConfiguration(next.configuration));
  return { ok: true, index: e.index, term: e.term };
}

/** Leader accounting: applied entries no longer count against maxUncommittedBytes. */
export function releaseUncommitted(r: Raft, applied: readonly { readonly data: Uint8Array }[]): void {
  if (r.role !== 'leader' || r.uncommittedBytes === 0) return;
  let n = 0;
  for (const e of applied) n += e.data.byteLength;
  r.uncommittedBytes = Math.max(0, r.uncommittedBytes - n);
}

// ---- ReadIndex (§6.4) -----------------------------------------------------------------------

/** Leader side of a read request, local (`from` null) or forwarded by a follower. */
export function readIndex(r: Raft, context: string, from: NodeId | null): ReadIndexResult {
  if (r.pendingReads.length + r.readOnly.size >= r.cfg.maxPendingReads) {
    return { ok: false, error: { code: 'tooManyReads' } };
  }
  if (!r.committedEntryInCurrentTerm()) {
    // Our commit index may be stale until we commit an entry of our own term (§6.4 step 1).
    r.pendingReads.push({ context, from });
    return { ok: true };
  }
  const voters = r.tracker.voters;
  if (voters.length === 1 && voters[0] === r.id) {
    answerRead(r, context, r.log.committed, from);
    return { ok: true };
  }
  if (!r.readOnly.has(context)) {
    r.readOnly.add(context, r.log.committed, from, r.id);
    bcastHeartbeat(r);
  }
  return { ok: true };
}

function releaseReads(r: Raft, context: string): void {
  for (const rs of r.readOnly.advance(context)) answerRead(r, rs.context, rs.index, rs.from);
}

function answerRead(r: Raft, context: string, index: Index, from: NodeId | null): void {
  if (from === null || from === r.id) r.readStates.push({ context, index });
  else r.send({ type: 'readIndexResp', from: r.id, to: from, term: r.term, context, index });
}

// ---- leadership transfer (§3.10) ------------------------------------------------------------

export function transferLeadership(r: Raft, target: NodeId): TransferResult {
  if (target === r.id) return { ok: false, error: { code: 'alreadyLeader' } };
  const pr = r.tracker.get(target);
  if (!pr) return { ok: false, error: { code: 'unknownTarget' } };
  if (!pr.voter) return { ok: false, error: { code: 'targetNotVoter' } };
  if (r.leadTransferee === target) return { ok: true };
  r.leadTransferee = target;
  // The transfer must finish within an election timeout, counted from now.
  r.electionElapsed = 0;
  if (pr.match === r.log.lastIndex()) sendTimeoutNow(r, target);
  else maybeSendAppend(r, target, true);
  return { ok: true };
}

/** Sends whatever proposals and commit advances accumulated since the last Ready. */
export function flushBroadcast(r: Raft): void {
  if (!r.broadcastPending) return;
  r.broadcastPending = false;
  if (r.role === 'leader') bcastAppend(r);
}
