// InstallSnapshot streaming over the transport's RPC channel. The leader's core asks for a
// snapshot to be sent with one empty `snapshot` message; the sender streams the stored
// snapshot as `snapshot` messages of at most SNAPSHOT_CHUNK_BYTES, one request per chunk on
// the bulk lane, each acknowledged before the next (flow control for free, and a failed chunk
// ends the stream). The receiver writes the chunks into its snapshot store, commits the file
// when the last one arrives, and steps every chunk (bytes dropped) into its core, which acts
// on the last one.
import { encodeBatchBytes, decodeBatch } from './codec.ts';
import { snapshotName, type SnapshotSink, type SnapshotStore, SNAPSHOT_CHUNK_BYTES } from './snapshot-store.ts';
import { RpcChannel, type PeerRef, type Transport } from './transport.ts';
import type { Logger } from './logger.ts';
import type { SnapshotChunk } from '../raft/types.ts';

/**
 * A chunk may take this long to be written and acknowledged before the stream fails: a chunk
 * lost with a connection that hangs (a partition) is noticed this late at worst. The host also
 * restarts a stream at once when the core asks again and the chunk has been out longer than
 * the core's snapshot send timeout.
 */
export const SNAPSHOT_CHUNK_TIMEOUT_MS = 10_000;
/** The last chunk also commits (fsyncs) the whole snapshot file on the receiver. */
export const SNAPSHOT_COMMIT_TIMEOUT_MS = 30_000;
const EMPTY = new Uint8Array(0);

export interface SendSnapshotInput {
  readonly transport: Transport;
  readonly snapshots: SnapshotStore;
  readonly logger: Logger;
  readonly to: PeerRef;
  /** The core's request: the header every chunk repeats. */
  readonly request: SnapshotChunk;
  /** False once the stream should stop (the host is stopping or lost leadership). */
  readonly stillWanted: () => boolean;
  /** Abandons the stream at once, even with a chunk in flight (a newer stream replaces it). */
  readonly signal?: AbortSignal;
  /** Called as each chunk is sent. */
  readonly onChunk?: () => void;
  readonly chunkBytes?: number;
}

/** Streams a stored snapshot to a follower; resolves with how it ended (never rejects). */
export async function sendSnapshot(input: SendSnapshotInput): Promise<'finished' | 'failed'> {
  const { request, to, logger } = input;
  const header = { type: 'snapshot' as const, from: request.from, to: request.to, term: request.term, meta: request.meta };
  const abandoned = new Promise<never>((_, reject) => {
    input.signal?.addEventListener('abort', () => reject(new Error('abandoned for a newer stream')), { once: true });
  });
  abandoned.catch(() => {}); // observed through the race below; never unhandled
  const send = async (data: Uint8Array, offset: number, done: boolean): Promise<void> => {
    if (input.signal?.aborted === true) throw new Error('abandoned for a newer stream');
    const payload = encodeBatchBytes([{ ...header, offset, data, done }]);
    const timeoutMs = done ? SNAPSHOT_COMMIT_TIMEOUT_MS : SNAPSHOT_CHUNK_TIMEOUT_MS;
    input.onChunk?.();
    await Promise.race([input.transport.request(to.address, payload, { channel: RpcChannel.Snapshot, lane: 'bulk', timeoutMs }), abandoned]);
  };
  let reader;
  try {
    reader = await input.snapshots.open(snapshotName(request.meta.index, request.meta.term));
  } catch (err) {
    logger.error({ peer: to.id, snapshot: request.meta.index, err: String(err) }, 'raft: cannot open the snapshot to send');
    return 'failed';
  }
  try {
    let offset = 0;
    let previous: Uint8Array | undefined;
    // Bounded by the snapshot size / chunk size; one chunk is held ahead to mark the last one.
    for await (const chunk of reader.chunks(input.chunkBytes ?? SNAPSHOT_CHUNK_BYTES)) {
      if (!input.stillWanted()) return 'failed';
      if (previous !== undefined) {
        await send(previous, offset, false);
        offset += previous.byteLength;
      }
      previous = chunk;
    }
    await send(previous ?? EMPTY, offset, true);
    logger.info({ peer: to.id, snapshot: request.meta.index, bytes: reader.snapshot.meta.size }, 'raft: sent snapshot');
    return 'finished';
  } catch (err) {
    logger.warn({ peer: to.id, snapshot: request.meta.index, err: String(err) }, 'raft: snapshot stream failed');
    return 'failed';
  } finally {
    await reader.close();
  }
}

export interface SnapshotReceiverInput {
  readonly selfId: string;
  readonly snapshots: SnapshotStore;
  /** Steps a chunk (its bytes already stored and dropped) into the core. */
  readonly step: (chunk: SnapshotChunk) => void;
  /** The store failed to write: the node must stop (never retry-and-continue on disk errors). */
  readonly fatal: (err: unknown) => void;
}

interface Staging {
  readonly key: string;
  readonly sink: SnapshotSink;
  offset: number;
}

/** The follower side: one snapshot staged at a time; chunks handled strictly one by one. */
export class SnapshotReceiver {
  private staging: Staging | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly input: SnapshotReceiverInput) {}

  /** The RPC handler for RpcChannel.Snapshot. */
  handle(payload: Uint8Array): Promise<Uint8Array> {
    const run = this.queue.then(() => this.receive(payload));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Abandons a partially received snapshot (the host is stopping). */
  async abort(): Promise<void> {
    const s = this.staging;
    this.staging = undefined;
    await s?.sink.cancel();
  }

  private async receive(payload: Uint8Array): Promise<Uint8Array> {
    const messages = decodeBatch(payload);
    const m = messages[0];
    if (messages.length !== 1 || m === undefined || m.type !== 'snapshot' || m.to !== this.input.selfId) {
      throw new Error('expected one snapshot chunk addressed to this server');
    }
    const key = `${m.from}/${m.term}/${m.meta.index}/${m.meta.term}`;
    if (m.offset === 0) {
      await this.abort();
      this.staging = { key, sink: await this.store(() => this.input.snapshots.create(m.meta)), offset: 0 };
    }
    const staging = this.staging;
    if (staging === undefined || staging.key !== key || staging.offset !== m.offset) {
      throw new Error(`snapshot chunk at offset ${m.offset} does not continue the staged snapshot`);
    }
    await this.store(() => staging.sink.write(m.data));
    staging.offset += m.data.byteLength;
    if (m.done) {
      this.staging = undefined;
      await this.store(() => staging.sink.commit());
    }
    this.input.step({ ...m, data: EMPTY });
    return EMPTY;
  }

  private async store<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      this.input.fatal(err);
      throw err;
    }
  }
}
