// Snapshot and restore: a consistent copy at the applied index, streamed in bounded chunks,
// restored into another store to identical tables; both then evolve identically.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../../storage/commands.ts';
import type { FsmSnapshot } from '../../storage/fsm.ts';
import { SNAPSHOT_CHUNK_BYTES, dumpTables } from '../../storage/snapshot.ts';
import { watchFor } from '../../storage/state-store.ts';
import {
  SESSION_A, checkSpec, harness, kvDelete, kvLock, kvSet, register, selfRegister, serviceSpec, sessionCreate, tempDir,
} from './harness.ts';
import type { Harness } from './harness.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function fileHarness(name: string): Harness {
  const { dir, cleanup } = tempDir();
  const h = harness(join(dir, `${name}.db`));
  cleanups.push(() => {
    h.close();
    cleanup();
  });
  return h;
}

const history: Command[] = [
  selfRegister('server-1'),
  register('web-1', { service: serviceSpec('web', { tags: ['v1'] }), checks: [checkSpec('web-1', 'serfHealth')] }),
  sessionCreate(SESSION_A, 'server-1'),
  kvSet('config/a', 'alpha', '3'),
  kvSet('config/b', ''),
  kvLock('locks/leader', SESSION_A, 'me'),
  kvSet('bin', null),
  kvDelete('config/b'),
];

const more: Command[] = [
  kvSet('config/c', 'gamma'),
  { type: 'session.destroy', id: SESSION_A },
  { type: 'catalog.deregister', node: 'web-1', serviceId: 'web', checkId: null },
  { type: 'kv.reap-tombstones', upTo: 100 },
];

async function collect(snap: FsmSnapshot): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  await snap.write(async (c) => {
    chunks.push(c);
  });
  return chunks;
}

async function* stream(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

describe('snapshot and restore', () => {
  it('restores into a fresh store with identical tables; both then continue identically', async () => {
    const src = fileHarness('src');
    src.applyAll(history);
    const snap = src.fsm.snapshot();
    expect(snap.at).toEqual({ index: history.length, term: 1 });
    const chunks = await collect(snap);
    snap.release();

    const dst = fileHarness('dst');
    await dst.fsm.restore(stream(chunks), snap.at);
    expect(dst.fsm.applied()).toEqual(snap.at);
    expect(dumpTables(dst.db.sqlite)).toEqual(dumpTables(src.db.sqlite));

    expect(dst.applyAll(more)).toEqual(src.applyAll(more));
    expect(dumpTables(dst.db.sqlite)).toEqual(dumpTables(src.db.sqlite));
    expect(dst.feed.at(-1)).toEqual(src.feed.at(-1));
  });

  it('the snapshot is the state at snapshot(), even with applies between capture and write', async () => {
    const src = fileHarness('src');
    src.applyAll(history);
    const expected = dumpTables(src.db.sqlite);
    const snap = src.fsm.snapshot();
    src.applyAll(more);
    const chunks = await collect(snap);
    snap.release();
    const dst = harness();
    await dst.fsm.restore(stream(chunks), snap.at);
    expect(dumpTables(dst.db.sqlite)).toEqual(expected);
    dst.close();
  });

  it('streams bounded chunks and applies may interleave with the write', async () => {
    const src = fileHarness('big');
    const value = 'v'.repeat(4096);
    for (let i = 0; i < 8; i++) src.applyAll(Array.from({ length: 100 }, (_, j) => kvSet(`bulk/${i}/${j}`, value)));
    const snap = src.fsm.snapshot();
    const chunks: Uint8Array[] = [];
    await snap.write(async (c) => {
      chunks.push(c);
      // The main connection keeps applying while the reader streams.
      src.apply(kvSet('during', String(chunks.length)));
    });
    snap.release();
    expect(chunks.length).toBeGreaterThan(4);
    for (const c of chunks) expect(c.length).toBeLessThan(SNAPSHOT_CHUNK_BYTES + 8 * 1024);
    const dst = harness();
    await dst.fsm.restore(stream(chunks), snap.at);
    expect(dst.store.kvKeys('bulk/', '').keys).toHaveLength(800);
    expect(dst.store.kvGet('during').entry).toBeNull();
    dst.close();
  });

  it('works for an in-memory database too, and restore wakes every blocking query', async () => {
    const src = harness();
    src.applyAll(history);
    const snap = src.fsm.snapshot();
    const chunks = await collect(snap);
    snap.release();
    const dst = harness();
    dst.applyAll([kvSet('stale', 'x')]);
    const w = dst.hub.watch(watchFor.kvGet('unrelated'));
    await dst.fsm.restore(stream(chunks), snap.at);
    expect(await w.fired).toBe('abandoned');
    expect(dst.store.kvGet('stale').entry).toBeNull();
    expect(dumpTables(dst.db.sqlite)).toEqual(dumpTables(src.db.sqlite));
    src.close();
    dst.close();
  });

  it('refuses a truncated or mismatched snapshot and leaves the state untouched', async () => {
    const src = harness();
    src.applyAll(history);
    const snap = src.fsm.snapshot();
    const chunks = await collect(snap);
    snap.release();
    const whole = Buffer.concat(chunks);
    const dst = harness();
    dst.apply(kvSet('keep', 'me'));
    const before = dumpTables(dst.db.sqlite);
    await expect(dst.fsm.restore(stream([whole.subarray(0, whole.length - 20)]), snap.at)).rejects.toThrow(/snapshot/);
    await expect(dst.fsm.restore(stream([whole]), { index: snap.at.index + 1, term: 1 })).rejects.toThrow(/taken at/);
    expect(dumpTables(dst.db.sqlite)).toEqual(before);
    expect(dst.apply(kvSet('after', 'x'))).toBe(true);
    src.close();
    dst.close();
  });
});
