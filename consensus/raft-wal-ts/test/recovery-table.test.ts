// Table-driven recovery cases in the spirit of raft-wal's TestRecovery: each names the exact
// damage done to the tail segment after a clean shutdown and the last index recovery must
// land on (or the corruption error it must raise, with file and offset).
import { describe, expect, test } from 'vitest';
import { openWal } from '../src/index.ts';
import { WalCorruptionError } from '../src/errors.ts';
import { segmentFileName } from '../src/format/segment-format.ts';
import type { Wal } from '../src/types.ts';
import { FaultyVfs } from './helpers/faulty-vfs.ts';
import { entries, entry, expectSameEntry } from './helpers/entries.ts';
import { commitFrames, walkFrames } from './helpers/format-walk.ts';

const DIR = '/wal';
const TAIL = segmentFileName(1, 1);
const opts = (vfs: FaultyVfs, preallocate = true) => ({ vfs, segmentSize: 1 << 20, preallocate });

interface Case {
  name: string;
  /** Single-entry batches appended first. */
  previous: number;
  /** Sizes of the entries of the final batch. */
  final: number[];
  damage?: (vfs: FaultyVfs, file: Uint8Array) => void;
  preallocate?: boolean;
  wantLast?: number;
  wantError?: { offset: (file: Uint8Array) => number; message: RegExp };
}

const flip = (vfs: FaultyVfs, at: number, mask = 0x01) => vfs.damage(DIR, TAIL, at, (b) => b ^ mask);
const zero = (vfs: FaultyVfs, at: number, n: number) => vfs.damage(DIR, TAIL, at, () => 0, n);
const lastCommit = (f: Uint8Array) => commitFrames(f).at(-1)!;
const commitBefore = (f: Uint8Array, k: number) => commitFrames(f).at(-1 - k)!;
/** Frames of the final batch: after the second-to-last commit. */
const finalBatch = (f: Uint8Array) => walkFrames(f).filter((x) => x.at > (commitFrames(f).at(-2)?.at ?? 0) && x.type === 1);

const cases: Case[] = [
  { name: 'clean shutdown, empty', previous: 0, final: [], wantLast: 0 },
  { name: 'clean shutdown, first batch', previous: 0, final: [10], wantLast: 1 },
  { name: 'clean shutdown, multi-entry batch', previous: 10, final: [10, 10, 10, 10], wantLast: 14 },
  { name: 'zeroed last commit frame', previous: 10, final: [10, 10, 10, 10], damage: (v, f) => zero(v, lastCommit(f).at, 16), wantLast: 10 },
  { name: 'flipped byte in last commit CRC', previous: 10, final: [10, 10], damage: (v, f) => flip(v, lastCommit(f).at + 5), wantLast: 10 },
  { name: 'flipped byte mid-batch (entry data)', previous: 10, final: [10, 30, 10], damage: (v, f) => flip(v, finalBatch(f)[1]!.at + 32 + 15), wantLast: 10 },
  { name: 'flipped byte in an entry header (term)', previous: 10, final: [10, 10], damage: (v, f) => flip(v, finalBatch(f)[1]!.at + 16), wantLast: 10 },
  { name: 'invalid type byte in second frame of last batch', previous: 10, final: [10, 10, 10, 10], damage: (v, f) => v.damage(DIR, TAIL, finalBatch(f)[1]!.at, () => 65), wantLast: 10 },
  { name: 'torn write: middle of last batch zeroed', previous: 10, final: [100, 100, 100], damage: (v, f) => zero(v, finalBatch(f)[1]!.at + 8, 40), wantLast: 10 },
  { name: 'torn write: whole last batch zeroed', previous: 3, final: [20, 20], damage: (v, f) => zero(v, finalBatch(f)[0]!.at, lastCommit(f).at + 16 - finalBatch(f)[0]!.at), wantLast: 3 },
  {
    name: 'torn final frame: file ends inside the last commit frame',
    previous: 5,
    final: [10, 10],
    preallocate: false,
    damage: (v, f) => v.cut(DIR, TAIL, lastCommit(f).at + 8),
    wantLast: 5,
  },
  { name: 'garbage after the last commit is ignored', previous: 5, final: [10], damage: (v, f) => v.damage(DIR, TAIL, lastCommit(f).at + 16, (_, i) => 0x5a ^ i, 64), wantLast: 6 },
  { name: 'partial header, only batch (header torn with its first commit)', previous: 0, final: [10, 10], damage: (v) => zero(v, 16, 16), wantLast: 0 },
  { name: 'bad header magic, only batch', previous: 0, final: [10], damage: (v) => flip(v, 0, 0x7b), wantLast: 0 },
  { name: 'bad header base index, only batch', previous: 0, final: [10], damage: (v) => flip(v, 8, 0x7b), wantLast: 0 },
  {
    name: 'bad header magic with a later valid commit',
    previous: 1,
    final: [10],
    damage: (v) => flip(v, 0, 0x7b),
    wantError: { offset: () => 0, message: /unreadable \(scan stopped at \d+\) but a batch committed at offset \d+ follows/ },
  },
  {
    name: 'flipped byte in an earlier (synced) batch of the tail',
    previous: 5,
    final: [10, 10],
    damage: (v, f) => flip(v, walkFrames(f).filter((x) => x.type === 1)[2]!.at + 40),
    wantError: { offset: (f) => walkFrames(f).filter((x) => x.type === 1)[2]!.at, message: /unreadable/ },
  },
  {
    name: 'zeroed commit frame of an earlier batch',
    previous: 5,
    final: [10],
    damage: (v, f) => zero(v, commitBefore(f, 2).at, 16),
    wantError: { offset: (f) => commitBefore(f, 3).at + 16, message: /unreadable/ },
  },
];

async function build(vfs: FaultyVfs, c: Case): Promise<void> {
  const wal = await openWal(DIR, opts(vfs, c.preallocate ?? true));
  for (let i = 1; i <= c.previous; i++) await wal.append([entry(i, 1, 11)]);
  if (c.final.length > 0) await wal.append(c.final.map((size, k) => entry(c.previous + 1 + k, 2, size)));
  await wal.close();
}

async function expectReadable(wal: Wal, last: number, c: Case): Promise<void> {
  expect(wal.lastIndex()).toBe(last);
  for (let i = 1; i <= last; i++) expectSameEntry(wal.get(i), i <= c.previous ? entry(i, 1, 11) : entry(i, 2, c.final[i - c.previous - 1]));
  expect(wal.get(last + 1)).toBeUndefined();
}

describe('tail recovery', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const vfs = new FaultyVfs();
      await build(vfs, c);
      const file = vfs.names(DIR).includes(TAIL) ? vfs.read(DIR, TAIL) : new Uint8Array(0);
      c.damage?.(vfs, file);
      if (c.wantError) {
        const err = await openWal(DIR, opts(vfs)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(WalCorruptionError);
        const ce = err as WalCorruptionError;
        expect({ file: ce.file, offset: ce.offset }).toEqual({ file: TAIL, offset: c.wantError.offset(file) });
        expect(ce.message).toMatch(c.wantError.message);
        return;
      }
      let wal = await openWal(DIR, opts(vfs));
      await expectReadable(wal, c.wantLast!, c);
      // Appending goes on from the recovered point, and all of it reads back after a reopen.
      const more = entries(c.wantLast! + 1, 10, 3, 33);
      for (const e of more) await wal.append([e]);
      await wal.close();
      wal = await openWal(DIR, opts(vfs));
      expect(wal.lastIndex()).toBe(c.wantLast! + 10);
      for (const e of more) expectSameEntry(wal.get(e.index), e);
      await wal.close();
    });
  }
});
