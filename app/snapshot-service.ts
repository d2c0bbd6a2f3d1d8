// Snapshot save and restore behind /v1/snapshot (Consul's snapshot endpoint). Everything goes
// through files in <data-dir>/snapshot-tmp, so memory stays flat whatever the state's size:
//   save:    capture the FSM at its applied index → state file → archive file (gzip'd tar) →
//            streamed to the client; on a follower without ?stale, the leader builds the
//            archive and the follower streams it from there in chunks (Operator channel).
//   restore: the upload streams into the archive reader, which writes state.bin to a file and
//            verifies the sums; only then is the state handed to Raft (restamped for the index it
//            is installed at). A follower forwards the upload to the leader in chunks.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Clock, CancelTimer } from '../consensus/host/clock.ts';
import { NotLeaderError } from '../consensus/host/errors.ts';
import type { RaftHost } from '../consensus/host/raft-host.ts';
import type { SnapshotMeta } from '../consensus/raft/index.ts';
import type { Transport } from '../consensus/host/transport.ts';
import { HttpError } from '../routes/lib/errors.ts';
import type { SnapshotDownload } from '../routes/operator/operator-services.ts';
import type { ReadMeta } from '../routes/services.ts';
import { emptyStateSnapshot, readStateHeader, restampSnapshot, StateSnapshotError } from '../storage/snapshot-stream.ts';
import type { Logger } from './logger.ts';
import { callLeader, encodeOperatorFrame, requestAt, type OperatorRequest } from './operator-rpc.ts';
import { readArchive, SnapshotArchiveError, Suffrage, writeArchive, type ArchiveMeta } from './snapshot-archive.ts';

/** Bytes per transfer request between servers (well under the transport's 16 MiB frames). */
export const TRANSFER_CHUNK_BYTES = 1024 * 1024;
/** Transfers a leader serves at once; more are refused until one ends. */
const MAX_TRANSFERS = 4;
/** A transfer nobody touched for this long is abandoned and its file deleted. */
const TRANSFER_IDLE_MS = 120_000;

export interface SnapshotServiceDeps {
  readonly host: RaftHost;
  readonly transport: Transport;
  readonly clock: Clock;
  /** Scratch directory for state and archive files; emptied when the service starts. */
  readonly tmpDir: string;
  readonly logger: Logger;
  readonly readMeta: () => ReadMeta;
  /** Called after a restore committed here (leader loops re-read the replaced state). */
  readonly afterRestore: () => void;
}

interface Transfer {
  readonly path: string;
  readonly kind: 'save' | 'restore';
  size: number;
  cancelIdle: CancelTimer;
}

export class SnapshotService {
  private readonly transfers = new Map<string, Transfer>();

  constructor(private readonly deps: SnapshotServiceDeps) {
    rmSync(deps.tmpDir, { recursive: true, force: true });
    mkdirSync(deps.tmpDir, { recursive: true });
  }

  // ---- the HTTP side ----------------------------------------------------------------------

  /** `token` travels to the leader, which checks it again (Consul's snapshot rule). */
  async save(stale: boolean, token: string): Promise<SnapshotDownload> {
    const { host } = this.deps;
    if (stale || host.isLeader()) return this.download(await this.saveLocal(stale));
    let remote: { address: string; handle: string; index: number; size: number; meta: ReadMeta } | undefined;
    const local = await callLeader(
      this.deps,
      { kind: 'snapshot-open', token },
      () => this.saveLocal(false),
      (value, _body, address) => {
        remote = { ...(value as { handle: string; index: number; size: number; meta: ReadMeta }), address };
        return undefined;
      },
    );
    if (local !== undefined) return this.download(local);
    if (remote === undefined) throw new Error('snapshot-open answered without a handle');
    return { index: remote.index, meta: remote.meta, body: this.remoteBody(remote.address, remote.handle, remote.size) };
  }

  async restore(archive: AsyncIterable<Uint8Array>, token: string): Promise<void> {
    const { host } = this.deps;
    if (host.isLeader()) return this.restoreLocal(archive);
    let address = '';
    const handle = await callLeader(
      this.deps,
      { kind: 'restore-begin', token },
      async () => undefined,
      (value, _body, leader) => {
        address = leader;
        return (value as { handle: string }).handle;
      },
    );
    // This server became the leader while waiting: restore here.
    if (handle === undefined) return this.restoreLocal(archive);
    let offset = 0;
    for await (const chunk of rechunk(archive, TRANSFER_CHUNK_BYTES)) {
      await requestAt(this.deps.transport, address, { kind: 'restore-chunk', handle, offset }, chunk);
      offset += chunk.length;
    }
    await requestAt(this.deps.transport, address, { kind: 'restore-end', handle });
  }

  // ---- the Operator channel (this server serving another) ------------------------------------

  /** Answers a snapshot request from another server; undefined if `request` is not one. */
  async serve(request: OperatorRequest, body: Uint8Array): Promise<Uint8Array | undefined> {
    switch (request.kind) {
      case 'snapshot-open': {
        if (!this.deps.host.isLeader()) return this.notLeader();
        const saved = await this.saveLocal(false);
        const handle = this.track(saved.path, 'save', saved.size);
        return ok({ handle, index: saved.index, size: saved.size, meta: saved.meta });
      }
      case 'snapshot-read': {
        const t = this.touch(request.handle, 'save');
        return encodeOperatorFrame({ kind: 'ok' }, await readAt(t.path, request.offset, Math.min(TRANSFER_CHUNK_BYTES, t.size - request.offset)));
      }
      case 'snapshot-close':
        this.finish(request.handle);
        return ok();
      case 'restore-begin':
        if (!this.deps.host.isLeader()) return this.notLeader();
        return ok({ handle: this.track(this.tmpPath('upload'), 'restore', 0) });
      case 'restore-chunk': {
        const t = this.touch(request.handle, 'restore');
        if (request.offset !== t.size) throw new HttpError(500, `snapshot upload out of order: offset ${request.offset}, expected ${t.size}`);
        await appendTo(t.path, body);
        t.size += body.length;
        return ok();
      }
      case 'restore-end': {
        const t = this.touch(request.handle, 'restore');
        try {
          await this.restoreLocal(fileChunks(t.path));
        } finally {
          this.finish(request.handle);
        }
        return ok();
      }
      default:
        return undefined;
    }
  }

  // ---- local work -------------------------------------------------------------------------

  /** Captures the state into an archive file. Default mode confirms leadership first, as Consul's consistentRead. */
  private async saveLocal(stale: boolean): Promise<{ path: string; size: number; index: number; meta: ReadMeta }> {
    const { host } = this.deps;
    if (!stale) await host.readBarrier('readIndex');
    const meta = this.deps.readMeta();
    const statePath = this.tmpPath('state');
    const archivePath = this.tmpPath('archive');
    try {
      const captured = await host.captureSnapshot();
      let size: number;
      try {
        size = await writeFsmSnapshot(captured.handle.write.bind(captured.handle), statePath);
      } finally {
        captured.handle.release();
      }
      await pipeline(writeArchive(archiveMeta(captured.meta, size, this.deps.clock.wallNow()), statePath), createWriteStream(archivePath));
      return { path: archivePath, size: (await stat(archivePath)).size, index: captured.meta.index, meta };
    } catch (err) {
      rmSync(archivePath, { force: true });
      throw err;
    } finally {
      rmSync(statePath, { force: true });
    }
  }

  private async restoreLocal(archive: AsyncIterable<Uint8Array>): Promise<void> {
    const statePath = this.tmpPath('state');
    try {
      const meta = await readArchive(archive, statePath).catch((err: unknown) => {
        throw err instanceof SnapshotArchiveError ? new HttpError(500, err.message) : err;
      });
      const header = await readStateHeader(fileChunks(statePath)).catch((err: unknown) => {
        throw err instanceof StateSnapshotError ? new HttpError(500, `failed to read snapshot file: ${err.message}`) : err;
      });
      const snapshot = {
        index: Math.max(meta.Index, header.index),
        open: (at: { index: number; term: number }) => restampSnapshot(fileChunks(statePath), at),
        empty: emptyStateSnapshot,
      };
      try {
        const at = await this.deps.host.restoreUserSnapshot(snapshot);
        this.deps.logger.info({ index: at.index, from: meta.Index }, 'restored a snapshot');
      } catch (err) {
        if (err instanceof NotLeaderError) throw err;
        throw new HttpError(500, `Raft error when restoring snapshot: ${(err as Error).message}`);
      }
      this.deps.afterRestore();
    } finally {
      await rm(statePath, { force: true });
    }
  }

  private download(saved: { path: string; index: number; meta: ReadMeta }): SnapshotDownload {
    return { index: saved.index, meta: saved.meta, body: removeAfter(fileChunks(saved.path), saved.path) };
  }

  private async *remoteBody(address: string, handle: string, size: number): AsyncGenerator<Uint8Array> {
    try {
      for (let offset = 0; offset < size; ) {
        const answer = await requestAt(this.deps.transport, address, { kind: 'snapshot-read', handle, offset });
        if (answer.body.length === 0) throw new HttpError(500, 'snapshot transfer ended early');
        offset += answer.body.length;
        yield answer.body;
      }
    } finally {
      await requestAt(this.deps.transport, address, { kind: 'snapshot-close', handle }).catch(() => undefined);
    }
  }

  private track(path: string, kind: Transfer['kind'], size: number): string {
    if (this.transfers.size >= MAX_TRANSFERS) {
      rmSync(path, { force: true });
      throw new HttpError(500, 'too many snapshot transfers in progress');
    }
    const handle = randomUUID();
    this.transfers.set(handle, { path, kind, size, cancelIdle: this.idleTimer(handle) });
    return handle;
  }

  private touch(handle: string, kind: Transfer['kind']): Transfer {
    const t = this.transfers.get(handle);
    if (t === undefined || t.kind !== kind) throw new HttpError(500, 'unknown or expired snapshot transfer');
    t.cancelIdle();
    t.cancelIdle = this.idleTimer(handle);
    return t;
  }

  private idleTimer(handle: string): CancelTimer {
    return this.deps.clock.setTimer(TRANSFER_IDLE_MS, () => {
      this.deps.logger.warn({ handle }, 'abandoning an idle snapshot transfer');
      this.finish(handle);
    });
  }

  private finish(handle: string): void {
    const t = this.transfers.get(handle);
    if (t === undefined) return;
    this.transfers.delete(handle);
    t.cancelIdle();
    rmSync(t.path, { force: true });
  }

  /** Deletes every transfer's file (shutdown). */
  close(): void {
    for (const handle of [...this.transfers.keys()]) this.finish(handle);
  }

  private tmpPath(kind: string): string {
    return join(this.deps.tmpDir, `${kind}-${randomUUID()}`);
  }

  private notLeader(): Uint8Array {
    return encodeOperatorFrame({ kind: 'not-leader', leaderAddress: this.deps.host.status().leaderAddress ?? '' });
  }
}

const ok = (value?: unknown): Uint8Array => encodeOperatorFrame(value === undefined ? { kind: 'ok' } : { kind: 'ok', value });

/** hashicorp/raft's SnapshotMeta for meta.json; the ID is "<term>-<index>-<ms>" as hashicorp names snapshots. */
function archiveMeta(meta: SnapshotMeta, size: number, nowMs: number): ArchiveMeta {
  const servers = meta.configuration.servers.map((s) => ({ Suffrage: s.suffrage === 1 ? Suffrage.Voter : Suffrage.Nonvoter, ID: s.id, Address: s.address }));
  return {
    Version: 1,
    ID: `${meta.term}-${meta.index}-${nowMs}`,
    Index: meta.index,
    Term: meta.term,
    Peers: Buffer.from(JSON.stringify(servers.map((s) => s.Address))).toString('base64'),
    Configuration: { Servers: servers },
    ConfigurationIndex: meta.configurationIndex,
    Size: size,
  };
}

/** Writes an FSM snapshot handle's stream to `path`; resolves with its size. */
async function writeFsmSnapshot(write: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>, path: string): Promise<number> {
  const file = await open(path, 'w', 0o600);
  let size = 0;
  try {
    await write(async (chunk) => {
      await file.write(chunk);
      size += chunk.length;
    });
  } finally {
    await file.close();
  }
  return size;
}

export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: TRANSFER_CHUNK_BYTES })) yield chunk as Buffer;
}

async function* removeAfter(source: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  try {
    yield* source;
  } finally {
    rmSync(path, { force: true });
  }
}

async function readAt(path: string, offset: number, length: number): Promise<Uint8Array> {
  if (length <= 0) return new Uint8Array(0);
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await file.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

async function appendTo(path: string, bytes: Uint8Array): Promise<void> {
  const file = await open(path, 'a', 0o600);
  try {
    await file.write(bytes);
  } finally {
    await file.close();
  }
}

/** Regroups a byte stream into chunks of at most `size` (bounded memory). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let held = 0;
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(size - held, chunk.length - at);
      parts.push(chunk.subarray(at, at + take));
      held += take;
      at += take;
      if (held === size) {
        yield Buffer.concat(parts);
        parts = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield Buffer.concat(parts);
}
