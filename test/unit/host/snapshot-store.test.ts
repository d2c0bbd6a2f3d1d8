// The snapshot store on a real temp directory: round trips, crash leftovers, corruption.
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeVfs } from 'raft-wal-ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../consensus/host/logger.ts';
import { SnapshotCorruptError, SnapshotStore, snapshotName } from '../../../consensus/host/snapshot-store.ts';
import type { Index, NodeId, SnapshotMeta, Term } from '../../../consensus/raft/types.ts';
import { RecordingLogger } from './support.ts';

const vfs = new NodeVfs();
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-snap-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function meta(index: number, term = 2): SnapshotMeta {
  return {
    index: index as Index,
    term: term as Term,
    configurationIndex: 1 as Index,
    configuration: { servers: [{ id: 'n1' as NodeId, address: '127.0.0.1:8300', suffrage: 1 }] },
  };
}

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, k) => (k * 31 + seed) & 0xff);
}

async function write(store: SnapshotStore, m: SnapshotMeta, data: Uint8Array, chunk = 1000) {
  const sink = await store.create(m);
  for (let at = 0; at < data.byteLength; at += chunk) await sink.write(data.subarray(at, at + chunk));
  return sink.commit();
}

async function readAll(store: SnapshotStore, id: string, chunkBytes?: number): Promise<Uint8Array> {
  const reader = await store.open(id);
  const parts: Uint8Array[] = [];
  for await (const c of reader.chunks(chunkBytes)) parts.push(c);
  await reader.close();
  return Buffer.concat(parts);
}

/** Flips one byte of a file on disk. */
function flip(name: string, at: number): void {
  const path = join(dir, name);
  const b = readFileSync(path);
  b[at]! ^= 0xff;
  writeFileSync(path, b);
}

describe('SnapshotStore', () => {
  it('round-trips data and metadata, and lists newest first', async () => {
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    const a = bytes(10_007, 1);
    const b = bytes(3, 2);
    const first = await write(store, meta(10), a);
    const second = await write(store, meta(20, 3), b);
    expect(first.id).toBe(snapshotName(10 as Index, 2 as Term));
    expect(second.meta).toMatchObject({ ...meta(20, 3), size: 3 });
    expect((await store.list()).map((s) => s.meta.index)).toEqual([20, 10]);
    expect(await readAll(store, first.id, 4096)).toEqual(Buffer.from(a));
    expect(await readAll(store, second.id)).toEqual(Buffer.from(b));
    const newest = await store.openNewest();
    expect(newest?.snapshot.meta).toEqual(second.meta);
    await newest?.close();
  });

  it('stores an empty snapshot', async () => {
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    const s = await write(store, meta(5), new Uint8Array());
    expect(s.meta.size).toBe(0);
    expect(await readAll(store, s.id)).toEqual(Buffer.alloc(0));
  });

  it('ignores and removes a half-written temp file left by a crash', async () => {
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    const done = await write(store, meta(10), bytes(500, 1));
    const sink = await store.create(meta(30));
    await sink.write(bytes(800, 9)); // ... and the process dies before commit()
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(true);
    expect((await store.list()).map((s) => s.id)).toEqual([done.id]);

    const reopened = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    expect(readdirSync(dir)).toEqual([done.id]);
    const newest = await reopened.openNewest();
    expect(newest?.snapshot.id).toBe(done.id);
    await newest?.close();
  });

  it('cancel() removes the temp file', async () => {
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    const sink = await store.create(meta(30));
    await sink.write(bytes(100, 3));
    await sink.cancel();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects a snapshot whose data fails its checksum and falls back to the older one', async () => {
    const logger = new RecordingLogger();
    const store = await SnapshotStore.open(vfs, dir, { logger });
    const older = await write(store, meta(10), bytes(5000, 1));
    const newer = await write(store, meta(20), bytes(5000, 2));
    flip(newer.id, 1234);
    await expect(store.open(newer.id)).rejects.toThrow(SnapshotCorruptError);
    await expect(store.open(newer.id)).rejects.toThrow(/data checksum mismatch/);
    const newest = await store.openNewest();
    expect(newest?.snapshot.id).toBe(older.id);
    await newest?.close();
    expect(logger.records.some((r) => r.level === 'warn' && r.fields['snapshot'] === newer.id)).toBe(true);
  });

  it.each([
    ['metadata', (size: number) => size + 20, /metadata checksum mismatch/],
    ['footer magic', (_size: number, fileSize: number) => fileSize - 56, /bad magic/],
  ])('drops a snapshot with corrupt %s from the listing', async (_what, where, reason) => {
    const logger = new RecordingLogger();
    const store = await SnapshotStore.open(vfs, dir, { logger });
    const s = await write(store, meta(10), bytes(4000, 1));
    flip(s.id, where(s.meta.size, readFileSync(join(dir, s.id)).byteLength));
    expect(await store.list()).toEqual([]);
    await expect(store.open(s.id)).rejects.toThrow(reason);
    expect(await store.openNewest()).toBeUndefined();
  });

  it('rejects a torn (truncated) snapshot file', async () => {
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    const s = await write(store, meta(10), bytes(4000, 1));
    truncateSync(join(dir, s.id), 2000);
    await expect(store.open(s.id)).rejects.toThrow(SnapshotCorruptError);
    expect(await store.list()).toEqual([]);
  });

  it('rejects a file renamed to claim another index', async () => {
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger });
    const s = await write(store, meta(10), bytes(40, 1));
    const forged = snapshotName(99 as Index, 2 as Term);
    writeFileSync(join(dir, forged), readFileSync(join(dir, s.id)));
    await expect(store.open(forged)).rejects.toThrow(/file name disagrees/);
  });

  it('reaps all but the newest N', async () => {
    const store = await SnapshotStore.open(vfs, dir, { logger: silentLogger, retain: 2 });
    for (const i of [10, 20, 30, 40]) await write(store, meta(i), bytes(10, i));
    await store.reap();
    expect((await store.list()).map((s) => s.meta.index)).toEqual([40, 30]);
    expect(readdirSync(dir).sort()).toEqual([snapshotName(30 as Index, 2 as Term), snapshotName(40 as Index, 2 as Term)]);
  });
});
