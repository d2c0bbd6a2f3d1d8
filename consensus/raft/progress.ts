// The leader's view of one follower and the flow control it drives (after etcd-io/raft's
// tracker/progress.go). Three states:
//
//   probe      the leader does not know where the follower's log matches; it sends one
//              append at a time and waits for the answer (or a heartbeat answer).
//   replicate  the follower is known to match at `match`; appends are pipelined, bounded by
//              Inflights (count and bytes), and `next` advances optimistically.
//   snapshot   the follower needs entries that were compacted; nothing is sent until the
//              snapshot stream ends (its acknowledgement, reportSnapshot, or a timeout).
//
//   probe --ack--> replicate --reject/unreachable--> probe --compacted--> snapshot --done--> probe

import { assert } from './assert.ts';
import type { Index } from './types.ts';

/** A bounded ring of (last index, bytes) per in-flight append message. */
export class Inflights {
  readonly capacity: number;
  readonly maxBytes: number;
  private readonly indexes: number[] = [];
  private readonly sizes: number[] = [];
  private start = 0;
  private n = 0;
  private total = 0;

  constructor(capacity: number, maxBytes: number) {
    assert(capacity > 0 && maxBytes > 0, 'inflights: bounds must be positive');
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  get count(): number {
    return this.n;
  }

  get bytes(): number {
    return this.total;
  }

  full(): boolean {
    return this.n === this.capacity || this.total >= this.maxBytes;
  }

  add(last: number, bytes: number): void {
    assert(!this.full(), 'inflights: add while full');
    if (this.n > 0) {
      const prev = this.indexes[(this.start + this.n - 1) % this.capacity]!;
      assert(last > prev, `inflights: index ${last} not after ${prev}`);
    }
    const slot = (this.start + this.n) % this.capacity;
    this.indexes[slot] = last;
    this.sizes[slot] = bytes;
    this.n++;
    this.total += bytes;
  }

  /** Frees every message whose last index is at or below `upTo` (they were acknowledged). */
  freeLE(upTo: number): void {
    while (this.n > 0 && this.indexes[this.start]! <= upTo) {
      this.total -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.capacity;
      this.n--;
    }
    if (this.n === 0) {
      this.start = 0;
      this.total = 0;
    }
  }

  /** Frees the oldest message, which may have been lost. */
  freeFirst(): void {
    if (this.n > 0) this.freeLE(this.indexes[this.start]!);
  }

  reset(): void {
    this.start = 0;
    this.n = 0;
    this.total = 0;
  }
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match: Index;
  /** Next index to send. Invariant: match < next. */
  next: Index;
  state: ProgressState = 'probe';
  /** In probe state: an append is outstanding, wait for its answer or a heartbeat answer. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot: Index = 0 as Index;
  /** Ticks spent in snapshot state, for the send timeout. */
  snapshotTicks = 0;
  /** The highest commit index sent to this follower, so a new commit is sent only once. */
  sentCommit: Index = 0 as Index;
  /** Leader tick of the last message received from this follower this term (null: none). */
  lastAckTick: number | null = null;
  voter: boolean;
  readonly inflights: Inflights;

  constructor(next: Index, voter: boolean, maxInflight: number, maxInflightBytes: number) {
    this.match = 0 as Index;
    this.next = next;
    this.voter = voter;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  becomeProbe(): void {
    // Leaving snapshot state: the follower will have at least the snapshot if it succeeded;
    // if it failed, pendingSnapshot was cleared and probing resumes after match.
    const from = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.reset('probe');
    this.next = (from + 1) as Index;
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = (this.match + 1) as Index;
  }

  becomeSnapshot(snapshotIndex: Index): void {
    this.reset('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0 as Index;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** An acknowledgement up to n arrived; false if it is stale. */
  maybeUpdate(n: Index): boolean {
    if (n <= this.match) return false;
    this.match = n;
    if (this.next <= n) this.next = (n + 1) as Index;
    this.probeSent = false;
    return true;
  }

  /**
   * The follower rejected an append at prevLogIndex `rejected`, hinting that its log may match
   * at `hint`. Returns false when the rejection is stale (answers an older probe).
   */
  maybeDecrTo(rejected: Index, hint: Index): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = (this.match + 1) as Index;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1) as Index;
    this.probeSent = false;
    return true;
  }

  /** Whether sending appends to this follower must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Records an append carrying `count` entries ending at `last`. */
  sentEntries(count: number, last: Index, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = (last + 1) as Index;
        this.inflights.add(last, bytes);
      }
    } else if (this.state === 'probe') {
      // Any append in probe state is a probe: wait for its answer.
      this.probeSent = true;
    }
  }
}
