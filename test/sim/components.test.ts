// The simulator's own parts, tested alone: the event queue's order, the clock's drift and
// timers, and the disk's crash model (what survives in each mode).
import { describe, expect, it } from 'vitest';
import { createRng } from '../../consensus/raft/index.ts';
import { EventQueue } from './event-queue.ts';
import { ManualScheduler as Manual } from './manual-scheduler.ts';
import { HardwareClock, SimClock } from './sim-clock.ts';
import { CRASH_MODES, SimDisk, type CrashMode, type DiskProfile } from './sim-disk.ts';

const noop = (): string => '';

describe('EventQueue', () => {
  it('pops in (time, scheduling order), whatever the push order', () => {
    const rng = createRng('queue');
    const q = new EventQueue();
    const pushed: { at: number; seq: number }[] = [];
    for (let i = 0; i < 2_000; i++) {
      const ev = q.push({ at: rng.int(50), node: -1, kind: 'x', detail: noop, run: () => {} });
      pushed.push({ at: ev.at, seq: ev.seq });
    }
    const popped: { at: number; seq: number }[] = [];
    for (let ev = q.pop(); ev !== undefined; ev = q.pop()) popped.push({ at: ev.at, seq: ev.seq });
    expect(popped).toEqual([...pushed].sort((a, b) => a.at - b.at || a.seq - b.seq));
  });

  it('refuses times that are not non-negative integers', () => {
    const q = new EventQueue();
    expect(() => q.push({ at: 1.5, node: 0, kind: 'x', detail: noop, run: () => {} })).toThrow(RangeError);
    expect(() => q.push({ at: -1, node: 0, kind: 'x', detail: noop, run: () => {} })).toThrow(RangeError);
  });
});

describe('SimClock', () => {
  it('a fast clock fires its timers early in global time and never runs backwards across a drift change', async () => {
    const m = new Manual();
    const fast = new SimClock(m, new HardwareClock(100_000, 0), 0, () => true);
    const exact = new SimClock(m, new HardwareClock(0, 0), 1, () => true);
    const fired: string[] = [];
    exact.setTimer(100, () => fired.push(`exact@${m.now()}`));
    fast.setTimer(100, () => fired.push(`fast@${m.now()}`));
    await m.drain();
    expect(fired).toEqual(['fast@90910', 'exact@100000']);
    const hw = new HardwareClock(0, 0);
    const before = hw.localAt(500_000);
    hw.setDrift(-500_000, 500_000);
    expect(hw.localAt(500_000)).toBe(before);
    expect(hw.localAt(600_000)).toBe(before + 50_000);
  });

  it('timers of a dead process never fire, and cancelled ones neither', async () => {
    const m = new Manual();
    let alive = true;
    const c = new SimClock(m, new HardwareClock(0, 0), 0, () => alive);
    const fired: number[] = [];
    c.setTimer(10, () => fired.push(1));
    const cancel = c.setTimer(20, () => fired.push(2));
    cancel();
    c.setTimer(30, () => fired.push(3));
    m.at(25_000, 0, 'crash', noop, () => (alive = false));
    await m.drain();
    expect(fired).toEqual([1]);
  });
});

const DISK: DiskProfile = { syncLatencyUs: [10, 10], writeFailPpm: 0, syncFailPpm: 0, crashDuringSyncPpm: 0, reorderDirOps: false };
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

async function diskWith(mode: CrashMode, seed: string): Promise<{ disk: SimDisk; synced: Uint8Array; m: Manual }> {
  const m = new Manual();
  const disk = new SimDisk(m, 0, createRng(seed), DISK);
  const vfs = disk.vfs();
  await vfs.mkdirp('d');
  const f = await vfs.create('d', 'f');
  await f.write(bytes(1, 2, 3, 4), 0);
  const synced = f.sync();
  const dir = vfs.syncDir('d');
  await m.drain();
  await synced;
  await dir;
  // Unsynced: an overwrite of the synced bytes, an append, and a new file with no dir sync.
  await f.write(bytes(9, 9), 1);
  await f.write(new Uint8Array(600).fill(7), 4);
  const g = await vfs.create('d', 'g');
  await g.write(bytes(5), 0);
  disk.crash(mode);
  return { disk, synced: bytes(1, 2, 3, 4), m };
}

describe('SimDisk', () => {
  it.each(CRASH_MODES)('%s: fsynced bytes always survive; unsynced bytes survive only where the mode allows', async (mode) => {
    for (let k = 0; k < 20; k++) {
      const { disk } = await diskWith(mode, `${mode}-${k}`);
      const f = disk.peek('d', 'f')!;
      expect(f.length).toBeGreaterThanOrEqual(4);
      // Byte 0 and 3 were synced and never overwritten: they survive every crash.
      expect(f[0]).toBe(1);
      expect(f[3]).toBe(4);
      if (mode === 'lose') {
        expect([...f]).toEqual([1, 2, 3, 4]);
        expect(disk.names('d')).toEqual(['f']);
      }
      if (mode === 'keep') {
        expect([...f.subarray(0, 4)]).toEqual([1, 9, 9, 4]);
        expect(f.length).toBe(604);
        expect(disk.names('d')).toEqual(['f', 'g']);
      }
      // Bytes 1-2 hold either the old or the new value in every mode but bitflip's damage.
      if (mode !== 'bitflip') for (const i of [1, 2]) expect([i + 1, 9]).toContain(f[i]);
    }
  });

  it('a sync covers only the writes issued before it; a crash mid-sync leaves it unfinished', async () => {
    const m = new Manual();
    const disk = new SimDisk(m, 0, createRng('mid-sync'), DISK);
    const vfs = disk.vfs();
    await vfs.mkdirp('d');
    const f = await vfs.create('d', 'f');
    const dir = vfs.syncDir('d');
    await m.drain();
    await dir;
    await f.write(bytes(1), 0);
    let synced = false;
    void f.sync().then(() => (synced = true));
    await f.write(bytes(2), 1);
    disk.crash('lose');
    await m.drain();
    expect(synced).toBe(false);
    expect([...disk.peek('d', 'f')!]).toEqual([]);
  });

  it('a renamed file is durable under its new name only after the directory sync', async () => {
    const m = new Manual();
    const disk = new SimDisk(m, 0, createRng('rename'), DISK);
    const vfs = disk.vfs();
    await vfs.mkdirp('d');
    const f = await vfs.create('d', 'a.tmp');
    await f.write(bytes(1), 0);
    const s = f.sync();
    await m.drain();
    await s;
    await vfs.rename('d', 'a.tmp', 'a');
    disk.crash('lose');
    expect(disk.names('d')).toEqual([]);
    const vfs2 = disk.vfs();
    const g = await vfs2.create('d', 'b.tmp');
    await g.write(bytes(2), 0);
    const s2 = g.sync();
    await m.drain();
    await s2;
    await vfs2.rename('d', 'b.tmp', 'b');
    const d = vfs2.syncDir('d');
    await m.drain();
    await d;
    disk.crash('lose');
    expect(disk.names('d')).toEqual(['b']);
    expect([...disk.peek('d', 'b')!]).toEqual([2]);
  });

  it('calls through a crashed process never settle', async () => {
    const m = new Manual();
    const disk = new SimDisk(m, 0, createRng('dead'), DISK);
    const vfs = disk.vfs();
    await vfs.mkdirp('d');
    disk.crash('keep');
    let settled = false;
    void vfs.list('d').then(
      () => (settled = true),
      () => (settled = true),
    );
    await m.drain();
    expect(settled).toBe(false);
  });

  it('injected failures reject with EIO and are reported', async () => {
    const m = new Manual();
    const disk = new SimDisk(m, 0, createRng('eio'), { ...DISK, writeFailPpm: 1_000_000, syncFailPpm: 1_000_000 });
    const reported: string[] = [];
    disk.hooks = { faultInjected: (w) => reported.push(w), crashRequested: () => {} };
    const vfs = disk.vfs();
    await vfs.mkdirp('d');
    const f = await vfs.create('d', 'f');
    await expect(f.write(bytes(1), 0)).rejects.toMatchObject({ code: 'EIO' });
    const failed = expect(f.sync()).rejects.toMatchObject({ code: 'EIO' });
    await m.drain();
    await failed;
    expect(reported).toEqual(['write', 'sync']);
  });
});
