// The WAL on the real file system (NodeVfs) in a temp directory: rotation across several small
// segments, preallocated spares, truncations, torn bytes appended by hand, and reopen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NodeVfs, openWal } from '../src/index.ts';
import { META_FILE } from '../src/format/meta-format.ts';
import { parseSegmentFileName } from '../src/format/segment-format.ts';
import { entries, entry, expectSameEntry } from './helpers/entries.ts';
import { commitFrames } from './helpers/format-walk.ts';

const SEGMENT = 4096;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-wal-ts-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const segmentFiles = (): string[] => fs.readdirSync(dir).filter((n) => parseSegmentFileName(n)).sort();

describe.each([true, false])('on disk (preallocate %s)', (preallocate) => {
  test('rotates across several small segments and reads everything back after reopen', async () => {
    const all = Array.from({ length: 300 }, (_, i) => entry(i + 1, 1 + (i >> 6), (i * 53) % 200));
    let wal = await openWal(dir, { segmentSize: SEGMENT, preallocate });
    for (let i = 0; i < all.length; ) {
      const n = 1 + (i % 7);
      await wal.append(all.slice(i, i + n));
      i += n;
    }
    const segs = segmentFiles();
    expect(segs.length).toBeGreaterThanOrEqual(8);
    expect(segs.map((n) => parseSegmentFileName(n)!.baseIndex)[0]).toBe(1);
    for (const n of segs.slice(0, -1)) expect(fs.statSync(path.join(dir, n)).size).toBeGreaterThanOrEqual(SEGMENT);
    await wal.close();
    wal = await openWal(dir, { segmentSize: SEGMENT, preallocate });
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([1, 300]);
    for (const e of all) expectSameEntry(wal.get(e.index), e);
    wal.getRange(1, 301, 1 << 30).forEach((e, i) => expectSameEntry(e, all[i]!));
    await wal.truncateBefore(150);
    await wal.truncateAfter(250);
    await wal.append(entries(251, 20, 9, 90, 5));
    await wal.close();
    wal = await openWal(dir, { segmentSize: SEGMENT, preallocate });
    expect([wal.firstIndex(), wal.lastIndex()]).toEqual([150, 270]);
    expectSameEntry(wal.get(250), all[249]!);
    expectSameEntry(wal.get(251), entry(251, 9, 90, 5));
    expect(parseSegmentFileName(segmentFiles()[0]!)!.baseIndex).toBeLessThanOrEqual(150);
    await wal.close();
  });

  test('bytes torn onto the end of the tail are cut off; acknowledged entries stay', async () => {
    let wal = await openWal(dir, { segmentSize: 1 << 20, preallocate });
    for (let i = 1; i <= 20; i++) await wal.append([entry(i, 1, 64)]);
    await wal.close();
    const tail = path.join(dir, segmentFiles().at(-1)!);
    const end = commitFrames(fs.readFileSync(tail)).at(-1)!.at + 16;
    const torn = Buffer.from(entries(21, 3, 1, 64).flatMap((e) => [...e.data])); // an entry's worth of bytes, no commit
    torn[0] = 1;
    const fd = fs.openSync(tail, 'r+');
    fs.writeSync(fd, torn, 0, torn.length, end);
    fs.closeSync(fd);
    wal = await openWal(dir, { segmentSize: 1 << 20, preallocate });
    expect(wal.lastIndex()).toBe(20);
    expect(fs.statSync(tail).size).toBe(end); // recovery cut the torn bytes off
    await wal.append([entry(21, 2, 10)]);
    await wal.close();
    wal = await openWal(dir, { segmentSize: 1 << 20, preallocate });
    expectSameEntry(wal.get(21), entry(21, 2, 10));
    await wal.close();
  });
});

test('with preallocation the tail is zero-filled one step ahead of the data', async () => {
  const wal = await openWal(dir, { segmentSize: 64 << 20 });
  await wal.append(entries(1, 3));
  await wal.close();
  const tail = fs.readFileSync(path.join(dir, segmentFiles()[0]!));
  expect(tail.length).toBe(1 << 20);
  const end = commitFrames(tail).at(-1)!.at + 16;
  expect(tail.subarray(end).every((b) => b === 0)).toBe(true);
  expect(fs.readdirSync(dir).sort()).toEqual([segmentFiles()[0], META_FILE].sort());
});

test('inline fdatasync mode behaves the same', async () => {
  const vfs = new NodeVfs({ syncMode: 'inline' });
  let wal = await openWal(dir, { vfs, segmentSize: SEGMENT });
  await Promise.all([wal.append(entries(1, 40, 1, 100)), wal.append(entries(41, 40, 1, 100))]);
  await wal.setStable('CurrentTerm', new Uint8Array([5]));
  await wal.close();
  wal = await openWal(dir, { vfs, segmentSize: SEGMENT });
  expect(wal.lastIndex()).toBe(80);
  expect([...wal.getStable('CurrentTerm')!]).toEqual([5]);
  await wal.close();
});

test('wal-dump prints the meta file, the segments, their batches and the recovery result', async () => {
  const wal = await openWal(dir, { segmentSize: SEGMENT, preallocate: false });
  for (let i = 1; i <= 60; i += 4) await wal.append(entries(i, 4, 1, 120));
  await wal.setStable('CurrentTerm', Buffer.from('3'));
  await wal.close();
  const { execFileSync } = await import('node:child_process');
  const cli = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'src', 'cli', 'wal-dump.ts');
  const text = execFileSync(process.execPath, ['--import', 'tsx', cli, dir, '--entries'], { encoding: 'utf8' });
  expect(text).toMatch(/^meta: next segment id \d+, first index 1, \d+ segment\(s\)/);
  expect(text).toContain('stable "CurrentTerm" = "3"');
  for (const n of segmentFiles()) expect(text).toContain(`segment ${n}:`);
  expect(text).toMatch(/batch \[0, \d+\): entries 1\.\.4/);
  expect(text).toMatch(/index frame \(\d+ offsets\)/);
  expect(text).toMatch(/recovery: \d+ live entries \(last 60\)/);
  expect(text).toMatch(/@\d+ index 60 term 1 type \d 120 bytes/);
});
