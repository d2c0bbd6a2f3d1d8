// The state snapshot stream helpers against the real FSM: a snapshot restamped for a higher
// position restores there with its rows' own indexes, the summary counts what the dump holds,
// and the empty snapshot restores to exactly what a freshly migrated database holds.
import { afterEach, describe, expect, it } from 'vitest';
import { dumpTables } from '../../storage/snapshot.ts';
import { emptyStateSnapshot, restampSnapshot, summarizeStateSnapshot } from '../../storage/snapshot-stream.ts';
import { harness, kvDelete, kvSet, type Harness } from './harness.ts';

const open: Harness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

function fresh(): Harness {
  const h = harness();
  open.push(h);
  return h;
}

async function snapshotOf(h: Harness): Promise<{ chunks: Uint8Array[]; at: { index: number; term: number } }> {
  const snap = h.fsm.snapshot();
  const chunks: Uint8Array[] = [];
  await snap.write(async (c) => void chunks.push(c));
  snap.release();
  return { chunks, at: snap.at };
}

async function* each(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe('state snapshot streams', () => {
  it("a restamped snapshot restores at the new position keeping each row's own indexes", async () => {
    const src = fresh();
    src.applyAll([kvSet('a', '1'), kvSet('b', '2'), kvDelete('b')]);
    const { chunks, at } = await snapshotOf(src);
    const dst = fresh();
    await dst.fsm.restore(restampSnapshot(each(chunks), { index: 500, term: 7 }), { index: 500, term: 7 });
    expect(dst.fsm.applied()).toEqual({ index: 500, term: 7 });
    const a = dst.store.kvGet('a').entry;
    expect(a?.modifyIndex).toBe(src.store.kvGet('a').entry?.modifyIndex);
    expect(a?.modifyIndex).toBeLessThanOrEqual(at.index);
    const { meta: _m, ...rest } = dumpTables(dst.db.sqlite);
    const { meta: _n, ...expected } = dumpTables(src.db.sqlite);
    expect(rest).toEqual(expected);
  });

  it('summarises a real dump: rows per table and the total', async () => {
    const src = fresh();
    src.applyAll([kvSet('a'), kvSet('b'), kvSet('c'), kvDelete('c')]);
    const { chunks, at } = await snapshotOf(src);
    const summary = await summarizeStateSnapshot(each(chunks));
    expect(summary).toMatchObject({ index: at.index, term: at.term });
    expect(summary.tables['kvs']).toBe(2);
    expect(summary.tables['tombstones']).toBe(1);
    const dump = dumpTables(src.db.sqlite);
    expect(summary.rows).toBe(Object.values(dump).reduce((n, rows) => n + rows.length, 0));
  });

  it('the empty snapshot restores to exactly a freshly migrated state at position 0', async () => {
    const used = fresh();
    used.applyAll([kvSet('a'), kvSet('b')]);
    await used.fsm.restore(emptyStateSnapshot(), { index: 0, term: 0 });
    expect(used.fsm.applied()).toEqual({ index: 0, term: 0 });
    expect(dumpTables(used.db.sqlite)).toEqual(dumpTables(fresh().db.sqlite));
  });
});
