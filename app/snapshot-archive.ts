// Consul's snapshot archive (consul-api.md §9): a gzip'd tar of exactly three files, mode 0600,
// in this order — meta.json (hashicorp/raft's SnapshotMeta as JSON), state.bin (the state
// snapshot stream) and SHA256SUMS ("<sha256 hex>  <name>" per line for the other two). Writing
// streams state.bin from a file whose size is known (tar headers carry sizes); reading streams
// state.bin into a file while hashing it, then verifies the sums. Errors carry Consul's texts
// (snapshot/archive.go, snapshot/snapshot.go), so a damaged archive is refused the same way.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';

export const META_FILE = 'meta.json';
export const STATE_FILE = 'state.bin';
export const SUMS_FILE = 'SHA256SUMS';
/** meta.json and SHA256SUMS are a configuration and two lines; a bigger one is not an archive. */
const MAX_SMALL_FILE_BYTES = 1024 * 1024;
const FILE_MODE = 0o600;

/** hashicorp/raft's configuration suffrage numbers as they appear in meta.json. */
export const Suffrage = { Voter: 0, Nonvoter: 1 } as const;

/** hashicorp/raft's SnapshotMeta, as Consul writes it into meta.json. */
export interface ArchiveMeta {
  readonly Version: number;
  readonly ID: string;
  readonly Index: number;
  readonly Term: number;
  readonly Peers: string;
  readonly Configuration: { readonly Servers: readonly { readonly Suffrage: number; readonly ID: string; readonly Address: string }[] };
  readonly ConfigurationIndex: number;
  readonly Size: number;
}

/** An archive that is damaged, truncated or not a snapshot; the message is Consul's. */
export class SnapshotArchiveError extends Error {
  override readonly name = 'SnapshotArchiveError';
}

/** The archive as a gzip stream: meta.json, then state.bin read from `statePath`, then the sums. */
export function writeArchive(meta: ArchiveMeta, statePath: string): Readable {
  const pack = tar.pack();
  const mtime = new Date();
  const gzip = createGzip();
  const sums = new Map<string, Hash>();
  const metaBytes = Buffer.from(`${JSON.stringify(meta)}\n`);
  sums.set(META_FILE, createHash('sha256').update(metaBytes));
  void (async () => {
    pack.entry({ name: META_FILE, mode: FILE_MODE, size: metaBytes.length, mtime }, metaBytes);
    const stateHash = createHash('sha256');
    sums.set(STATE_FILE, stateHash);
    const entry = pack.entry({ name: STATE_FILE, mode: FILE_MODE, size: meta.Size, mtime });
    for await (const chunk of createReadStream(statePath)) {
      stateHash.update(chunk as Buffer);
      if (!entry.write(chunk)) await once(entry, 'drain');
    }
    const finished = once(entry, 'finish');
    entry.end(undefined);
    await finished;
    const list = [...sums].map(([name, h]) => `${h.digest('hex')}  ${name}\n`).join('');
    pack.entry({ name: SUMS_FILE, mode: FILE_MODE, size: Buffer.byteLength(list), mtime }, list);
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  pack.on('error', (err) => gzip.destroy(err));
  return pack.pipe(gzip);
}

/** Where reading failed, to word the error as Consul's layers do. */
class GzipFailure extends Error {}

/**
 * Reads an archive from `input`, writing state.bin to `statePath`, and verifies it: exactly the
 * known files, every sum listed and matching. Rejects with SnapshotArchiveError.
 */
export async function readArchive(input: AsyncIterable<Uint8Array>, statePath: string): Promise<ArchiveMeta> {
  const gunzip = createGunzip();
  const extract = tar.extract();
  const source = Readable.from(input);
  source.on('error', (err) => gunzip.destroy(err));
  gunzip.on('error', (err) => extract.destroy(new GzipFailure(gzipText(err))));
  source.pipe(gunzip).pipe(extract);
  const hashes = new Map<string, Hash>([
    [META_FILE, createHash('sha256')],
    [STATE_FILE, createHash('sha256')],
  ]);
  let metaText: string | undefined;
  let sumsText = '';
  let sawState = false;
  try {
    for await (const member of extract) {
      const name = member.header.name;
      const entry = member as unknown as AsyncIterable<Buffer>;
      const hash = hashes.get(name);
      if (name === META_FILE) metaText = (await readSmall(entry, hash!)).toString('utf8');
      else if (name === STATE_FILE) await copyTo(entry, statePath, hash!).then(() => (sawState = true));
      else if (name === SUMS_FILE) sumsText = (await readSmall(entry)).toString('utf8');
      else throw new SnapshotArchiveError(`failed to read snapshot file: unexpected file "${name}" in snapshot`);
    }
  } catch (err) {
    source.destroy();
    throw asArchiveError(err);
  }
  const meta = decodeMeta(metaText);
  const problem = verifySums(sumsText, hashes);
  if (problem !== null) throw new SnapshotArchiveError(`failed to read snapshot file: failed checking integrity of snapshot: ${problem}`);
  if (!sawState) throw new SnapshotArchiveError(`failed to read snapshot file: failed checking integrity of snapshot: file missing for "${STATE_FILE}"`);
  return meta;
}

async function readSmall(entry: AsyncIterable<Buffer>, hash?: Hash): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    size += chunk.length;
    if (size > MAX_SMALL_FILE_BYTES) throw new SnapshotArchiveError('failed to read snapshot file: failed reading snapshot: archive member too large');
    hash?.update(chunk);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

async function copyTo(entry: AsyncIterable<Buffer>, path: string, hash: Hash): Promise<void> {
  const out: WriteStream = createWriteStream(path, { mode: FILE_MODE });
  try {
    for await (const chunk of entry) {
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
}

function decodeMeta(text: string | undefined): ArchiveMeta {
  if (text === undefined) throw new SnapshotArchiveError(`failed to read snapshot file: failed checking integrity of snapshot: file missing for "${META_FILE}"`);
  let meta: Partial<ArchiveMeta>;
  try {
    meta = JSON.parse(text) as Partial<ArchiveMeta>;
  } catch (err) {
    throw new SnapshotArchiveError(`failed to read snapshot file: failed to decode snapshot metadata: ${(err as Error).message}`);
  }
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (typeof meta !== 'object' || meta === null || !isCount(meta.Index) || !isCount(meta.Term) || !isCount(meta.Size)) {
    throw new SnapshotArchiveError('failed to read snapshot file: failed to decode snapshot metadata: missing Index, Term or Size');
  }
  return meta as ArchiveMeta;
}

/** Consul's hashList.DecodeAndVerify: null when every listed sum matches and nothing is missing. */
export function verifySums(text: string, hashes: ReadonlyMap<string, Hash>): string | null {
  const digests = new Map([...hashes].map(([name, h]) => [name, h.copy().digest('hex')]));
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-fA-F]+) {2}(\S+)$/.exec(line);
    if (m === null) return 'input does not match format';
    const [, sum, file] = m as unknown as [string, string, string];
    const digest = digests.get(file);
    if (digest === undefined) return `list missing hash for "${file}"`;
    if (sum.toLowerCase() !== digest) return `hash check failed for "${file}"`;
    seen.add(file);
  }
  for (const file of digests.keys()) if (!seen.has(file)) return `file missing for "${file}"`;
  return null;
}

/** Go's texts for the gzip/flate failures zlib reports. */
function gzipText(err: Error): string {
  const m = err.message;
  if (/header/i.test(m)) return 'gzip: invalid header';
  if (/unexpected end/i.test(m)) return 'unexpected EOF';
  if (/data check|checksum/i.test(m)) return 'gzip: invalid checksum';
  return 'flate: corrupt input';
}

function asArchiveError(err: unknown): SnapshotArchiveError {
  if (err instanceof SnapshotArchiveError) return err;
  if (err instanceof GzipFailure) {
    return new SnapshotArchiveError(
      err.message === 'gzip: invalid header' ? `failed to decompress snapshot: ${err.message}` : `failed to read snapshot file: failed reading snapshot: ${err.message}`,
    );
  }
  const text = err instanceof Error ? err.message : String(err);
  // tar-stream's "Unexpected end of data" is Go's io.ErrUnexpectedEOF from archive/tar.
  const go = /unexpected end|premature close/i.test(text) ? 'unexpected EOF' : text;
  return new SnapshotArchiveError(`failed to read snapshot file: failed reading snapshot: ${go}`);
}
