// The log proper: the ordered segments, the logical first index and the stable store, with
// synchronous reads and the mutations the operation queue runs one at a time. Every change to
// the set of segments, the first index or the stable store becomes durable through one meta
// write (the commit point); files leave the directory only after it.
import { Buffer } from 'node:buffer';
import { COMMIT_FRAME_SIZE, MAX_SEGMENT_FILE_BYTES, SEGMENT_HEADER_SIZE, TRUNCATE_FRAME_SIZE, indexFrameSize, segmentFileName } from './format/segment-format.ts';
import type { MetaSegment } from './format/meta-format.ts';
import { writeMeta } from './meta-store.ts';
import { BatchEncoder } from './segment/batch-encoder.ts';
import { readEntry, readRun } from './segment/entry-reader.ts';
import { SealedSegment } from './segment/sealed-segment.ts';
import { TailSegment } from './segment/tail-segment.ts';
import type { LogEntry } from './types.ts';
import type { Vfs } from './vfs.ts';

export type Segment = SealedSegment | TailSegment;

export interface LogConfig {
  vfs: Vfs;
  dir: string;
  segmentSize: number;
  /** Zero-fill the tail ahead of the data in EXTEND_STEP pieces (see writeBatch). */
  preallocate: boolean;
}

/**
 * The tail grows in zero-filled steps of this size, written and synced with the batch that
 * crosses into them. Later batches then overwrite allocated blocks, and their fdatasync
 * flushes data only; appending to a growing file would also commit a size and allocation
 * change through the file-system journal on every sync (about half the sync rate on ext4).
 * Node has no fallocate, and fallocate's unwritten extents would need that journal commit too.
 */
const EXTEND_STEP = 1024 * 1024;
let zeros: Buffer | undefined;

export interface LogState {
  segments: Segment[];
  /** Logical first index; meaningful only while the log is not empty. */
  first: number;
  nextSegmentId: number;
  stable: Map<string, Uint8Array>;
}

export class SegmentLog {
  private readonly encoder = new BatchEncoder();

  constructor(
    private readonly cfg: LogConfig,
    private state: LogState,
  ) {}

  // ---- queries (synchronous) ----

  /** Last live index, or first - 1 / 0 when empty; see isEmpty(). */
  rawLastIndex(): number {
    return this.state.segments.at(-1)?.lastIndex ?? 0;
  }

  isEmpty(): boolean {
    return this.state.segments.length === 0 || this.rawLastIndex() < this.state.first;
  }

  firstIndex(): number {
    return this.isEmpty() ? 0 : this.state.first;
  }

  lastIndex(): number {
    return this.isEmpty() ? 0 : this.rawLastIndex();
  }

  segments(): readonly Segment[] {
    return this.state.segments;
  }

  getStable(key: string): Uint8Array | undefined {
    return this.state.stable.get(key);
  }

  stableKeyCount(): number {
    return this.state.stable.size;
  }

  get(index: number): LogEntry | undefined {
    const last = this.rawLastIndex();
    // Bounds first: also rejects non-integers and the empty log (last < first there).
    if (!(index >= this.state.first && index <= last) || !Number.isSafeInteger(index) || this.state.segments.length === 0) return undefined;
    return readEntry(this.segmentFor(index), index);
  }

  getRange(lo: number, hi: number, maxBytes: number): LogEntry[] {
    const out: LogEntry[] = [];
    if (this.isEmpty() || !Number.isSafeInteger(lo) || lo < this.state.first || lo > this.rawLastIndex()) return out;
    const end = Math.min(hi, this.rawLastIndex() + 1);
    let taken = 0;
    let index = lo;
    while (index < end) {
      const seg = this.segmentFor(index);
      const runEnd = Math.min(end, seg.lastIndex + 1);
      const before = out.length;
      taken += readRun(seg, index, runEnd, maxBytes - taken, out);
      if (out.length - before < runEnd - index) break; // the byte budget stopped the run
      index = runEnd;
    }
    return out;
  }

  /** The segment holding `index` (binary search on base index; the caller checked bounds). */
  private segmentFor(index: number): Segment {
    const segs = this.state.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segs[mid]!.baseIndex <= index) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo]!;
  }

  // ---- mutations (called by the operation queue, one at a time) ----

  /** Writes one group of contiguous batches as one batch: one write, one fdatasync. */
  async appendGroup(batches: readonly (readonly LogEntry[])[], frameBytes: number, count: number): Promise<void> {
    const startIndex = batches[0]![0]!.index;
    let tail = await this.ensureTail(startIndex);
    if (tail.liveCount > 0 && tail.writeOffset + SEGMENT_HEADER_SIZE + frameBytes + COMMIT_FRAME_SIZE + indexFrameSize(tail.liveCount + count) > MAX_SEGMENT_FILE_BYTES) {
      // Offsets are u32: seal what is there and put this group in a fresh segment.
      await this.sealAlone(tail);
      tail = await this.ensureTail(startIndex);
    }
    const headerBytes = tail.writeOffset === 0 ? SEGMENT_HEADER_SIZE : 0;
    const total = tail.liveCount + count;
    const seal = tail.writeOffset + headerBytes + frameBytes + COMMIT_FRAME_SIZE >= this.cfg.segmentSize;
    const enc = this.encoder;
    enc.start(tail.writeOffset, headerBytes + frameBytes + COMMIT_FRAME_SIZE + (seal ? indexFrameSize(total) : 0));
    if (headerBytes > 0) enc.segmentHeader(tail.baseIndex, tail.id);
    let slot = tail.liveCount;
    for (const batch of batches) for (const e of batch) tail.offsets.set(slot++, enc.entry(e));
    const indexOffset = seal ? enc.index(tail.offsets.view(total), total) : 0;
    await this.writeBatch(tail, enc.commit(tail.id));
    tail.liveCount = total;
    // The seal is durable now; the meta file learns about it at the next rotation (recovery
    // recognises a sealed tail by its index frame if we crash before that).
    if (seal) this.replaceLast(sealedFromTail(tail, indexOffset));
  }

  async truncateBefore(index: number): Promise<void> {
    if (this.isEmpty() || index <= this.state.first) return;
    if (index > this.rawLastIndex()) return this.dropAll();
    const dropped = this.state.segments.filter((s) => s.sealed && s.lastIndex < index);
    const kept = this.state.segments.filter((s) => !dropped.includes(s));
    await this.commit({ ...this.state, segments: kept, first: index });
    await this.removeFiles(dropped);
  }

  async truncateAfter(index: number): Promise<void> {
    if (this.isEmpty() || index >= this.rawLastIndex()) return;
    if (index < this.state.first) return this.dropAll();
    const last = this.state.segments.at(-1)!;
    if (!last.sealed && index >= last.baseIndex - 1) return this.truncateTail(last, index);
    const k = this.state.segments.indexOf(this.segmentFor(index));
    const keep = this.state.segments[k]!;
    if (!keep.sealed) throw new Error(`truncateAfter(${index}) landed in the unsealed ${keep.name} that is not last`);
    const kept = [...this.state.segments.slice(0, k), keep.withLastIndex(index)];
    const dropped = this.state.segments.slice(k + 1);
    await this.commit({ ...this.state, segments: kept });
    await this.removeFiles(dropped);
  }

  async setStable(entries: ReadonlyMap<string, Uint8Array>): Promise<void> {
    const stable = new Map(this.state.stable);
    for (const [k, v] of entries) stable.set(k, v);
    await this.commit({ ...this.state, stable });
  }

  async close(): Promise<void> {
    for (const s of this.state.segments) await s.file.close();
  }

  // ---- helpers ----

  /** Entries after `index` in the tail are dropped by a truncate frame: one write, one fdatasync. */
  private async truncateTail(tail: TailSegment, index: number): Promise<void> {
    if (tail.writeOffset === 0) throw new Error(`truncateTail on ${tail.name} with nothing committed`);
    const enc = this.encoder;
    enc.start(tail.writeOffset, TRUNCATE_FRAME_SIZE + COMMIT_FRAME_SIZE);
    enc.truncate(index);
    await this.writeBatch(tail, enc.commit(tail.id));
    tail.liveCount = index - tail.baseIndex + 1;
  }

  /**
   * One write of the batch at the durable end (plus, when it crosses the zero-filled region,
   * one write of zeros up to the next EXTEND_STEP boundary), then one fdatasync; the tail's
   * durable end moves only after the sync returned.
   */
  private async writeBatch(tail: TailSegment, bytes: Buffer): Promise<void> {
    const end = tail.writeOffset + bytes.length;
    await tail.file.write(bytes, tail.writeOffset);
    if (this.cfg.preallocate && end > tail.allocatedEnd && end < this.cfg.segmentSize) {
      const to = Math.min(Math.ceil(end / EXTEND_STEP) * EXTEND_STEP, this.cfg.segmentSize);
      zeros ??= Buffer.alloc(EXTEND_STEP);
      await tail.file.write(zeros.subarray(0, to - end), end);
      tail.allocatedEnd = to;
    }
    await tail.file.sync();
    tail.writeOffset = end;
  }

  /** Seals the tail with an index frame batch of its own (used only before a u32 overflow). */
  private async sealAlone(tail: TailSegment): Promise<void> {
    const enc = this.encoder;
    enc.start(tail.writeOffset, indexFrameSize(tail.liveCount) + COMMIT_FRAME_SIZE);
    const indexOffset = enc.index(tail.offsets.view(tail.liveCount), tail.liveCount);
    await this.writeBatch(tail, enc.commit(tail.id));
    this.replaceLast(sealedFromTail(tail, indexOffset));
  }

  /** Returns a tail that `startIndex` may be appended to, creating one if needed. */
  private async ensureTail(startIndex: number): Promise<TailSegment> {
    const last = this.state.segments.at(-1);
    const empty = this.isEmpty();
    if (!empty && startIndex !== this.rawLastIndex() + 1) {
      throw new Error(`invariant: append at ${startIndex} does not follow last index ${this.rawLastIndex()}`);
    }
    if (last && !last.sealed) {
      if (!empty) return last;
      if (last.baseIndex === startIndex && last.liveCount === 0) {
        if (this.state.first !== startIndex) await this.commit({ ...this.state, first: startIndex });
        return last;
      }
      return this.rotate(startIndex, [last]); // an empty log whose empty tail starts elsewhere
    }
    return this.rotate(startIndex, []);
  }

  /**
   * Starts a new tail at `baseIndex`: the file is created and its directory entry synced
   * before the meta write names it, so a named segment is never missing after a crash.
   */
  private async rotate(baseIndex: number, replacing: Segment[]): Promise<TailSegment> {
    const wasEmpty = this.isEmpty();
    const id = this.state.nextSegmentId;
    const name = segmentFileName(baseIndex, id);
    const file = await this.cfg.vfs.create(this.cfg.dir, name);
    await this.cfg.vfs.syncDir(this.cfg.dir);
    const tail = new TailSegment(id, baseIndex, name, file);
    const segments = [...this.state.segments.filter((s) => !replacing.includes(s)), tail];
    await this.commit({ ...this.state, segments, nextSegmentId: id + 1, first: wasEmpty ? baseIndex : this.state.first });
    await this.removeFiles(replacing);
    return tail;
  }

  private async dropAll(): Promise<void> {
    const dropped = this.state.segments;
    await this.commit({ ...this.state, segments: [], first: 0 });
    await this.removeFiles(dropped);
  }

  /** Makes `next` durable through the meta file, then adopts it in memory. */
  private async commit(next: LogState): Promise<void> {
    await writeMeta(this.cfg.vfs, this.cfg.dir, {
      nextSegmentId: next.nextSegmentId,
      firstIndex: next.segments.length === 0 ? 0 : next.first,
      segments: next.segments.map(metaSegment),
      stable: next.stable,
    });
    this.state = next;
  }

  /** After the meta commit: a delete lost in a crash leaves an unnamed file, removed on open. */
  private async removeFiles(segments: readonly Segment[]): Promise<void> {
    for (const s of segments) {
      await s.file.close();
      await this.cfg.vfs.remove(this.cfg.dir, s.name);
    }
  }

  private replaceLast(seg: Segment): void {
    this.state = { ...this.state, segments: [...this.state.segments.slice(0, -1), seg] };
  }
}

function metaSegment(s: Segment): MetaSegment {
  return s.sealed
    ? { baseIndex: s.baseIndex, id: s.id, lastIndex: s.lastIndex, indexOffset: s.indexOffset }
    : { baseIndex: s.baseIndex, id: s.id, lastIndex: 0, indexOffset: 0 };
}

function sealedFromTail(tail: TailSegment, indexOffset: number): SealedSegment {
  const index = tail.offsets.view(tail.liveCount).slice();
  return new SealedSegment(tail.id, tail.baseIndex, tail.name, tail.file, tail.lastIndex, indexOffset, index);
}
