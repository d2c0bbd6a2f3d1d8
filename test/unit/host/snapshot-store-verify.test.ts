// Verifying a large snapshot (SnapshotStore.open hashes all of its data) must not hold the event
// loop: the data is read and hashed one chunk at a time with a turn of the loop in between, so
// Raft heartbeats keep flowing while a follower or a restarting server checks a big state.
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeVfs, type Vfs } from 'raft-wal-ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../consensus/host/logger.ts';
import { SNAPSHOT_CHUNK_BYTES, SnapshotStore } from '../../../consensus/host/snapshot-store.ts';
import type { Index, NodeId, SnapshotMeta, Term } from '../../../consensus/raft/types.ts';

const CHUNKS = 24;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-snap-verify-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const meta: SnapshotMeta = {
  index: 100 as Index,
  term: 2 as Term,
  configurationIndex: 1 as Index,
  configuration: { servers: [{ id: 'n1' as NodeId, address: '127.0.0.1:8300', suffrage: 1 }] },
};

async function bigSnapshot(store: SnapshotStore): Promise<string> {
  const sink = await store.create(meta);
  const chunk = new Uint8Array(SNAPSHOT_CHUNK_BYTES).fill(7);
  for (let i = 0; i < CHUNKS; i++) await sink.write(chunk);
  return (await sink.commit()).id;
}

/** Counts event-loop turns (setImmediate callbacks) until stopped; `at(n)` runs on turn n. */
function countTurns(at?: { turn: number; run: () => void }): { stop: () => number } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    if (turns === at?.turn) at.run();
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return turns;
    },
  };
}

describe('SnapshotStore verification', () => {
  it('gives the event loop a turn between the chunks it hashes', async () => {
    const store = await SnapshotStore.open(new NodeVfs(), dir, { logger: silentLogger });
    const id = await bigSnapshot(store);
    const turns = countTurns();
    const reader = await store.open(id);
    expect(turns.stop()).toBeGreaterThanOrEqual(CHUNKS - 1);
    expect(reader.snapshot.meta.size).toBe(CHUNKS * SNAPSHOT_CHUNK_BYTES);
    await reader.close();
  });

  it('rejects a snapshot file that shrinks while it is being verified', async () => {
    const vfs = new NodeVfs();
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    const id = await bigSnapshot(store);
    // The real file is cut right after the first data chunk has been read: the verification is
    // under way, and the next chunk must notice (deterministic, whatever the machine's load).
    const shrinking: Vfs = {
      mkdirp: (d) => vfs.mkdirp(d),
      list: (d) => vfs.list(d),
      create: (d, n) => vfs.create(d, n),
      remove: (d, n) => vfs.remove(d, n),
      rename: (d, a, b) => vfs.rename(d, a, b),
      syncDir: (d) => vfs.syncDir(d),
      open: async (d, n) => {
        const file = await vfs.open(d, n);
        return {
          size: () => file.size(),
          write: (buf, at) => file.write(buf, at),
          sync: () => file.sync(),
          truncate: (size) => file.truncate(size),
          close: () => file.close(),
          readSync: (buf, at) => {
            const read = file.readSync(buf, at);
            if (at === 0 && buf.byteLength === SNAPSHOT_CHUNK_BYTES) truncateSync(join(dir, id), SNAPSHOT_CHUNK_BYTES);
            return read;
          },
        };
      },
    };
    const verifying = await SnapshotStore.open(shrinking, dir, { logger: silentLogger });
    await expect(verifying.open(id)).rejects.toThrow(/shrank/);
  });
});
