// Serializes every mutation and turns concurrent appends into group commits: while one write +
// fdatasync is in flight, later appends wait here; when it finishes, all appends queued
// behind it go out as one batch and their promises settle together. Any failure stops the
// queue for good (README.md "Failure").
import { WalFailedError } from './errors.ts';
import type { LogEntry } from './types.ts';

/** Bound on one group commit's encoded bytes, so a burst of appends cannot build a huge buffer. */
const MAX_GROUP_BYTES = 16 * 1024 * 1024;

export type AppendGroupFn = (batches: readonly (readonly LogEntry[])[], frameBytes: number, count: number) => Promise<void>;

interface Settle {
  resolve: () => void;
  reject: (err: unknown) => void;
}
type Job = ({ kind: 'append'; entries: readonly LogEntry[]; frameBytes: number } | { kind: 'task'; run: () => Promise<void> }) & Settle;

export class OpQueue {
  private jobs: Job[] = [];
  private draining: Promise<void> | undefined;
  private failure: WalFailedError | undefined;

  constructor(private readonly appendGroup: AppendGroupFn) {}

  get failed(): WalFailedError | undefined {
    return this.failure;
  }

  append(entries: readonly LogEntry[], frameBytes: number): Promise<void> {
    return new Promise((resolve, reject) => this.push({ kind: 'append', entries, frameBytes, resolve, reject }));
  }

  task(run: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => this.push({ kind: 'task', run, resolve, reject }));
  }

  /** Resolves once every job queued so far has settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private push(job: Job): void {
    if (this.failure) return job.reject(this.failure);
    this.jobs.push(job);
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    // One microtask of slack lets appends issued in the same tick share the first batch.
    await Promise.resolve();
    while (this.jobs.length > 0) {
      const n = this.groupLength();
      const group = this.jobs.splice(0, n);
      try {
        await this.run(group);
      } catch (err) {
        this.fail(err, group);
        break;
      }
      for (const j of group) j.resolve();
    }
    // Cleared synchronously with the emptiness check, so push() never sees a finished drain.
    this.draining = undefined;
  }

  /** How many jobs at the head go out together: consecutive appends within MAX_GROUP_BYTES. */
  private groupLength(): number {
    const head = this.jobs[0]!;
    if (head.kind !== 'append') return 1;
    let n = 1;
    let bytes = head.frameBytes;
    for (; n < this.jobs.length; n++) {
      const j = this.jobs[n]!;
      if (j.kind !== 'append' || bytes + j.frameBytes > MAX_GROUP_BYTES) break;
      bytes += j.frameBytes;
    }
    return n;
  }

  private async run(group: Job[]): Promise<void> {
    const head = group[0]!;
    if (head.kind === 'task') return head.run();
    const batches: (readonly LogEntry[])[] = [];
    let frameBytes = 0;
    let count = 0;
    for (const j of group) {
      if (j.kind !== 'append') throw new Error('invariant: task inside an append group');
      batches.push(j.entries);
      frameBytes += j.frameBytes;
      count += j.entries.length;
    }
    return this.appendGroup(batches, frameBytes, count);
  }

  private fail(err: unknown, group: Job[]): void {
    this.failure = err instanceof WalFailedError ? err : new WalFailedError(err);
    const waiting = [...group, ...this.jobs];
    this.jobs = [];
    for (const j of waiting) j.reject(this.failure);
  }
}
