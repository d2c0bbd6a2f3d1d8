// openWal: load the meta file, remove files it does not name, open every named segment
// (sealed ones: header only; the tail: scanned), and check that what was recovered agrees
// with the meta file. See README.md "Recovery".
import { Buffer } from 'node:buffer';
import { WalCorruptionError, WalInvalidArgumentError } from './errors.ts';
import { assertLittleEndianHost } from './format/bytes.ts';
import { META_FILE, META_TEMP_FILE, type MetaSegment, type MetaState } from './format/meta-format.ts';
import { INDEX_HEADER_SIZE, SEGMENT_HEADER_SIZE, checkSegmentHeader, parseSegmentFileName, segmentFileName } from './format/segment-format.ts';
import { readFully } from './io.ts';
import { readMeta, writeMeta } from './meta-store.ts';
import { NodeVfs } from './node-vfs.ts';
import { SealedSegment } from './segment/sealed-segment.ts';
import { TailSegment } from './segment/tail-segment.ts';
import { scanTail } from './segment/tail-scan.ts';
import { SegmentLog, type Segment } from './segment-log.ts';
import type { Wal, WalOptions } from './types.ts';
import type { Vfs, VfsFile } from './vfs.ts';
import { MAX_APPEND_BYTES, WalImpl } from './wal.ts';

export const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_ENTRY_SIZE = 64 * 1024 * 1024;
/** Tiny segments are for tests; the top keeps segment + one append + index below 4 GiB. */
const MIN_SEGMENT_SIZE = 128;
const MAX_SEGMENT_SIZE = 1024 * 1024 * 1024;

interface Resolved {
  vfs: Vfs;
  segmentSize: number;
  maxEntrySize: number;
  preallocate: boolean;
}

export async function openWal(dir: string, options: WalOptions = {}): Promise<Wal> {
  assertLittleEndianHost();
  const opts = resolveOptions(options);
  const { vfs } = opts;
  await vfs.mkdirp(dir);
  const names = new Set(await vfs.list(dir));
  // A meta temp file is what an interrupted meta write left: removed before loadMeta, which may
  // write a fresh meta through the same temp name (a later removal would hit that one).
  if (names.has(META_TEMP_FILE)) await vfs.remove(dir, META_TEMP_FILE);
  const meta = await loadMeta(vfs, dir, names);
  checkMeta(meta);
  await removeUnnamedSegments(vfs, dir, names, meta);
  const segments = await openSegments(vfs, dir, names, meta.segments);
  const log = new SegmentLog(
    { vfs, dir, segmentSize: opts.segmentSize, preallocate: opts.preallocate },
    { segments, first: meta.firstIndex, nextSegmentId: meta.nextSegmentId, stable: new Map(meta.stable) },
  );
  try {
    checkRecoveredBounds(log, meta.firstIndex);
  } catch (err) {
    await log.close();
    throw err;
  }
  return new WalImpl(log, opts.maxEntrySize);
}

function resolveOptions(o: WalOptions): Resolved {
  const segmentSize = o.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  const maxEntrySize = o.maxEntrySize ?? DEFAULT_MAX_ENTRY_SIZE;
  if (!Number.isSafeInteger(segmentSize) || segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new WalInvalidArgumentError(`segmentSize must be an integer in [${MIN_SEGMENT_SIZE}, ${MAX_SEGMENT_SIZE}]`);
  }
  if (!Number.isSafeInteger(maxEntrySize) || maxEntrySize < 0 || maxEntrySize > MAX_APPEND_BYTES) {
    throw new WalInvalidArgumentError(`maxEntrySize must be an integer in [0, ${MAX_APPEND_BYTES}]`);
  }
  return { vfs: o.vfs ?? new NodeVfs(), segmentSize, maxEntrySize, preallocate: o.preallocate ?? true };
}

async function loadMeta(vfs: Vfs, dir: string, names: ReadonlySet<string>): Promise<MetaState> {
  if (names.has(META_FILE)) return readMeta(vfs, dir);
  if ([...names].some((n) => parseSegmentFileName(n))) {
    throw new WalCorruptionError(META_FILE, 0, 'meta file is missing but segment files exist');
  }
  const fresh: MetaState = { nextSegmentId: 1, firstIndex: 0, segments: [], stable: new Map() };
  await writeMeta(vfs, dir, fresh);
  return fresh;
}

/** The meta file is the source of truth; an inconsistent one is refused before any file is touched. */
function checkMeta(meta: MetaState): void {
  const bad = (why: string): WalCorruptionError => new WalCorruptionError(META_FILE, 0, why);
  const segs = meta.segments;
  const ids = new Set<number>();
  segs.forEach((s, i) => {
    const sealed = s.indexOffset > 0;
    if (s.baseIndex < 1 || s.id < 1 || s.id >= meta.nextSegmentId || ids.has(s.id)) throw bad(`segment ${i} has base ${s.baseIndex} / id ${s.id}`);
    ids.add(s.id);
    if (!sealed && i !== segs.length - 1) throw bad(`unsealed segment ${i} is not the last`);
    if (sealed && (s.lastIndex < s.baseIndex || s.indexOffset < SEGMENT_HEADER_SIZE)) throw bad(`sealed segment ${i} has last ${s.lastIndex} / index offset ${s.indexOffset}`);
    const prev = segs[i - 1];
    if (prev && s.baseIndex !== prev.lastIndex + 1) throw bad(`segment ${i} starts at ${s.baseIndex}, previous ends at ${prev.lastIndex}`);
  });
  const head = segs[0];
  if (!head) {
    if (meta.firstIndex !== 0) throw bad(`first index ${meta.firstIndex} with no segments`);
  } else if (meta.firstIndex < head.baseIndex || (head.indexOffset > 0 && meta.firstIndex > head.lastIndex)) {
    throw bad(`first index ${meta.firstIndex} outside the first segment`);
  }
}

/** Leftovers of interrupted operations: segments the meta file does not name. */
async function removeUnnamedSegments(vfs: Vfs, dir: string, names: ReadonlySet<string>, meta: MetaState): Promise<void> {
  const named = new Set(meta.segments.map((s) => segmentFileName(s.baseIndex, s.id)));
  for (const n of names) {
    if (parseSegmentFileName(n) && !named.has(n)) await vfs.remove(dir, n);
  }
}

async function openSegments(vfs: Vfs, dir: string, names: ReadonlySet<string>, metaSegs: readonly MetaSegment[]): Promise<Segment[]> {
  const opened: VfsFile[] = [];
  const out: Segment[] = [];
  try {
    for (const m of metaSegs) {
      const name = segmentFileName(m.baseIndex, m.id);
      if (!names.has(name)) throw new WalCorruptionError(name, 0, 'segment named by the meta file is missing');
      const file = await vfs.open(dir, name);
      opened.push(file);
      out.push(m.indexOffset > 0 ? await openSealed(file, name, m) : await recoverTail(file, name, m));
    }
  } catch (err) {
    for (const f of opened) await f.close();
    throw err;
  }
  return out;
}

async function openSealed(file: VfsFile, name: string, m: MetaSegment): Promise<SealedSegment> {
  const size = await file.size();
  if (size < m.indexOffset + INDEX_HEADER_SIZE) {
    throw new WalCorruptionError(name, size, `sealed segment is ${size} bytes, its index frame is at ${m.indexOffset}`);
  }
  const head = Buffer.allocUnsafe(SEGMENT_HEADER_SIZE);
  readFully(file, name, head, 0);
  const bad = checkSegmentHeader(head, 0, m.baseIndex, m.id);
  if (bad) throw new WalCorruptionError(name, 0, bad);
  return new SealedSegment(m.id, m.baseIndex, name, file, m.lastIndex, m.indexOffset);
}

async function recoverTail(file: VfsFile, name: string, m: MetaSegment): Promise<Segment> {
  const buf = Buffer.allocUnsafe(await file.size());
  readFully(file, name, buf, 0);
  const scan = scanTail(buf, name, m.baseIndex, m.id);
  // Torn bytes of an unacknowledged batch are cut off so later scans see only what we wrote.
  const clean = zeroFrom(buf, scan.committedEnd);
  if (!clean) await file.truncate(scan.committedEnd);
  if (scan.indexOffset > 0) {
    const index = scan.offsets.view(scan.liveCount).slice();
    return new SealedSegment(m.id, m.baseIndex, name, file, m.baseIndex + scan.liveCount - 1, scan.indexOffset, index);
  }
  return new TailSegment(m.id, m.baseIndex, name, file, scan.offsets, scan.liveCount, scan.committedEnd, clean ? buf.length : scan.committedEnd);
}

const ZEROS = Buffer.alloc(64 * 1024);

/** True when buf[from..] is all zero (compared a chunk at a time: memcmp, not a JS loop). */
function zeroFrom(buf: Buffer, from: number): boolean {
  for (let at = from; at < buf.length; at += ZEROS.length) {
    const end = Math.min(buf.length, at + ZEROS.length);
    if (buf.compare(ZEROS, 0, end - at, at, end) !== 0) return false;
  }
  return true;
}

/**
 * The meta file's first index was at most the last durable index when it was written, so a
 * shorter recovered log means acknowledged entries are gone. The one legal "empty" shape is a
 * lone tail whose first batch never became durable.
 */
function checkRecoveredBounds(log: SegmentLog, first: number): void {
  const segs = log.segments();
  if (segs.length === 0 || !log.isEmpty()) return;
  const only = segs[0]!;
  if (segs.length === 1 && !only.sealed && only.liveCount === 0 && only.baseIndex === first) return;
  const last = segs.at(-1)!;
  throw new WalCorruptionError(last.name, 0, `meta first index ${first} is past the recovered last index ${log.rawLastIndex()}: acknowledged entries are missing`);
}
