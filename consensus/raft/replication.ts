// Leader-side log replication (§5.3): sending appends, heartbeats and snapshots to followers
// according to their Progress, and processing their answers.

import { EMPTY_BYTES } from './bytes.ts';
import type { Progress } from './progress.ts';
import type { Raft } from './raft.ts';
import { CompactedError, entrySize } from './storage.ts';
import type { AppendResponse, HeartbeatResponse, Index, NodeId } from './types.ts';

/**
 * Sends the next append to `to` if its flow control allows. With nothing new to send, an empty
 * append goes out only when `sendIfEmpty` (a probe, or a commit index to deliver).
 * Returns whether a message was sent.
 */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.tracker.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevLogIndex = (pr.next - 1) as Index;
  const prevLogTerm = r.log.term(prevLogIndex);
  if (typeof prevLogTerm !== 'number') return sendSnapshot(r, to, pr);
  const entries = r.log.slice(pr.next, (r.log.lastIndex() + 1) as Index, r.cfg.maxBytesPerMsg);
  if (entries instanceof CompactedError) return sendSnapshot(r, to, pr);
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0 && !sendIfEmpty) return false;
  const commit = r.log.committed;
  r.send({ type: 'append', from: r.id, to, term: r.term, prevLogIndex, prevLogTerm, entries, commit });
  let bytes = 0;
  for (const e of entries) bytes += entrySize(e);
  const last = entries.length > 0 ? entries[entries.length - 1]!.index : prevLogIndex;
  pr.sentEntries(entries.length, last, bytes);
  if (commit > pr.sentCommit) pr.sentCommit = commit;
  return true;
}

/** Pipelines as many appends to `to` as its inflight window allows. */
function sendAppendsWhileOpen(r: Raft, to: NodeId): void {
  // Bounded: each send fills one inflight slot (or pauses a probe), so the window closes.
  for (let i = 0; i <= r.cfg.maxInflightMsgs && maybeSendAppend(r, to, false); i++);
}

/** New entries or a new commit index for every follower that can take them. */
export function bcastAppend(r: Raft): void {
  for (const id of r.tracker.ids) {
    if (id === r.id) continue;
    const pr = r.tracker.get(id)!;
    const owesCommit = pr.sentCommit < r.log.committed;
    if (!maybeSendAppend(r, id, owesCommit)) continue;
    sendAppendsWhileOpen(r, id);
  }
}

export function bcastHeartbeat(r: Raft): void {
  const context = r.readOnly.lastPendingContext();
  for (const id of r.tracker.ids) {
    if (id === r.id) continue;
    const pr = r.tracker.get(id)!;
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr.match, r.log.committed) as Index;
    r.send({ type: 'heartbeat', from: r.id, to: id, term: r.term, commit, context });
  }
}

/** The follower needs compacted entries: ask the driver to stream the latest snapshot. */
function sendSnapshot(r: Raft, to: NodeId, pr: Progress): boolean {
  // Only to a follower that answered recently: a snapshot is expensive to send into the void.
  if (pr.lastAckTick === null || pr.lastAckTick < r.now - r.cfg.electionTicks) return false;
  // A user restore the driver has not installed yet: storage still holds the older snapshot.
  if (r.log.unstable.snapshot !== null) return false;
  const meta = r.log.storage.snapshot();
  if (meta.index === 0) return false;
  pr.becomeSnapshot(meta.index);
  r.send({ type: 'snapshot', from: r.id, to, term: r.term, meta, offset: 0, data: EMPTY_BYTES, done: false });
  return true;
}

export function handleAppendResponse(r: Raft, m: AppendResponse): void {
  const pr = r.tracker.get(m.from);
  if (!pr) return;
  pr.lastAckTick = r.now;
  if (m.reject) {
    // Fast back-off (§5.3): skip to where the follower's log can match.
    const hint = m.hintTerm > 0 ? r.log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex;
    if (pr.maybeDecrTo(m.index, hint)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      maybeSendAppend(r, m.from, true);
    }
    return;
  }
  const probeAck = pr.state === 'probe' && m.index === pr.match;
  if (!pr.maybeUpdate(m.index) && !probeAck) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot') {
    if (pr.match + 1 < r.log.firstIndex()) return; // still behind the log: keep waiting
    pr.becomeProbe();
    pr.becomeReplicate();
  } else {
    pr.inflights.freeLE(m.index);
  }
  r.maybeCommit();
  if (r.role !== 'leader') return; // committing our own removal made us step down
  sendAppendsWhileOpen(r, m.from);
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
}

/** Returns the ReadIndex acknowledgements for the context the heartbeat carried, if pending. */
export function handleHeartbeatResponse(r: Raft, m: HeartbeatResponse): ReadonlySet<NodeId> | null {
  const pr = r.tracker.get(m.from);
  if (!pr) return null;
  pr.lastAckTick = r.now;
  pr.probeSent = false;
  // A full window may hold appends that were lost: free one so replication can make progress.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
  if (pr.match < r.log.lastIndex()) maybeSendAppend(r, m.from, true);
  return m.context === null ? null : r.readOnly.recvAck(m.from, m.context);
}

export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send({ type: 'timeoutNow', from: r.id, to, term: r.term });
}
