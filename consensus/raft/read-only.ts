// ReadIndex bookkeeping on the leader (Raft dissertation §6.4). A read request records the
// commit index when it arrived; it becomes servable once a quorum of voters has answered a
// heartbeat carrying its context (or a later one), proving that this node was still leader
// after the request arrived. Requests are released in arrival order.

import { assert } from './assert.ts';
import type { Index, NodeId } from './types.ts';

export interface PendingRead {
  readonly context: string;
  readonly index: Index;
  /** The follower that forwarded the request, or null for a local one. */
  readonly from: NodeId | null;
  readonly acks: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, PendingRead>();
  private queue: string[] = [];
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.queue.length;
  }

  full(): boolean {
    return this.queue.length >= this.capacity;
  }

  has(context: string): boolean {
    return this.pending.has(context);
  }

  add(context: string, index: Index, from: NodeId | null, self: NodeId): void {
    assert(!this.pending.has(context), `read context ${context} already pending`);
    assert(!this.full(), 'read-only queue full');
    this.pending.set(context, { context, index, from, acks: new Set([self]) });
    this.queue.push(context);
  }

  /** Records that `from` answered a heartbeat with `context`; returns the ack set, if pending. */
  recvAck(from: NodeId, context: string): ReadonlySet<NodeId> | null {
    const rs = this.pending.get(context);
    if (!rs) return null;
    rs.acks.add(from);
    return rs.acks;
  }

  /** Releases `context` and every request queued before it. */
  advance(context: string): PendingRead[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const released = this.queue.slice(0, at + 1).map((c) => this.pending.get(c)!);
    for (const rs of released) this.pending.delete(rs.context);
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  /** The newest pending context: a heartbeat carrying it confirms all older ones too. */
  lastPendingContext(): string | null {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1]! : null;
  }

  clear(): void {
    this.pending.clear();
    this.queue = [];
  }
}
