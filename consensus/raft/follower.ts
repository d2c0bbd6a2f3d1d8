// Follower and candidate behaviour: accepting the leader's appends, heartbeats and snapshots,
// and counting votes. Messages reach these functions only after the central term check in
// Raft.step, so m.term === r.term here (or m.term === r.term + 1 for a pre-vote grant).

import { checkConfiguration } from './membership.ts';
import type { Raft } from './raft.ts';
import type { AppendRequest, Heartbeat, Index, Message, SnapshotChunk, Term } from './types.ts';

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
      heardFromLeader(r, m.from);
      handleAppend(r, m);
      return;
    case 'heartbeat':
      heardFromLeader(r, m.from);
      handleHeartbeat(r, m);
      return;
    case 'snapshot':
      heardFromLeader(r, m.from);
      if (m.done) handleSnapshot(r, m);
      return;
    case 'timeoutNow':
      // Leadership transfer (§3.10): campaign at once, skipping pre-vote and leases.
      r.hup(true);
      return;
    case 'readIndexResp':
      r.readStates.push({ context: m.context, index: m.index });
      return;
    case 'transferLeader':
      if (r.leader !== null) r.send({ ...m, from: r.id, to: r.leader, term: r.term });
      return;
    default:
      // Votes were handled centrally; responses meant for a leader or candidate are stale.
      return;
  }
}

export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      // A leader exists for our term (§5.2): it won, we follow.
      r.becomeFollower(m.term, m.from);
      stepFollower(r, m);
      return;
    case 'voteResp':
    case 'preVoteResp': {
      const expected = r.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
      if (m.type !== expected || r.votes.has(m.from)) return;
      r.votes.set(m.from, !m.reject);
      r.poll();
      return;
    }
    case 'readIndexResp':
      r.readStates.push({ context: m.context, index: m.index });
      return;
    default:
      return;
  }
}

function heardFromLeader(r: Raft, leader: Raft['leader']): void {
  r.electionElapsed = 0;
  r.leader = leader;
}

function respond(r: Raft, to: Raft['id'], index: Index, reject = false, hintIndex = 0 as Index, hintTerm = 0 as Term): void {
  r.send({ type: 'appendResp', from: r.id, to, term: r.term, index, reject, hintIndex, hintTerm });
}

/** AppendEntries receiver (§5.3). The answer goes out only after the entries are durable. */
function handleAppend(r: Raft, m: AppendRequest): void {
  if (m.prevLogIndex < r.log.committed) {
    // Everything up to our commit index matches any leader's log (§5.4.3): tell it where we are.
    respond(r, m.from, r.log.committed);
    return;
  }
  const lastNew = r.log.maybeAppend(m.prevLogIndex, m.prevLogTerm, m.commit, m.entries);
  if (lastNew !== null) {
    respond(r, m.from, lastNew);
    return;
  }
  // Mismatch: hint the last position that could match so the leader skips whole terms.
  const at = Math.min(m.prevLogIndex, r.log.lastIndex()) as Index;
  const hint = r.log.findConflictByTerm(at, m.prevLogTerm);
  respond(r, m.from, m.prevLogIndex, true, hint.index, hint.term);
}

function handleHeartbeat(r: Raft, m: Heartbeat): void {
  // The leader sends min(match, commit), so this never passes our last index.
  r.log.commitTo(m.commit);
  r.send({ type: 'heartbeatResp', from: r.id, to: m.from, term: r.term, context: m.context });
}

/** The last chunk of an InstallSnapshot stream arrived (§7). */
function handleSnapshot(r: Raft, m: SnapshotChunk): void {
  const meta = m.meta;
  if (meta.index <= r.log.committed) {
    respond(r, m.from, r.log.committed);
    return;
  }
  if (r.log.matchTerm(meta.index, meta.term)) {
    // Our log already contains the snapshot's last entry: keep the log, just commit.
    r.log.commitTo(meta.index);
    respond(r, m.from, r.log.committed);
    return;
  }
  const problem = meta.configuration.servers.length > 0 ? checkConfiguration(meta.configuration) : null;
  if (problem !== null) return; // a malformed snapshot is refused; the leader will retry
  r.log.restore(meta);
  r.configs.reset({ index: meta.configurationIndex, configuration: meta.configuration });
  r.adoptLatestConfiguration();
  respond(r, m.from, r.log.lastIndex());
}
