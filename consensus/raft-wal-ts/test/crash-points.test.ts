// Crash at every mutating file-system operation of each scenario (rotation, sealing, head and
// tail truncation, stable writes, group commits), resolve the crash in every mode, reopen, and
// require: the open succeeds; the log equals the model after some operation between the last
// acknowledged one and the last one started; and it stays usable.
import { describe, expect, test } from 'vitest';
import { openWal } from '../src/index.ts';
import type { Wal } from '../src/types.ts';
import { CRASH_MODES, FaultyVfs, VfsCrashedError } from './helpers/faulty-vfs.ts';
import { entries, entry } from './helpers/entries.ts';
import { LogModel, diff } from './helpers/model.ts';
import { walkFrames } from './helpers/format-walk.ts';
import { Rng } from './helpers/rng.ts';

const DIR = '/wal';
const SEGMENT = 700;
const SEEDS_PER_MODE = 2;
/** Upper bound on crash points per scenario; a scenario that needs more is a test bug. */
const MAX_CRASH_POINTS = 400;
const KEYS = ['CurrentTerm', 'LastVote'];

type Op = (wal: Wal, model: LogModel) => Promise<void>;
const append = (from: number, n: number, term = 1, size = 60): Op => async (wal, m) => {
  const es = entries(from, n, term, size, term);
  const p = wal.append(es);
  m.append(es);
  await p;
};
const before = (x: number): Op => async (wal, m) => {
  const p = wal.truncateBefore(x);
  m.truncateBefore(x);
  await p;
};
const after = (x: number): Op => async (wal, m) => {
  const p = wal.truncateAfter(x);
  m.truncateAfter(x);
  await p;
};
const stable = (values: Record<string, Uint8Array>): Op => async (wal, m) => {
  const p = wal.setStableMany(values);
  m.setStable(values);
  await p;
};

interface Scenario {
  name: string;
  setup: Op[];
  ops: Op[];
}

const setup30: Op[] = [append(1, 10), append(11, 10), append(21, 10), stable({ CurrentTerm: new Uint8Array([1]) })];
const scenarios: Scenario[] = [
  { name: 'appends through rotation and sealing', setup: [append(1, 3)], ops: [append(4, 4), append(8, 4), append(12, 4), append(16, 6)] },
  { name: 'the first append of an empty log', setup: [], ops: [append(50, 2), append(52, 1)] },
  { name: 'truncateBefore dropping sealed segments', setup: setup30, ops: [before(17), append(31, 2)] },
  { name: 'truncateBefore past the end, then a new start', setup: setup30, ops: [before(100), append(200, 3)] },
  { name: 'truncateAfter inside the tail', setup: setup30, ops: [after(28), append(29, 3, 2)] },
  { name: 'truncateAfter into a sealed segment', setup: setup30, ops: [after(9), append(10, 4, 2)] },
  { name: 'truncateAfter below the first index', setup: [...setup30, before(12)], ops: [after(5), append(7, 2, 3)] },
  { name: 'stable store writes', setup: setup30, ops: [stable({ CurrentTerm: new Uint8Array([2]), LastVote: new Uint8Array([3]) }), stable({ LastVote: new Uint8Array([4]) })] },
];

/** Runs ops in order until one fails; returns the model after each op and how many were acknowledged. */
async function runOps(wal: Wal, model: LogModel, ops: Op[]): Promise<{ states: LogModel[]; acked: number; started: number }> {
  const states = [model.clone()];
  let acked = 0;
  for (const op of ops) {
    try {
      await op(wal, model);
      states.push(model.clone());
      acked++;
    } catch {
      states.push(model.clone()); // the op that failed may or may not have become durable
      return { states, acked, started: acked + 1 };
    }
  }
  return { states, acked, started: acked };
}

async function prepared(s: Scenario): Promise<{ vfs: FaultyVfs; wal: Wal; model: LogModel }> {
  const vfs = new FaultyVfs();
  const wal = await openWal(DIR, { vfs, segmentSize: SEGMENT });
  const model = new LogModel();
  for (const op of s.setup) await op(wal, model);
  return { vfs, wal, model };
}

async function checkRecovered(disk: FaultyVfs, states: LogModel[], lo: number, hi: number, where: string): Promise<void> {
  const wal = await openWal(DIR, { vfs: disk, segmentSize: SEGMENT });
  const candidates = states.slice(lo, hi + 1);
  const diffs = candidates.map((m) => diff(wal, m, KEYS));
  expect(diffs.some((d) => d === undefined), `${where}: ${diffs.join(' | ')}`).toBe(true);
  // Still usable: one more append and a clean reopen.
  const next = wal.lastIndex() === 0 ? 1 : wal.lastIndex() + 1;
  await wal.append([entry(next, 9)]);
  await wal.close();
  const again = await openWal(DIR, { vfs: disk, segmentSize: SEGMENT });
  expect(again.lastIndex(), where).toBe(next);
  await again.close();
}

describe('crash at every file-system operation', () => {
  for (const s of scenarios) {
    test(s.name, async () => {
      let n = 0;
      for (; n < MAX_CRASH_POINTS; n++) {
        const { vfs, wal, model } = await prepared(s);
        vfs.crashAfter(n);
        const run = await runOps(wal, model, s.ops);
        const completed = !vfs.crashed;
        if (!completed) expect(run.acked).toBeLessThan(s.ops.length);
        for (const mode of CRASH_MODES) {
          for (let seed = 1; seed <= SEEDS_PER_MODE; seed++) {
            const disk = vfs.crash(mode, new Rng(seed * 7919 + n));
            await checkRecovered(disk, run.states, run.acked, run.started, `${s.name}, crash point ${n}, ${mode}/${seed}`);
          }
        }
        if (completed) break;
      }
      expect(n, 'scenario did not finish within the crash-point bound').toBeLessThan(MAX_CRASH_POINTS);
      expect(n).toBeGreaterThan(0);
    });
  }

  test('a crash point throws VfsCrashedError out of the WAL as a failure', async () => {
    const { vfs, wal } = await prepared(scenarios[0]!);
    vfs.crashAfter(0);
    const err: unknown = await wal.append(entries(4, 1)).catch((e: unknown) => e);
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(VfsCrashedError);
  });
});

describe('named crash windows', () => {
  const o = (vfs: FaultyVfs) => ({ vfs, segmentSize: SEGMENT, preallocate: false });
  const segFiles = (vfs: FaultyVfs) => vfs.names(DIR).filter((n) => n.endsWith('.wal'));

  async function built(): Promise<{ vfs: FaultyVfs; wal: Wal; model: LogModel }> {
    const vfs = new FaultyVfs();
    const wal = await openWal(DIR, o(vfs));
    const model = new LogModel();
    for (const op of setup30) await op(wal, model);
    return { vfs, wal, model };
  }

  test('truncateBefore: crash after the meta commit, before the file deletes', async () => {
    const { vfs, wal, model } = await built();
    const before = segFiles(vfs);
    vfs.crashBefore('remove', /\.wal$/);
    const p = wal.truncateBefore(17);
    model.truncateBefore(17);
    await expect(p).rejects.toThrow();
    for (const mode of CRASH_MODES) {
      const disk = vfs.crash(mode, new Rng(3));
      expect(disk.names(DIR).filter((n) => n.endsWith('.wal'))).toEqual(before); // nothing deleted yet
      const again = await openWal(DIR, o(disk));
      expect(diff(again, model, KEYS), mode).toBeUndefined(); // the meta commit decided
      expect(segFiles(disk).length).toBeLessThan(before.length); // unnamed files removed on open
      await again.close();
    }
  });

  test('truncateAfter into a sealed segment: crash after the meta commit, before the file deletes', async () => {
    const { vfs, wal, model } = await built();
    vfs.crashBefore('remove', /\.wal$/);
    const p = wal.truncateAfter(9);
    model.truncateAfter(9);
    await expect(p).rejects.toThrow();
    for (const mode of CRASH_MODES) {
      const again = await openWal(DIR, o(vfs.crash(mode, new Rng(4))));
      expect(diff(again, model, KEYS), mode).toBeUndefined();
      await again.append([entry(10, 7)]); // a fresh tail with a new segment id
      await again.close();
    }
  });

  test('rotation: crash after the seal, before the meta file names the new segment', async () => {
    const vfs = new FaultyVfs();
    const wal = await openWal(DIR, o(vfs));
    const model = new LogModel();
    const sealed = () => walkFrames(vfs.read(DIR, segFiles(vfs).at(-1)!)).some((f) => f.type === 2);
    let i = 1;
    while (segFiles(vfs).length === 0 || !sealed()) await append(i++, 1)(wal, model);
    const files = segFiles(vfs);
    vfs.crashBefore('rename', /wal-meta/);
    await expect(wal.append(entries(i, 1))).rejects.toThrow(); // the rotation's meta write
    for (const mode of CRASH_MODES) {
      const disk = vfs.crash(mode, new Rng(5));
      const again = await openWal(DIR, o(disk));
      expect(diff(again, model, KEYS), mode).toBeUndefined(); // the sealed tail is adopted from its index frame
      expect(segFiles(disk), mode).toEqual(files); // the unnamed new segment is gone
      await again.append([entry(i, 8)]);
      await again.close();
      const third = await openWal(DIR, o(disk));
      expect(third.lastIndex()).toBe(i);
      await third.close();
    }
  });
});
