// Durable FSM snapshots under <data-dir>/raft/snapshots/, one file each, written through
// raft-wal-ts's Vfs seam so the simulation's in-memory disk can back them too.
//
// File name: snap-<index, 20 digits>-<term, 20 digits>.snap (sorts oldest first).
// File layout (all integers big-endian; every section starts 8-byte aligned):
//
//   data         the FSM's snapshot bytes, `size` of them
//   zero pad     to a multiple of 8
//   meta         UTF-8 JSON {v, index, term, configurationIndex, configuration, size, sha256},
//                padded with spaces to a multiple of 8
//   footer       56 bytes: magic "CAIRNSNP" | u32 FORMAT_VERSION | u32 meta length |
//                u64 data size | SHA-256 of the meta bytes
//
// Crash safety: a snapshot is written to a *.tmp file, fsynced, renamed to its final name and
// the directory fsynced; only then does commit() resolve. A *.tmp file is therefore never a
// snapshot: open() deletes leftovers. A final file whose footer, meta hash or data hash does
// not verify is rejected (and the next older one used), never half-trusted.
import { createHash } from 'node:crypto';
import type { Vfs, VfsFile } from 'raft-wal-ts';
import type { Configuration, Index, SnapshotMeta, Term } from '../raft/types.ts';
import type { Logger } from './logger.ts';

export const SNAPSHOT_FORMAT_VERSION = 1;
const MAGIC = new TextEncoder().encode('CAIRNSNP');
const FOOTER_BYTES = 56;
/** Metadata is a configuration and a few numbers; the bound rejects a corrupt length early. */
const MAX_META_BYTES = 1024 * 1024;
/** Bytes read per step when verifying or streaming a snapshot. */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** Snapshots kept by reap(): the newest and one spare in case the newest proves unreadable. */
export const DEFAULT_RETAIN = 2;

const NAME = /^snap-(\d{20})-(\d{20})\.snap$/;
const TMP_SUFFIX = '.tmp';

/** What the store records about a snapshot besides the Raft metadata. */
export interface StoredSnapshotMeta extends SnapshotMeta {
  /** Bytes of FSM data. */
  readonly size: number;
  /** Hex SHA-256 of the data. */
  readonly sha256: string;
}

export interface StoredSnapshot {
  /** The file name; stable for the life of the snapshot. */
  readonly id: string;
  readonly meta: StoredSnapshotMeta;
}

export interface SnapshotSink {
  /** Appends bytes. Chunks must not be written concurrently (await each). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the snapshot durable and visible; resolves with what was stored. */
  commit(): Promise<StoredSnapshot>;
  /** Abandons the snapshot and removes its temp file. Safe after a failed write. */
  cancel(): Promise<void>;
}

export interface SnapshotReader {
  readonly snapshot: StoredSnapshot;
  /** The data in chunks of at most `chunkBytes`; each chunk is a fresh array. */
  chunks(chunkBytes?: number): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

export class SnapshotCorruptError extends Error {
  override readonly name = 'SnapshotCorruptError';
  constructor(
    readonly id: string,
    detail: string,
  ) {
    super(`snapshot ${id} is corrupt: ${detail}`);
  }
}

export class SnapshotStore {
  private tmpSeq = 0;

  private constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    private readonly retain: number,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating) the directory and deletes temp files left by a crash. */
  static async open(vfs: Vfs, dir: string, opts: { retain?: number; logger: Logger }): Promise<SnapshotStore> {
    const retain = opts.retain ?? DEFAULT_RETAIN;
    if (!Number.isSafeInteger(retain) || retain < 1) throw new RangeError('snapshot retain must be a positive integer');
    await vfs.mkdirp(dir);
    const store = new SnapshotStore(vfs, dir, retain, opts.logger);
    for (const name of await vfs.list(dir)) {
      if (name.endsWith(TMP_SUFFIX)) await vfs.remove(dir, name);
    }
    await vfs.syncDir(dir);
    return store;
  }

  /** Starts writing a snapshot described by `meta`. */
  async create(meta: SnapshotMeta): Promise<SnapshotSink> {
    const final = snapshotName(meta.index, meta.term);
    const tmp = `${final}.${++this.tmpSeq}${TMP_SUFFIX}`;
    const file = await this.vfs.create(this.dir, tmp);
    return new FileSink(this.vfs, this.dir, file, tmp, final, meta);
  }

  /** Committed snapshots whose footer and metadata verify, newest first. Data is not read. */
  async list(): Promise<StoredSnapshot[]> {
    const names = (await this.vfs.list(this.dir)).filter((n) => NAME.test(n)).sort().reverse();
    const out: StoredSnapshot[] = [];
    for (const id of names) {
      const file = await this.vfs.open(this.dir, id);
      try {
        out.push({ id, meta: (await readLayout(file, id)).meta });
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        this.logger.warn({ snapshot: id, reason: err.message }, 'snapshot store: ignoring a corrupt snapshot');
      } finally {
        await file.close();
      }
    }
    return out;
  }

  /**
   * Opens a snapshot for reading after verifying all of it (footer, metadata hash and data
   * hash), so a consumer such as fsm.restore never sees bytes that fail their checksum.
   * Rejects with SnapshotCorruptError.
   */
  async open(id: string): Promise<SnapshotReader> {
    const file = await this.vfs.open(this.dir, id);
    try {
      const { meta } = await readLayout(file, id);
      const hash = createHash('sha256');
      for await (const chunk of readData(file, meta.size, SNAPSHOT_CHUNK_BYTES)) hash.update(chunk);
      if (hash.digest('hex') !== meta.sha256) throw new SnapshotCorruptError(id, 'data checksum mismatch');
      return new FileReader(file, { id, meta });
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** The newest snapshot that fully verifies, skipping (and logging) corrupt ones. */
  async openNewest(): Promise<SnapshotReader | undefined> {
    // Bounded by the number of retained snapshots.
    for (const s of await this.list()) {
      try {
        return await this.open(s.id);
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        this.logger.warn({ snapshot: s.id, reason: err.message }, 'snapshot store: newest snapshot is corrupt, trying an older one');
      }
    }
    return undefined;
  }

  /** Deletes one committed snapshot (an abandoned user restore). Missing is not an error. */
  async remove(id: string): Promise<void> {
    if (!NAME.test(id)) throw new Error(`not a snapshot name: ${id}`);
    if (!(await this.vfs.list(this.dir)).includes(id)) return;
    await this.vfs.remove(this.dir, id);
    await this.vfs.syncDir(this.dir);
  }

  /** Deletes all but the newest `retain` committed snapshots. */
  async reap(): Promise<void> {
    const names = (await this.vfs.list(this.dir)).filter((n) => NAME.test(n)).sort().reverse();
    const doomed = names.slice(this.retain);
    for (const name of doomed) await this.vfs.remove(this.dir, name);
    if (doomed.length > 0) await this.vfs.syncDir(this.dir);
  }
}

export function snapshotName(index: Index, term: Term): string {
  return `snap-${String(index).padStart(20, '0')}-${String(term).padStart(20, '0')}.snap`;
}

class FileSink implements SnapshotSink {
  private offset = 0;
  private readonly hash = createHash('sha256');
  private done = false;

  constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    private readonly file: VfsFile,
    private readonly tmp: string,
    private readonly final: string,
    private readonly meta: SnapshotMeta,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new Error('snapshot sink is finished');
    if (chunk.byteLength === 0) return;
    this.hash.update(chunk);
    const at = this.offset;
    this.offset += chunk.byteLength;
    await this.file.write(chunk, at);
  }

  async commit(): Promise<StoredSnapshot> {
    if (this.done) throw new Error('snapshot sink is finished');
    this.done = true;
    const meta: StoredSnapshotMeta = { ...plainMeta(this.meta), size: this.offset, sha256: this.hash.digest('hex') };
    await this.file.write(encodeTrailer(meta), this.offset);
    await this.file.sync();
    await this.file.close();
    await this.vfs.rename(this.dir, this.tmp, this.final);
    await this.vfs.syncDir(this.dir);
    return { id: this.final, meta };
  }

  async cancel(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.file.close().catch(() => {});
    await this.vfs.remove(this.dir, this.tmp).catch(() => {});
  }
}

class FileReader implements SnapshotReader {
  constructor(
    private readonly file: VfsFile,
    readonly snapshot: StoredSnapshot,
  ) {}

  async *chunks(chunkBytes = SNAPSHOT_CHUNK_BYTES): AsyncIterable<Uint8Array> {
    yield* readData(this.file, this.snapshot.meta.size, chunkBytes);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/**
 * The data section in chunks, each one synchronous read (the Vfs reads from the page cache).
 * Before every chunk after the first the reader awaits the Vfs for the file's size (and checks
 * it): on a real disk that is a threadpool round trip, which gives the event loop a turn, so
 * verifying or streaming a large snapshot never holds the loop for more than one chunk; on the
 * simulation's disk it is a resolved promise, which keeps runs deterministic.
 */
async function* readData(file: VfsFile, size: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) throw new RangeError('chunk size must be positive');
  for (let at = 0; at < size; at += chunkBytes) {
    if (at > 0 && (await file.size()) < size) throw new Error(`snapshot file shrank below its ${size} data bytes while being read`);
    const buf = new Uint8Array(Math.min(chunkBytes, size - at));
    const n = file.readSync(buf, at);
    if (n !== buf.byteLength) throw new Error(`snapshot data ends early at ${at + n} of ${size}`);
    yield buf;
  }
}

function plainMeta(m: SnapshotMeta): SnapshotMeta {
  return { index: m.index, term: m.term, configurationIndex: m.configurationIndex, configuration: m.configuration };
}

function pad8(n: number): number {
  return (8 - (n % 8)) % 8;
}

function encodeTrailer(meta: StoredSnapshotMeta): Uint8Array {
  const json = JSON.stringify({ v: SNAPSHOT_FORMAT_VERSION, ...meta });
  const metaBytes = new TextEncoder().encode(json + ' '.repeat(pad8(Buffer.byteLength(json))));
  const lead = pad8(meta.size);
  const out = new Uint8Array(lead + metaBytes.byteLength + FOOTER_BYTES);
  out.set(metaBytes, lead);
  const footerAt = lead + metaBytes.byteLength;
  const view = new DataView(out.buffer, footerAt, FOOTER_BYTES);
  out.set(MAGIC, footerAt);
  view.setUint32(8, SNAPSHOT_FORMAT_VERSION);
  view.setUint32(12, metaBytes.byteLength);
  view.setUint32(16, Math.floor(meta.size / 0x1_0000_0000));
  view.setUint32(20, meta.size >>> 0);
  out.set(createHash('sha256').update(metaBytes).digest(), footerAt + 24);
  return out;
}

/** Reads and checks the footer and metadata; the data is checked by the caller. */
async function readLayout(file: VfsFile, id: string): Promise<{ meta: StoredSnapshotMeta }> {
  const fileSize = await file.size();
  if (fileSize < FOOTER_BYTES) throw new SnapshotCorruptError(id, 'shorter than its footer');
  const footer = readExactly(file, fileSize - FOOTER_BYTES, FOOTER_BYTES, id);
  const view = new DataView(footer.buffer);
  if (!MAGIC.every((b, k) => footer[k] === b)) throw new SnapshotCorruptError(id, 'bad magic');
  const version = view.getUint32(8);
  if (version !== SNAPSHOT_FORMAT_VERSION) throw new SnapshotCorruptError(id, `unknown format version ${version}`);
  const metaLength = view.getUint32(12);
  const size = view.getUint32(16) * 0x1_0000_0000 + view.getUint32(20);
  if (metaLength > MAX_META_BYTES || size + pad8(size) + metaLength + FOOTER_BYTES !== fileSize) {
    throw new SnapshotCorruptError(id, 'section lengths do not add up to the file size');
  }
  const metaBytes = readExactly(file, size + pad8(size), metaLength, id);
  const digest = createHash('sha256').update(metaBytes).digest();
  if (!digest.equals(footer.subarray(24))) throw new SnapshotCorruptError(id, 'metadata checksum mismatch');
  const meta = parseMeta(new TextDecoder().decode(metaBytes), id);
  if (meta.size !== size) throw new SnapshotCorruptError(id, 'metadata size disagrees with the footer');
  const named = NAME.exec(id);
  if (named !== null && (Number(named[1]) !== meta.index || Number(named[2]) !== meta.term)) {
    throw new SnapshotCorruptError(id, 'file name disagrees with the metadata');
  }
  return { meta };
}

function readExactly(file: VfsFile, at: number, n: number, id: string): Uint8Array {
  const buf = new Uint8Array(n);
  if (file.readSync(buf, at) !== n) throw new SnapshotCorruptError(id, `short read at ${at}`);
  return buf;
}

function parseMeta(json: string, id: string): StoredSnapshotMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new SnapshotCorruptError(id, 'metadata is not JSON');
  }
  const m = raw as Partial<Record<keyof StoredSnapshotMeta | 'v', unknown>>;
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const config = m.configuration as Configuration | undefined;
  if (
    m.v !== SNAPSHOT_FORMAT_VERSION ||
    !isCount(m.index) ||
    !isCount(m.term) ||
    !isCount(m.configurationIndex) ||
    !isCount(m.size) ||
    typeof m.sha256 !== 'string' ||
    typeof config !== 'object' ||
    config === null ||
    !Array.isArray(config.servers)
  ) {
    throw new SnapshotCorruptError(id, 'metadata fields are malformed');
  }
  return {
    index: m.index as Index,
    term: m.term as Term,
    configurationIndex: m.configurationIndex as Index,
    configuration: config,
    size: m.size,
    sha256: m.sha256,
  };
}
