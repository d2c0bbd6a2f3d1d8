// Positioned synchronous reads of entry frames. Every entry read is checked (frame type,
// index, CRC-32C of header and data): a sealed or committed entry that does not read back as
// written is a WalCorruptionError naming the file and offset, never returned.
import { Buffer } from 'node:buffer';
import { WalCorruptionError } from '../errors.ts';
import { readU64 } from '../format/bytes.ts';
import { ENTRY_HEADER_SIZE, FRAME_ENTRY, entryChecksumOk } from '../format/segment-format.ts';
import type { LogEntry } from '../types.ts';
import { readFully } from '../io.ts';
import type { VfsFile } from '../vfs.ts';

/** Spans up to this size are read in one call; larger ones read the header first (two calls). */
const SINGLE_READ_MAX = 64 * 1024;
/** Upper bound of one getRange block read, so a long range does not allocate one huge buffer. */
const RANGE_BLOCK_MAX = 1024 * 1024;

/** Where the frames of one segment are. `frameEnd(i)` bounds frame i (next frame or end of data). */
export interface SegmentFrames {
  readonly name: string;
  readonly file: VfsFile;
  readonly baseIndex: number;
  frameStart(i: number): number;
  frameEnd(i: number): number;
}

/** Reads the entry at `index` of `seg`. */
export function readEntry(seg: SegmentFrames, index: number): LogEntry {
  const i = index - seg.baseIndex;
  const at = seg.frameStart(i);
  const span = seg.frameEnd(i) - at;
  if (span < ENTRY_HEADER_SIZE) throw new WalCorruptionError(seg.name, at, `entry frame span ${span} too small`);
  if (span <= SINGLE_READ_MAX) {
    const buf = Buffer.allocUnsafe(span);
    readFully(seg.file, seg.name, buf, at);
    return decodeEntry(buf, 0, span, index, seg.name, at);
  }
  const head = Buffer.allocUnsafe(ENTRY_HEADER_SIZE);
  readFully(seg.file, seg.name, head, at);
  const len = head.readUInt32LE(4);
  // The length is checked against the known span before anything is allocated for it.
  if (head[0] !== FRAME_ENTRY || ENTRY_HEADER_SIZE + len > span) {
    throw new WalCorruptionError(seg.name, at, `bad entry frame header (type ${head[0]}, length ${len})`);
  }
  const buf = Buffer.allocUnsafe(ENTRY_HEADER_SIZE + len);
  readFully(seg.file, seg.name, buf, at);
  return decodeEntry(buf, 0, buf.length, index, seg.name, at);
}

/**
 * Reads entries [lo, hi) of one segment into `out` with as few positioned reads as possible,
 * stopping before the data total would pass `budget` (but always taking one entry when `out`
 * is empty). Returns the data bytes taken.
 */
export function readRun(seg: SegmentFrames, lo: number, hi: number, budget: number, out: LogEntry[]): number {
  let taken = 0;
  let index = lo;
  while (index < hi) {
    const i = index - seg.baseIndex;
    const blockStart = seg.frameStart(i);
    if (seg.frameEnd(i) - blockStart > SINGLE_READ_MAX) {
      const e = readEntry(seg, index);
      if (out.length > 0 && taken + e.data.length > budget) return taken;
      out.push(e);
      taken += e.data.length;
      index++;
      continue;
    }
    // Frame spans bound data sizes from above, so a block of spans within the remaining budget
    // (plus headers) never reads far past what will be returned.
    const cap = Math.min(RANGE_BLOCK_MAX, Math.max(SINGLE_READ_MAX, budget - taken + (hi - index) * ENTRY_HEADER_SIZE));
    let last = index;
    while (last + 1 < hi && seg.frameEnd(last + 1 - seg.baseIndex) - blockStart <= cap) last++;
    const buf = Buffer.allocUnsafe(seg.frameEnd(last - seg.baseIndex) - blockStart);
    readFully(seg.file, seg.name, buf, blockStart);
    for (; index <= last; index++) {
      const k = index - seg.baseIndex;
      const at = seg.frameStart(k) - blockStart;
      const e = decodeEntry(buf, at, seg.frameEnd(k) - blockStart, index, seg.name, blockStart + at);
      if (out.length > 0 && taken + e.data.length > budget) return taken;
      out.push(e);
      taken += e.data.length;
    }
  }
  return taken;
}

function decodeEntry(buf: Buffer, at: number, limit: number, index: number, name: string, fileAt: number): LogEntry {
  const len = buf.readUInt32LE(at + 4);
  if (buf[at] !== FRAME_ENTRY || buf[at + 1] !== 0 || buf.readUInt32LE(at + 28) !== 0 || at + ENTRY_HEADER_SIZE + len > limit) {
    throw new WalCorruptionError(name, fileAt, `bad entry frame header (type ${buf[at]}, length ${len})`);
  }
  if (!entryChecksumOk(buf, at, len)) throw new WalCorruptionError(name, fileAt, `entry ${index} checksum mismatch`);
  const got = readU64(buf, at + 8);
  if (got !== index) throw new WalCorruptionError(name, fileAt, `expected entry ${index}, found ${got}`);
  return {
    index,
    term: readU64(buf, at + 16),
    type: buf.readUInt16LE(at + 2),
    data: buf.subarray(at + ENTRY_HEADER_SIZE, at + ENTRY_HEADER_SIZE + len),
  };
}
