// Encodes one batch (what one write + one fdatasync makes durable) into a reused scratch
// buffer: optional segment header, frames, then the commit frame that proves the batch whole.
import { Buffer } from 'node:buffer';
import { crc32c } from '../crc32c.ts';
import type { LogEntry } from '../types.ts';
import {
  COMMIT_FRAME_SIZE,
  ENTRY_HEADER_SIZE,
  INDEX_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  TRUNCATE_FRAME_SIZE,
  encodeCommitFrame,
  encodeEntryFrame,
  encodeIndexFrame,
  encodeSegmentHeader,
  encodeTruncateFrame,
  entryFrameSize,
  indexFrameSize,
} from '../format/segment-format.ts';

/** Scratch kept between batches; a larger one (after a huge batch) is dropped, not kept forever. */
const SCRATCH_KEEP_MAX = 16 * 1024 * 1024;
const SCRATCH_INITIAL = 256 * 1024;

export class BatchEncoder {
  private buf = Buffer.allocUnsafe(SCRATCH_INITIAL);
  private words = wordsOf(this.buf);
  private pos = 0;
  private chain = 0;
  private fileStart = 0;
  private capacity = 0;

  /** Starts a batch that will be written at `fileOffset` and is at most `maxBytes` long. */
  start(fileOffset: number, maxBytes: number): void {
    if (this.buf.length < maxBytes || (this.buf.length > SCRATCH_KEEP_MAX && maxBytes <= SCRATCH_INITIAL)) {
      this.buf = Buffer.allocUnsafe(Math.max(SCRATCH_INITIAL, maxBytes));
      this.words = wordsOf(this.buf);
    }
    this.pos = 0;
    this.chain = 0;
    this.fileStart = fileOffset;
    this.capacity = maxBytes;
  }

  segmentHeader(baseIndex: number, id: number): void {
    if (this.fileStart !== 0 || this.pos !== 0) throw new Error('segment header must start the file');
    this.reserve(SEGMENT_HEADER_SIZE);
    encodeSegmentHeader(this.buf, 0, baseIndex, id);
    this.chain = crc32c(this.buf, 0, SEGMENT_HEADER_SIZE, this.chain);
    this.pos = SEGMENT_HEADER_SIZE;
  }

  /** Appends an entry frame; returns its file offset. */
  entry(e: LogEntry): number {
    const at = this.pos;
    this.reserve(entryFrameSize(e.data.length));
    this.pos += encodeEntryFrame(this.buf, this.words, at, e.index, e.term, e.type, e.data);
    this.chain = crc32c(this.buf, at, at + ENTRY_HEADER_SIZE, this.chain);
    return this.fileStart + at;
  }

  truncate(lastIndex: number): void {
    const at = this.pos;
    this.reserve(TRUNCATE_FRAME_SIZE);
    this.pos += encodeTruncateFrame(this.buf, at, lastIndex);
    this.chain = crc32c(this.buf, at, at + TRUNCATE_FRAME_SIZE, this.chain);
  }

  /** Appends the index frame of a sealed segment; returns its file offset. */
  index(offsets: Uint32Array, count: number): number {
    const at = this.pos;
    this.reserve(indexFrameSize(count));
    this.pos += encodeIndexFrame(this.buf, at, offsets, count);
    this.chain = crc32c(this.buf, at, at + INDEX_HEADER_SIZE, this.chain);
    return this.fileStart + at;
  }

  /** Closes the batch with its commit frame; returns the bytes to write at the start offset. */
  commit(segmentId: number): Buffer {
    this.reserve(COMMIT_FRAME_SIZE);
    this.pos += encodeCommitFrame(this.buf, this.pos, this.chain, this.fileStart, segmentId);
    return this.buf.subarray(0, this.pos);
  }

  private reserve(n: number): void {
    // Sizes are computed by the caller before start(); overrunning them is a bug, not a case.
    if (this.pos + n > this.capacity) throw new Error(`batch overran its computed size ${this.capacity}`);
  }
}

/** A u32 view over a scratch buffer; allocUnsafe above the pool size starts a fresh, aligned ArrayBuffer. */
function wordsOf(buf: Buffer): Uint32Array {
  if (buf.byteOffset % 8 !== 0) throw new Error('scratch buffer is not 8-aligned');
  return new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
}
