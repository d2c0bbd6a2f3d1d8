// The Wal object handed to callers: argument checks at call time (so a bad call never queues
// or writes), the failed/closed gates, and delegation to the queue and the segment log.
import { Buffer } from 'node:buffer';
import { WalClosedError, WalInvalidArgumentError } from './errors.ts';
import { MAX_STABLE_KEYS, MAX_STABLE_KEY_BYTES, MAX_STABLE_VALUE_BYTES } from './format/meta-format.ts';
import { entryFrameSize } from './format/segment-format.ts';
import { OpQueue } from './op-queue.ts';
import type { SegmentLog } from './segment-log.ts';
import type { LogEntry, Wal } from './types.ts';

/** Largest single append() in encoded bytes; keeps every offset of a segment within u32. */
export const MAX_APPEND_BYTES = 1024 * 1024 * 1024;

/** What the log will look like once every queued operation has run; appends validate against it. */
interface Accepted {
  empty: boolean;
  first: number;
  last: number;
}

export class WalImpl implements Wal {
  private readonly queue: OpQueue;
  private readonly accepted: Accepted;
  private closed = false;

  constructor(
    private readonly log: SegmentLog,
    private readonly maxEntrySize: number,
  ) {
    this.queue = new OpQueue((batches, bytes, count) => log.appendGroup(batches, bytes, count));
    this.accepted = { empty: log.isEmpty(), first: log.firstIndex(), last: log.lastIndex() };
  }

  firstIndex(): number {
    this.gate();
    return this.log.firstIndex();
  }

  lastIndex(): number {
    this.gate();
    return this.log.lastIndex();
  }

  get(index: number): LogEntry | undefined {
    this.gate();
    return this.log.get(index);
  }

  getRange(lo: number, hi: number, maxBytes: number): LogEntry[] {
    this.gate();
    return this.log.getRange(lo, hi, maxBytes);
  }

  getStable(key: string): Uint8Array | undefined {
    this.gate();
    const v = this.log.getStable(key);
    return v && v.slice();
  }

  async append(entries: readonly LogEntry[]): Promise<void> {
    this.gate();
    if (entries.length === 0) return;
    const frameBytes = this.checkAppend(entries);
    const a = this.accepted;
    if (a.empty) a.first = entries[0]!.index;
    a.empty = false;
    a.last = entries[entries.length - 1]!.index;
    return this.queue.append(entries, frameBytes);
  }

  async truncateBefore(index: number): Promise<void> {
    this.gate();
    checkIndexArg('truncateBefore', index);
    const a = this.accepted;
    if (!a.empty && index > a.last) Object.assign(a, { empty: true, first: 0, last: 0 });
    else if (!a.empty && index > a.first) a.first = index;
    return this.queue.task(() => this.log.truncateBefore(index));
  }

  async truncateAfter(index: number): Promise<void> {
    this.gate();
    checkIndexArg('truncateAfter', index);
    const a = this.accepted;
    if (!a.empty && index < a.first) Object.assign(a, { empty: true, first: 0, last: 0 });
    else if (!a.empty && index < a.last) a.last = index;
    return this.queue.task(() => this.log.truncateAfter(index));
  }

  async setStable(key: string, value: Uint8Array): Promise<void> {
    return this.setStableMany({ [key]: value });
  }

  async setStableMany(entries: Record<string, Uint8Array>): Promise<void> {
    this.gate();
    const updates = new Map<string, Uint8Array>();
    for (const [k, v] of Object.entries(entries)) {
      if (Buffer.byteLength(k, 'utf8') > MAX_STABLE_KEY_BYTES || k.length === 0) throw new WalInvalidArgumentError(`stable key "${k.slice(0, 40)}" is empty or too long`);
      if (!(v instanceof Uint8Array) || v.length > MAX_STABLE_VALUE_BYTES) throw new WalInvalidArgumentError(`stable value for "${k}" is not bytes or exceeds ${MAX_STABLE_VALUE_BYTES}`);
      updates.set(k, v.slice()); // the caller may reuse its buffer
    }
    let added = 0;
    for (const k of updates.keys()) if (this.log.getStable(k) === undefined) added++;
    if (this.log.stableKeyCount() + added > MAX_STABLE_KEYS) throw new WalInvalidArgumentError(`more than ${MAX_STABLE_KEYS} stable keys`);
    return this.queue.task(() => this.log.setStable(updates));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    await this.log.close();
  }

  private gate(): void {
    if (this.closed) throw new WalClosedError();
    const failed = this.queue.failed;
    if (failed) throw failed;
  }

  /** Validates an append against the accepted state; returns its encoded frame bytes. */
  private checkAppend(entries: readonly LogEntry[]): number {
    const start = entries[0]!.index;
    const a = this.accepted;
    if (!a.empty && start !== a.last + 1) throw new WalInvalidArgumentError(`append must start at index ${a.last + 1}, got ${start}`);
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (!Number.isSafeInteger(e.index) || e.index < 1 || e.index !== start + i) throw new WalInvalidArgumentError(`entry ${i} has index ${e.index}, expected ${start + i}`);
      if (!Number.isSafeInteger(e.term) || e.term < 0) throw new WalInvalidArgumentError(`entry ${e.index} has invalid term ${e.term}`);
      if (!Number.isInteger(e.type) || e.type < 0 || e.type > 0xffff) throw new WalInvalidArgumentError(`entry ${e.index} has invalid type ${e.type}`);
      if (!(e.data instanceof Uint8Array)) throw new WalInvalidArgumentError(`entry ${e.index} data is not a Uint8Array`);
      if (e.data.length > this.maxEntrySize) throw new WalInvalidArgumentError(`entry ${e.index} is ${e.data.length} bytes, over maxEntrySize ${this.maxEntrySize}`);
      bytes += entryFrameSize(e.data.length);
    }
    if (bytes > MAX_APPEND_BYTES) throw new WalInvalidArgumentError(`append of ${bytes} encoded bytes exceeds ${MAX_APPEND_BYTES}`);
    return bytes;
  }
}

function checkIndexArg(op: string, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new WalInvalidArgumentError(`${op}: invalid index ${index}`);
}
