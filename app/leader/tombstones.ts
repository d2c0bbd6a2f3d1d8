// Leader loop: tombstone reaping (Consul's TombstoneGC). A deleted key leaves a tombstone so a
// blocking query on it sees its index move forward; after tombstone_ttl nobody can still be
// waiting on that index, and the leader reaps it through Raft (kv.reap-tombstones).
//
// Only the leader keeps time. Every granularity step it notes the newest tombstone index with
// the time it was first seen (an index↔time map of at most ttl/granularity + 1 marks); a mark
// older than the TTL means every tombstone at or below its index is at least that old, so the
// leader proposes a reap up to the newest such index. A new leader marks what exists when it
// takes over (Consul hints its last index), so nothing is reaped earlier than the TTL after it.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';

/**
 * Marks kept at most. Normally at most ttl/granularity + 1 exist; if reaping keeps failing the
 * oldest two merge into the newer one (later reaping, never earlier).
 */
const MAX_MARKS = 1024;

export interface TombstoneReaperDeps {
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly granularityMs: number;
  /** The Raft index of the newest tombstone in the local state (0 when none). */
  readonly newestTombstone: () => number;
  /** Proposes kv.reap-tombstones up to `upTo`; rejects if it could not be committed. */
  readonly reap: (upTo: number) => Promise<void>;
  readonly onError: (err: unknown) => void;
}

interface Mark {
  readonly index: number;
  /** Monotonic ms when the index was first seen. */
  readonly at: number;
}

export class TombstoneReaper {
  private marks: Mark[] = [];
  private cancel: CancelTimer | undefined;
  private running = false;

  constructor(private readonly deps: TombstoneReaperDeps) {
    if (!(deps.granularityMs > 0) || !(deps.ttlMs > 0)) throw new RangeError('tombstone ttl and granularity must be positive');
  }

  /** Marks kept: one per granularity step with new tombstones, for at most one TTL. */
  get pending(): readonly Mark[] {
    return this.marks;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.marks = [];
    this.note();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
    this.marks = [];
  }

  /** One step: note new tombstones, reap what has outlived the TTL. */
  async step(): Promise<void> {
    this.note();
    const now = this.deps.clock.now();
    const expired = this.marks.filter((m) => now - m.at >= this.deps.ttlMs);
    if (expired.length === 0) return;
    const upTo = Math.max(...expired.map((m) => m.index));
    try {
      await this.deps.reap(upTo);
      this.marks = this.marks.filter((m) => m.index > upTo);
    } catch (err) {
      this.deps.onError(err);
    }
  }

  private note(): void {
    const newest = this.deps.newestTombstone();
    const last = this.marks[this.marks.length - 1];
    if (newest > 0 && (last === undefined || newest > last.index)) this.marks.push({ index: newest, at: this.deps.clock.now() });
    if (this.marks.length > MAX_MARKS) this.marks.splice(0, 1);
  }

  private schedule(): void {
    this.cancel = this.deps.clock.setTimer(this.deps.granularityMs, () => {
      if (!this.running) return;
      void this.step().finally(() => {
        if (this.running) this.schedule();
      });
    });
  }
}
