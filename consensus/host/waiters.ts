// The futures of the Raft host: proposals waiting to be applied, reads waiting for a read
// index and then for the FSM to reach it. Deadlines are checked on every tick against the
// host Clock (no timer per request: at thousands of writes per second a timer and closure
// each would cost more than the bookkeeping itself).
import { TimeoutError } from './errors.ts';

export interface Applied {
  readonly index: number;
  readonly term: number;
  /** What Fsm.apply returned for the entry (undefined for membership changes). */
  readonly result: unknown;
}

interface Waiter<T> {
  readonly deadline: number;
  readonly resolve: (value: T) => void;
  readonly reject: (err: Error) => void;
}

interface PendingProposal extends Waiter<Applied> {
  readonly index: number;
  readonly term: number;
}

/** Proposals by log index, in the order they were appended (so deadlines are ordered too). */
export class ProposalWaiters {
  private readonly byIndex = new Map<number, PendingProposal>();

  get size(): number {
    return this.byIndex.size;
  }

  add(p: PendingProposal): void {
    if (this.byIndex.has(p.index)) throw new Error(`two proposals at index ${p.index}`);
    this.byIndex.set(p.index, p);
  }

  /**
   * The entry at `index` was applied. The proposal succeeded only if the entry is the one it
   * appended (same term); otherwise a later leader overwrote it.
   */
  applied(index: number, term: number, result: unknown, lost: () => Error): void {
    const p = this.byIndex.get(index);
    if (p === undefined) return;
    this.byIndex.delete(index);
    if (p.term === term) p.resolve({ index, term, result });
    else p.reject(lost());
  }

  /** Rejects proposals whose deadline passed. Deadlines grow with insertion order. */
  expire(now: number): void {
    // Bounded by the number of pending proposals; stops at the first one still in time.
    for (const [index, p] of this.byIndex) {
      if (p.deadline > now) return;
      this.byIndex.delete(index);
      p.reject(new TimeoutError(`timed out waiting for entry ${index} to be applied`));
    }
  }

  failAll(err: () => Error): void {
    for (const p of this.byIndex.values()) p.reject(err());
    this.byIndex.clear();
  }
}

interface PendingRead extends Waiter<number> {
  /** The read index once known. */
  index: number;
}

/**
 * Reads go through two stages: waiting for the read index (a ReadState with their context),
 * then waiting for the local FSM to apply that index.
 */
export class ReadWaiters {
  private readonly awaitingIndex = new Map<string, PendingRead>();
  /** Sorted by index. */
  private awaitingApply: PendingRead[] = [];

  get size(): number {
    return this.awaitingIndex.size + this.awaitingApply.length;
  }

  addAwaitingIndex(context: string, w: Waiter<number>): void {
    this.awaitingIndex.set(context, { ...w, index: 0 });
  }

  /** A read whose index is already known (a leader-lease read). */
  addAwaitingApply(index: number, w: Waiter<number>, applied: number): void {
    if (index <= applied) {
      w.resolve(index);
      return;
    }
    this.insertSorted({ ...w, index });
  }

  /** The core answered the read with `context`; `applied` is the FSM's position now. */
  indexKnown(context: string, index: number, applied: number): void {
    const r = this.awaitingIndex.get(context);
    if (r === undefined) return;
    this.awaitingIndex.delete(context);
    this.addAwaitingApply(index, r, applied);
  }

  /** Resolves every read whose index the FSM has now applied. */
  applied(applied: number): void {
    let n = 0;
    while (n < this.awaitingApply.length && (this.awaitingApply[n] as PendingRead).index <= applied) n++;
    if (n === 0) return;
    const done = this.awaitingApply.slice(0, n);
    this.awaitingApply = this.awaitingApply.slice(n);
    for (const r of done) r.resolve(r.index);
  }

  /**
   * Leadership changed: reads still waiting for their index will never get one (the core
   * drops them), so they fail; reads with a known index stay valid and wait for the apply.
   */
  failAwaitingIndex(err: () => Error): void {
    for (const r of this.awaitingIndex.values()) r.reject(err());
    this.awaitingIndex.clear();
  }

  expire(now: number): void {
    const timeout = (): TimeoutError => new TimeoutError('timed out waiting for a read barrier');
    // Bounded by the pending reads; the index stage is in deadline order.
    for (const [context, r] of this.awaitingIndex) {
      if (r.deadline > now) break;
      this.awaitingIndex.delete(context);
      r.reject(timeout());
    }
    if (this.awaitingApply.some((r) => r.deadline <= now)) {
      for (const r of this.awaitingApply) if (r.deadline <= now) r.reject(timeout());
      this.awaitingApply = this.awaitingApply.filter((r) => r.deadline > now);
    }
  }

  failAll(err: () => Error): void {
    this.failAwaitingIndex(err);
    for (const r of this.awaitingApply) r.reject(err());
    this.awaitingApply = [];
  }

  private insertSorted(r: PendingRead): void {
    let lo = 0;
    let hi = this.awaitingApply.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.awaitingApply[mid] as PendingRead).index <= r.index) lo = mid + 1;
      else hi = mid;
    }
    this.awaitingApply.splice(lo, 0, r);
  }
}
