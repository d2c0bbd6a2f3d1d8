// Segment file format, version 1 (README.md "Segment files" documents every byte).
//
//   header(32) | batch | batch | ...        a batch = frames... + one commit frame
//
// Frames start 8-byte aligned; byte 0 is the frame type and 0 is invalid, so zero-filled
// (preallocated or never written) space reads as "nothing here".
import type { Buffer } from 'node:buffer';
import { crc32c } from '../crc32c.ts';
import { align8, readU64, writeU64 } from './bytes.ts';

export const SEGMENT_MAGIC = 0x4c415743; // "CWAL" read as little-endian u32
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_SIZE = 32;

export const FRAME_INVALID = 0;
export const FRAME_ENTRY = 1;
export const FRAME_INDEX = 2;
export const FRAME_COMMIT = 3;
export const FRAME_TRUNCATE = 4;

export const ENTRY_HEADER_SIZE = 32;
export const INDEX_HEADER_SIZE = 16;
export const COMMIT_FRAME_SIZE = 16;
export const TRUNCATE_FRAME_SIZE = 16;

/** Offsets are u32 (index frame, commit batchStart): a segment must stay below 4 GiB. */
export const MAX_SEGMENT_FILE_BYTES = 0xffff_ffff;

export function entryFrameSize(dataLength: number): number {
  return ENTRY_HEADER_SIZE + align8(dataLength);
}

export function indexFrameSize(count: number): number {
  return INDEX_HEADER_SIZE + align8(count * 4);
}

// ---- file names: <baseIndex, 20 decimal digits>-<segment id, 16 hex digits>.wal ----

const NAME_RE = /^(\d{20})-([0-9a-f]{16})\.wal$/;

export function segmentFileName(baseIndex: number, id: number): string {
  return `${String(baseIndex).padStart(20, '0')}-${id.toString(16).padStart(16, '0')}.wal`;
}

export function parseSegmentFileName(name: string): { baseIndex: number; id: number } | undefined {
  const m = NAME_RE.exec(name);
  if (!m) return undefined;
  const baseIndex = Number(m[1]);
  const id = Number.parseInt(m[2]!, 16);
  if (!Number.isSafeInteger(baseIndex) || !Number.isSafeInteger(id)) return undefined;
  return { baseIndex, id };
}

// ---- segment header ----

export function encodeSegmentHeader(buf: Buffer, at: number, baseIndex: number, id: number): void {
  buf.fill(0, at, at + SEGMENT_HEADER_SIZE);
  buf.writeUInt32LE(SEGMENT_MAGIC, at);
  buf[at + 4] = SEGMENT_VERSION;
  writeU64(buf, baseIndex, at + 8);
  writeU64(buf, id, at + 16);
  buf.writeUInt32LE(crc32c(buf, at, at + 24), at + 24);
}

/** Returns undefined when the header is valid for (baseIndex, id), else what is wrong with it. */
export function checkSegmentHeader(buf: Buffer, at: number, baseIndex: number, id: number): string | undefined {
  if (buf.length < at + SEGMENT_HEADER_SIZE) return 'short segment header';
  if (buf.readUInt32LE(at) !== SEGMENT_MAGIC) return 'bad segment magic';
  if (buf[at + 4] !== SEGMENT_VERSION) return `unsupported segment version ${buf[at + 4]}`;
  if (buf[at + 5] !== 0 || buf.readUInt16LE(at + 6) !== 0 || buf.readUInt32LE(at + 28) !== 0) return 'segment header reserved bytes are not zero';
  if (buf.readUInt32LE(at + 24) !== crc32c(buf, at, at + 24)) return 'segment header checksum mismatch';
  const gotBase = readU64(buf, at + 8);
  if (gotBase !== baseIndex) return `segment header base index ${gotBase} does not match meta ${baseIndex}`;
  const gotId = readU64(buf, at + 16);
  if (gotId !== id) return `segment header id ${gotId} does not match meta ${id}`;
  return undefined;
}

// ---- entry frame ----

/**
 * Writes a whole entry frame (header, data, zero padding) at `at`, which must be 8-aligned in
 * `buf`; `words` is a u32 view of the same memory (header fields are 4-aligned, and word
 * stores skip Buffer's per-call checks on this hot path). Returns the frame size.
 */
export function encodeEntryFrame(buf: Buffer, words: Uint32Array, at: number, index: number, term: number, type: number, data: Uint8Array): number {
  const len = data.length;
  const size = entryFrameSize(len);
  const w = (buf.byteOffset + at) >>> 2;
  words[w + (size >>> 2) - 2] = 0; // padding: zero the last 8 bytes, then let the data cover its part
  words[w + (size >>> 2) - 1] = 0;
  buf.set(data, at + ENTRY_HEADER_SIZE);
  words[w] = FRAME_ENTRY | (type << 16);
  words[w + 1] = len;
  words[w + 2] = index % 0x1_0000_0000;
  words[w + 3] = Math.floor(index / 0x1_0000_0000);
  words[w + 4] = term % 0x1_0000_0000;
  words[w + 5] = Math.floor(term / 0x1_0000_0000);
  words[w + 6] = crc32c(buf, at + ENTRY_HEADER_SIZE, at + ENTRY_HEADER_SIZE + len, crc32c(buf, at, at + 24));
  words[w + 7] = 0;
  return size;
}

/** The entry CRC check: CRC-32C of header bytes [0, 24) followed by the data. */
export function entryChecksumOk(buf: Buffer, at: number, dataLength: number): boolean {
  const dataAt = at + ENTRY_HEADER_SIZE;
  return buf.readUInt32LE(at + 24) === crc32c(buf, dataAt, dataAt + dataLength, crc32c(buf, at, at + 24));
}

// ---- index frame (sealed segments) ----

export function encodeIndexFrame(buf: Buffer, at: number, offsets: Uint32Array, count: number): number {
  buf[at] = FRAME_INDEX;
  buf.fill(0, at + 1, at + 4);
  buf.writeUInt32LE(count, at + 4);
  const payloadAt = at + INDEX_HEADER_SIZE;
  const payload = new Uint8Array(offsets.buffer, offsets.byteOffset, count * 4);
  buf.set(payload, payloadAt);
  const size = indexFrameSize(count);
  buf.fill(0, payloadAt + count * 4, at + size);
  buf.writeUInt32LE(crc32c(buf, payloadAt, payloadAt + count * 4, crc32c(buf, at, at + 8)), at + 8);
  buf.writeUInt32LE(0, at + 12);
  return size;
}

export function indexChecksumOk(buf: Buffer, at: number, count: number): boolean {
  const payloadAt = at + INDEX_HEADER_SIZE;
  return buf.readUInt32LE(at + 8) === crc32c(buf, payloadAt, payloadAt + count * 4, crc32c(buf, at, at + 8));
}

// ---- truncate frame: entries after `lastIndex` written earlier in this segment are dropped ----

export function encodeTruncateFrame(buf: Buffer, at: number, lastIndex: number): number {
  buf.fill(0, at, at + TRUNCATE_FRAME_SIZE);
  buf[at] = FRAME_TRUNCATE;
  writeU64(buf, lastIndex, at + 8);
  return TRUNCATE_FRAME_SIZE;
}

// ---- commit frame ----

/**
 * The commit CRC chains the headers of every frame in the batch (and the segment header when
 * the batch starts the file), then bytes [8, 16) of the commit frame itself. Entry and index
 * payloads are covered through the payload CRC inside their header, so every meaningful byte
 * of the batch is checked while each byte is hashed once.
 */
export function encodeCommitFrame(buf: Buffer, at: number, chain: number, batchStart: number, segmentId: number): number {
  buf[at] = FRAME_COMMIT;
  buf.fill(0, at + 1, at + 4);
  buf.writeUInt32LE(batchStart, at + 8);
  buf.writeUInt32LE(segmentId % 0x1_0000_0000, at + 12);
  buf.writeUInt32LE(crc32c(buf, at + 8, at + 16, chain), at + 4);
  return COMMIT_FRAME_SIZE;
}

