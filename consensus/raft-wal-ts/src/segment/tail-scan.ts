// Recovery of the tail segment (README.md "Recovery"). Batches are read in order; a batch
// counts only if its commit frame's CRC chain matches. Everything after the last good commit
// is a torn write of a batch that was never acknowledged, and is ignored - unless a later
// commit still validates, which proves synced data was damaged: that is a loud error.
import type { Buffer } from 'node:buffer';
import { crc32c } from '../crc32c.ts';
import { WalCorruptionError } from '../errors.ts';
import { readU64 } from '../format/bytes.ts';
import {
  COMMIT_FRAME_SIZE,
  ENTRY_HEADER_SIZE,
  FRAME_COMMIT,
  FRAME_ENTRY,
  FRAME_INDEX,
  FRAME_TRUNCATE,
  INDEX_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  TRUNCATE_FRAME_SIZE,
  checkSegmentHeader,
  entryChecksumOk,
  entryFrameSize,
  indexChecksumOk,
  indexFrameSize,
} from '../format/segment-format.ts';
import { OffsetArray } from './offset-array.ts';

export interface TailScan {
  offsets: OffsetArray;
  liveCount: number;
  /** End of the last valid commit frame; 0 when no batch was ever committed. */
  committedEnd: number;
  /** Offset of the index frame when the segment turned out to be sealed (crash before meta). */
  indexOffset: number;
}

/** One frame of a batch not yet proven whole: kind, file offset, and index / count / last. */
export interface PendingFrame {
  kind: number;
  at: number;
  value: number;
}

export type BatchRead = { ok: true; frames: PendingFrame[]; end: number } | { ok: false; stopAt: number };

export function scanTail(buf: Buffer, name: string, baseIndex: number, id: number): TailScan {
  const scan: TailScan = { offsets: new OffsetArray(), liveCount: 0, committedEnd: 0, indexOffset: 0 };
  let stopAt = 0;
  while (scan.indexOffset === 0) {
    const batch = readBatch(buf, scan.committedEnd, id);
    if (!batch.ok) {
      stopAt = batch.stopAt;
      break;
    }
    applyBatch(scan, batch.frames, buf, name, baseIndex, id);
    scan.committedEnd = batch.end;
    stopAt = batch.end;
  }
  refuseLaterCommit(buf, scan.committedEnd, stopAt, id, name);
  return scan;
}

/** Reads frames from `batchStart` up to a commit frame whose CRC chain matches. */
export function readBatch(buf: Buffer, batchStart: number, id: number): BatchRead {
  const frames: PendingFrame[] = [];
  let pos = batchStart;
  let chain = 0;
  if (batchStart === 0) {
    if (buf.length < SEGMENT_HEADER_SIZE) return { ok: false, stopAt: 0 };
    chain = crc32c(buf, 0, SEGMENT_HEADER_SIZE);
    pos = SEGMENT_HEADER_SIZE;
  }
  // Each step moves pos forward by at least 16 bytes, so the walk ends at the end of the file.
  while (pos + 16 <= buf.length) {
    const kind = buf[pos]!;
    let size: number;
    let value: number;
    let chained: number;
    if (kind === FRAME_ENTRY) {
      if (pos + ENTRY_HEADER_SIZE > buf.length) break;
      const len = buf.readUInt32LE(pos + 4);
      size = entryFrameSize(len);
      if (pos + size > buf.length || !entryChecksumOk(buf, pos, len)) break;
      value = readU64(buf, pos + 8);
      chained = ENTRY_HEADER_SIZE;
    } else if (kind === FRAME_INDEX) {
      value = buf.readUInt32LE(pos + 4);
      size = indexFrameSize(value);
      if (pos + size > buf.length || !indexChecksumOk(buf, pos, value)) break;
      chained = INDEX_HEADER_SIZE;
    } else if (kind === FRAME_TRUNCATE) {
      size = TRUNCATE_FRAME_SIZE;
      value = readU64(buf, pos + 8);
      chained = TRUNCATE_FRAME_SIZE;
    } else if (kind === FRAME_COMMIT) {
      if (!commitOk(buf, pos, chain, batchStart, id)) break;
      return { ok: true, frames, end: pos + COMMIT_FRAME_SIZE };
    } else {
      break;
    }
    chain = crc32c(buf, pos, pos + chained, chain);
    frames.push({ kind, at: pos, value });
    pos += size;
  }
  return { ok: false, stopAt: pos };
}

function commitOk(buf: Buffer, at: number, chain: number, batchStart: number, id: number): boolean {
  return (
    buf[at + 1] === 0 &&
    buf.readUInt16LE(at + 2) === 0 &&
    buf.readUInt32LE(at + 8) === batchStart &&
    buf.readUInt32LE(at + 12) === id % 0x1_0000_0000 &&
    buf.readUInt32LE(at + 4) === crc32c(buf, at + 8, at + 16, chain)
  );
}

/**
 * Applies a batch whose commit validated. Its bytes are exactly what was written, so anything
 * inconsistent here (header, index sequence, truncate bounds) is a bug or foreign data: loud.
 */
function applyBatch(scan: TailScan, frames: PendingFrame[], buf: Buffer, name: string, baseIndex: number, id: number): void {
  if (scan.committedEnd === 0) {
    const bad = checkSegmentHeader(buf, 0, baseIndex, id);
    if (bad) throw new WalCorruptionError(name, 0, bad);
  }
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k]!;
    if (f.kind === FRAME_ENTRY) {
      const want = baseIndex + scan.liveCount;
      if (f.value !== want) throw new WalCorruptionError(name, f.at, `committed entry ${f.value} where ${want} was expected`);
      scan.offsets.set(scan.liveCount++, f.at);
    } else if (f.kind === FRAME_TRUNCATE) {
      if (f.value < baseIndex - 1 || f.value > baseIndex + scan.liveCount - 1) {
        throw new WalCorruptionError(name, f.at, `truncate to ${f.value} outside the segment`);
      }
      scan.liveCount = f.value - baseIndex + 1;
    } else {
      checkIndexFrame(scan, f, k === frames.length - 1, buf, name);
      scan.indexOffset = f.at;
    }
  }
}

function checkIndexFrame(scan: TailScan, f: PendingFrame, isLast: boolean, buf: Buffer, name: string): void {
  if (!isLast || f.value !== scan.liveCount || scan.liveCount === 0) {
    throw new WalCorruptionError(name, f.at, `index frame of ${f.value} entries does not seal ${scan.liveCount} entries`);
  }
  for (let i = 0; i < f.value; i++) {
    if (buf.readUInt32LE(f.at + INDEX_HEADER_SIZE + i * 4) !== scan.offsets.get(i)) {
      throw new WalCorruptionError(name, f.at, `index frame slot ${i} disagrees with the frames`);
    }
  }
}

/**
 * A torn batch can only be the last one written: a batch is written only after the previous
 * one's fdatasync returned. So any valid commit beyond the stop point means data that had been
 * synced no longer reads back. Candidate commit frames are 8-aligned, name this segment and
 * point back to their batch start; each is verified by re-reading that batch.
 */
function refuseLaterCommit(buf: Buffer, committedEnd: number, stopAt: number, id: number, name: string): void {
  const idLow = id % 0x1_0000_0000;
  for (let p = committedEnd; p + COMMIT_FRAME_SIZE <= buf.length; p += 8) {
    if (buf[p] !== FRAME_COMMIT || buf.readUInt32LE(p + 12) !== idLow) continue;
    const batchStart = buf.readUInt32LE(p + 8);
    if (batchStart < committedEnd || batchStart >= p || batchStart % 8 !== 0) continue;
    const later = readBatch(buf, batchStart, id);
    if (later.ok && later.end === p + COMMIT_FRAME_SIZE) {
      throw new WalCorruptionError(name, committedEnd, `the batch here is unreadable (scan stopped at ${stopAt}) but a batch committed at offset ${p} follows it`);
    }
  }
}
