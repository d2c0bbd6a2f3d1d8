// The meta file `wal-meta` (README.md "Meta file"): which segments form the log, the logical
// first index, the segment-id counter, and the stable key/value store. It is only ever
// replaced whole (temp file, fsync, rename, directory fsync), so any checksum mismatch is
// corruption, never a torn write.
import { Buffer } from 'node:buffer';
import { crc32c } from '../crc32c.ts';
import { WalCorruptionError } from '../errors.ts';
import { align8, readU64, writeU64 } from './bytes.ts';

export const META_FILE = 'wal-meta';
export const META_TEMP_FILE = 'wal-meta.tmp';
export const META_MAGIC = 0x4d4c4157; // "WALM" read as little-endian u32
export const META_VERSION = 1;
const META_HEADER_SIZE = 16;
const META_SEGMENT_SIZE = 32;

/** Raft keeps a handful of keys (term, vote); the bounds keep the meta file small. */
export const MAX_STABLE_KEYS = 1024;
export const MAX_STABLE_KEY_BYTES = 256;
export const MAX_STABLE_VALUE_BYTES = 64 * 1024;

export interface MetaSegment {
  baseIndex: number;
  id: number;
  /** Last live index of a sealed segment; 0 for the unsealed tail. */
  lastIndex: number;
  /** Offset of the index frame of a sealed segment; 0 for the unsealed tail. */
  indexOffset: number;
}

export interface MetaState {
  nextSegmentId: number;
  /** Logical first index (entries below it are hidden); 0 when there are no segments. */
  firstIndex: number;
  segments: MetaSegment[];
  stable: ReadonlyMap<string, Uint8Array>;
}

export function encodeMeta(m: MetaState): Buffer {
  const stable = [...m.stable].map(([k, v]) => [Buffer.from(k, 'utf8'), v] as const);
  let size = META_HEADER_SIZE + 24 + m.segments.length * META_SEGMENT_SIZE;
  for (const [k, v] of stable) size += 8 + align8(k.length + v.length);
  const buf = Buffer.alloc(size);
  buf.writeUInt32LE(META_MAGIC, 0);
  buf[4] = META_VERSION;
  let at = META_HEADER_SIZE;
  writeU64(buf, m.nextSegmentId, at);
  writeU64(buf, m.firstIndex, at + 8);
  buf.writeUInt32LE(m.segments.length, at + 16);
  buf.writeUInt32LE(stable.length, at + 20);
  at += 24;
  for (const s of m.segments) {
    writeU64(buf, s.baseIndex, at);
    writeU64(buf, s.id, at + 8);
    writeU64(buf, s.lastIndex, at + 16);
    writeU64(buf, s.indexOffset, at + 24);
    at += META_SEGMENT_SIZE;
  }
  for (const [k, v] of stable) {
    buf.writeUInt32LE(k.length, at);
    buf.writeUInt32LE(v.length, at + 4);
    buf.set(k, at + 8);
    buf.set(v, at + 8 + k.length);
    at += 8 + align8(k.length + v.length);
  }
  buf.writeUInt32LE(size - META_HEADER_SIZE, 8);
  buf.writeUInt32LE(metaChecksum(buf), 12);
  return buf;
}

export function decodeMeta(buf: Buffer): MetaState {
  const bad = (at: number, why: string): WalCorruptionError => new WalCorruptionError(META_FILE, at, why);
  if (buf.length < META_HEADER_SIZE + 24) throw bad(0, `meta file too short (${buf.length} bytes)`);
  if (buf.readUInt32LE(0) !== META_MAGIC) throw bad(0, 'bad meta magic');
  if (buf[4] !== META_VERSION) throw bad(4, `unsupported meta version ${buf[4]}`);
  const bodyLength = buf.readUInt32LE(8);
  if (META_HEADER_SIZE + bodyLength !== buf.length) throw bad(8, `meta body length ${bodyLength} does not match file`);
  if (buf.readUInt32LE(12) !== metaChecksum(buf)) throw bad(12, 'meta checksum mismatch');
  let at = META_HEADER_SIZE;
  const nextSegmentId = readU64(buf, at);
  const firstIndex = readU64(buf, at + 8);
  const segmentCount = buf.readUInt32LE(at + 16);
  const stableCount = buf.readUInt32LE(at + 20);
  at += 24;
  if (at + segmentCount * META_SEGMENT_SIZE > buf.length) throw bad(at, `segment count ${segmentCount} overruns the file`);
  const segments: MetaSegment[] = [];
  for (let i = 0; i < segmentCount; i++, at += META_SEGMENT_SIZE) {
    segments.push({ baseIndex: readU64(buf, at), id: readU64(buf, at + 8), lastIndex: readU64(buf, at + 16), indexOffset: readU64(buf, at + 24) });
  }
  const stable = new Map<string, Uint8Array>();
  for (let i = 0; i < stableCount; i++) {
    if (at + 8 > buf.length) throw bad(at, 'stable entry overruns the file');
    const kl = buf.readUInt32LE(at);
    const vl = buf.readUInt32LE(at + 4);
    if (at + 8 + kl + vl > buf.length) throw bad(at, 'stable entry overruns the file');
    stable.set(buf.toString('utf8', at + 8, at + 8 + kl), Uint8Array.prototype.slice.call(buf, at + 8 + kl, at + 8 + kl + vl));
    at += 8 + align8(kl + vl);
  }
  return { nextSegmentId, firstIndex, segments, stable };
}

/** CRC-32C of header bytes [0, 12) and the whole body: every byte but the checksum itself. */
function metaChecksum(buf: Buffer): number {
  return crc32c(buf, META_HEADER_SIZE, buf.length, crc32c(buf, 0, 12));
}
