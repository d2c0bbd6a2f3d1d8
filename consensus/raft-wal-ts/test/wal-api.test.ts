// Behaviour of the public API against the in-memory FaultyVfs: contiguity, reads, truncations,
// the stable store, group commit, failure and close.
import { describe, expect, test } from 'vitest';
import { openWal, WalClosedError, WalFailedError, WalInvalidArgumentError } from '../src/index.ts';
import { parseSegmentFileName } from '../src/format/segment-format.ts';
import type { Wal } from '../src/types.ts';
import { FaultyVfs } from './helpers/faulty-vfs.ts';
import { entries, entry, expectSameEntry } from './helpers/entries.ts';

const DIR = '/wal';

async function fresh(segmentSize = 1 << 20, preallocate = true): Promise<{ vfs: FaultyVfs; wal: Wal; reopen: () => Promise<Wal> }> {
  const vfs = new FaultyVfs();
  const o = { vfs, segmentSize, preallocate };
  const wal = await openWal(DIR, o);
  return { vfs, wal, reopen: () => openWal(DIR, o) };
}

const segmentFiles = (vfs: FaultyVfs) => vfs.names(DIR).filter((n) => parseSegmentFileName(n));

describe('append and read', () => {
  test('an empty log reads as empty', async () => {
    const { wal } = await fresh();
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([0, 0]);
    expect(wal.get(1)).toBeUndefined();
    expect(wal.getRange(1, 10, 1000)).toEqual([]);
    await wal.close();
  });

  test('the first append may start at any index; later ones must follow', async () => {
    const { vfs, wal } = await fresh();
    await wal.append(entries(100, 3));
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([100, 102]);
    const writes = vfs.stats.writes;
    await expect(wal.append([entry(104)])).rejects.toBeInstanceOf(WalInvalidArgumentError);
    await expect(wal.append([entry(102)])).rejects.toBeInstanceOf(WalInvalidArgumentError);
    await expect(wal.append([entry(103), entry(105)])).rejects.toThrow(/expected 104/);
    await expect(wal.append([{ ...entry(103), term: -1 }])).rejects.toThrow(/invalid term/);
    await expect(wal.append([{ ...entry(103), type: 70000 }])).rejects.toThrow(/invalid type/);
    expect(vfs.stats.writes).toBe(writes); // refused calls wrote nothing
    await wal.append([entry(103)]);
    expect(wal.lastIndex()).toBe(103);
    await wal.close();
  });

  test('an entry over maxEntrySize is refused before anything is written', async () => {
    const vfs = new FaultyVfs();
    const wal = await openWal(DIR, { vfs, maxEntrySize: 100, preallocate: false });
    await expect(wal.append([entry(1, 1, 101)])).rejects.toThrow(/over maxEntrySize 100/);
    expect(vfs.stats.writes).toBe(1); // only the initial meta file
    await wal.append([entry(1, 1, 100)]);
    await wal.close();
  });

  test('get returns exactly what was appended, across many small segments', async () => {
    const { vfs, wal, reopen } = await fresh(600);
    const all = Array.from({ length: 80 }, (_, i) => entry(i + 1, 1 + (i >> 4), (i * 37) % 90));
    for (let i = 0; i < all.length; i += 3) await wal.append(all.slice(i, i + 3));
    expect(segmentFiles(vfs).length).toBeGreaterThan(5);
    for (const e of all) expectSameEntry(wal.get(e.index), e);
    expect(wal.get(0)).toBeUndefined();
    expect(wal.get(81)).toBeUndefined();
    await wal.close();
    const again = await reopen();
    for (const e of all) expectSameEntry(again.get(e.index), e);
    await again.close();
  });

  test('getRange is [lo, hi), takes at least one entry, and stops before passing maxBytes', async () => {
    const { wal } = await fresh(700);
    const all = entries(1, 50, 1, 100);
    for (const e of all) await wal.append([e]);
    expect(wal.getRange(10, 15, 1 << 20).map((e) => e.index)).toEqual([10, 11, 12, 13, 14]);
    expect(wal.getRange(10, 11, 1 << 20).map((e) => e.index)).toEqual([10]);
    expect(wal.getRange(10, 10, 1 << 20)).toEqual([]);
    expect(wal.getRange(10, 40, 1).map((e) => e.index)).toEqual([10]);
    expect(wal.getRange(10, 40, 350).map((e) => e.index)).toEqual([10, 11, 12]);
    expect(wal.getRange(10, 40, 400).map((e) => e.index)).toEqual([10, 11, 12, 13]);
    expect(wal.getRange(45, 1000, 1 << 20).map((e) => e.index)).toEqual([45, 46, 47, 48, 49, 50]);
    expect(wal.getRange(51, 60, 1000)).toEqual([]);
    const whole = wal.getRange(1, 51, 1 << 20);
    whole.forEach((e, i) => expectSameEntry(e, all[i]!));
    await wal.close();
  });
});

describe('truncation', () => {
  test('truncateBefore hides entries below and deletes whole segments only', async () => {
    const { vfs, wal, reopen } = await fresh(600);
    for (const e of entries(1, 60, 1, 50)) await wal.append([e]);
    const before = segmentFiles(vfs).length;
    await wal.truncateBefore(30);
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([30, 60]);
    expect(wal.get(29)).toBeUndefined();
    expectSameEntry(wal.get(30), entry(30, 1, 50));
    const after = segmentFiles(vfs);
    expect(after.length).toBeLessThan(before);
    expect(parseSegmentFileName(after[0]!)!.baseIndex).toBeLessThanOrEqual(30);
    await wal.close();
    const again = await reopen();
    expect([again.firstIndex(), again.lastIndex()]).toEqual([30, 60]);
    await again.close();
  });

  test('truncateBefore past the end empties the log; the next append may start anywhere', async () => {
    const { vfs, wal, reopen } = await fresh(600);
    await wal.append(entries(1, 20, 1, 50));
    await wal.truncateBefore(500);
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([0, 0]);
    expect(segmentFiles(vfs)).toEqual([]);
    await wal.append(entries(1000, 2));
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([1000, 1001]);
    await wal.close();
    const again = await reopen();
    expect([again.firstIndex(), again.lastIndex()]).toEqual([1000, 1001]);
    await again.close();
  });

  test('truncateAfter inside the tail drops the newest entries durably', async () => {
    const { wal, reopen } = await fresh();
    await wal.append(entries(1, 10));
    await wal.truncateAfter(6);
    expect(wal.lastIndex()).toBe(6);
    expect(wal.get(7)).toBeUndefined();
    await expect(wal.append([entry(8, 2)])).rejects.toBeInstanceOf(WalInvalidArgumentError);
    await wal.append(entries(7, 3, 2, 40, 9));
    await wal.close();
    const again = await reopen();
    expect(again.lastIndex()).toBe(9);
    expectSameEntry(again.get(6), entry(6));
    expectSameEntry(again.get(7), entry(7, 2, 40, 9));
    await again.close();
  });

  test('truncateAfter into a sealed segment deletes later segments and keeps the cut point', async () => {
    const { vfs, wal, reopen } = await fresh(600);
    for (const e of entries(1, 60, 1, 50)) await wal.append([e]);
    const segs = segmentFiles(vfs).length;
    await wal.truncateAfter(15);
    expect(wal.lastIndex()).toBe(15);
    expect(segmentFiles(vfs).length).toBeLessThan(segs);
    await wal.append(entries(16, 5, 3, 20, 4));
    await wal.close();
    const again = await reopen();
    expect([again.firstIndex(), again.lastIndex()]).toEqual([1, 20]);
    expectSameEntry(again.get(15), entry(15, 1, 50));
    expectSameEntry(again.get(16), entry(16, 3, 20, 4));
    await again.close();
  });

  test('truncateAfter below the first index empties the log', async () => {
    const { wal } = await fresh();
    await wal.append(entries(5, 5));
    await wal.truncateAfter(2);
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([0, 0]);
    await wal.append(entries(3, 1));
    expect(wal.lastIndex()).toBe(3);
    await wal.close();
  });

  test('queued operations validate against the state they will find', async () => {
    const { wal } = await fresh();
    const ops = [wal.append(entries(1, 5)), wal.truncateAfter(3), wal.append(entries(4, 2, 2)), wal.truncateBefore(2)];
    await Promise.all(ops);
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([2, 5]);
    expectSameEntry(wal.get(4), entry(4, 2));
    await wal.close();
  });
});

describe('stable store', () => {
  test('values are atomic, durable, and copied', async () => {
    const { wal, reopen } = await fresh();
    const term = new Uint8Array([0, 0, 0, 7]);
    await wal.setStable('CurrentTerm', term);
    term[3] = 99;
    expect([...wal.getStable('CurrentTerm')!]).toEqual([0, 0, 0, 7]);
    await wal.setStableMany({ CurrentTerm: new Uint8Array([8]), LastVoteCand: new Uint8Array([1, 2]) });
    expect(wal.getStable('missing')).toBeUndefined();
    await wal.close();
    const again = await reopen();
    expect([...again.getStable('CurrentTerm')!]).toEqual([8]);
    expect([...again.getStable('LastVoteCand')!]).toEqual([1, 2]);
    await expect(again.setStable('', new Uint8Array(1))).rejects.toBeInstanceOf(WalInvalidArgumentError);
    await again.close();
  });
});

describe('group commit', () => {
  test('appends issued while a sync is in flight share one write and one sync', async () => {
    const { vfs, wal } = await fresh(1 << 20, false);
    await wal.append([entry(1)]);
    const { writes, syncs } = vfs.stats;
    vfs.holdSyncs();
    const first = wal.append([entry(2)]);
    // Let the first group reach its sync (bounded: a few microtasks are enough).
    for (let i = 0; i < 1000 && vfs.syncsHeld === 0; i++) await Promise.resolve();
    expect(vfs.syncsHeld).toBe(1);
    const rest = Array.from({ length: 20 }, (_, i) => wal.append([entry(3 + i)]));
    vfs.releaseSyncs();
    await Promise.all([first, ...rest]);
    expect(wal.lastIndex()).toBe(22);
    expect(vfs.stats.writes - writes).toBe(2);
    expect(vfs.stats.syncs - syncs).toBe(2);
    await wal.close();
  });
});

describe('preallocation', () => {
  test('the tail grows in zero-filled steps written with the batch that crosses into them', async () => {
    const vfs = new FaultyVfs();
    const wal = await openWal(DIR, { vfs, segmentSize: 8 << 20 });
    await wal.append(entries(1, 2));
    const tail = segmentFiles(vfs)[0]!;
    const first = vfs.read(DIR, tail);
    expect(first.length).toBe(1 << 20); // one step, synced with the first batch
    const syncs = vfs.stats.syncs;
    for (let i = 3; i < 40; i++) await wal.append([entry(i, 1, 1000)]);
    expect(vfs.read(DIR, tail).length).toBe(1 << 20); // appends inside the step keep the size
    expect(vfs.stats.syncs - syncs).toBe(37); // still one fdatasync per batch
    for (let i = 40; i < 1100; i++) await wal.append([entry(i, 1, 1000)]);
    expect(vfs.read(DIR, tail).length).toBe(2 << 20);
    await wal.close();
    const again = await openWal(DIR, { vfs, segmentSize: 8 << 20 });
    expectSameEntry(again.get(1099), entry(1099, 1, 1000));
    await again.close();
  });

  test('without preallocation the file holds exactly the batches', async () => {
    const vfs = new FaultyVfs();
    const wal = await openWal(DIR, { vfs, preallocate: false });
    await wal.append(entries(1, 2));
    expect(vfs.read(DIR, segmentFiles(vfs)[0]!).length).toBe(32 + 2 * 72 + 16);
    await wal.close();
  });
});

describe('failure', () => {
  test('a failed sync rejects every waiting append and every later call', async () => {
    const { vfs, wal } = await fresh(1 << 20, false);
    await wal.append([entry(1)]);
    vfs.failNextSync();
    const results = await Promise.allSettled([wal.append([entry(2)]), wal.append([entry(3)]), wal.setStable('k', new Uint8Array(1))]);
    for (const r of results) expect(r.status === 'rejected' && r.reason instanceof WalFailedError).toBe(true);
    await expect(wal.append([entry(4)])).rejects.toBeInstanceOf(WalFailedError);
    expect(() => wal.get(1)).toThrow(WalFailedError);
    expect(() => wal.lastIndex()).toThrow(WalFailedError);
    await wal.close();
  });

  test('a failed write stops the WAL without a sync', async () => {
    const { vfs, wal } = await fresh(1 << 20, false);
    vfs.failNextWrite();
    const syncs = vfs.stats.syncs;
    await expect(wal.append(entries(1, 3))).rejects.toBeInstanceOf(WalFailedError);
    expect(vfs.stats.syncs).toBe(syncs);
    await expect(wal.truncateBefore(1)).rejects.toBeInstanceOf(WalFailedError);
  });

  test('close waits for queued work; later calls reject as closed', async () => {
    const { wal, reopen } = await fresh();
    const pending = wal.append(entries(1, 4));
    await wal.close();
    await pending;
    await expect(wal.append([entry(5)])).rejects.toBeInstanceOf(WalClosedError);
    expect(() => wal.get(1)).toThrow(WalClosedError);
    const again = await reopen();
    expect(again.lastIndex()).toBe(4);
    await again.close();
  });
});
