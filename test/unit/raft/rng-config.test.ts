// The seeded PRNG (shared with the simulation) and config validation.

import { describe, expect, it } from 'vitest';
import { DEFAULT_RAFT_CONFIG, createRng, isConfigError, nodeId, resolveConfig } from '../../../consensus/raft/index.ts';

describe('rng', () => {
  it('replays the same stream for the same seed, a different one for another', () => {
    const a = createRng('c0ffee');
    const b = createRng('c0ffee');
    const c = createRng('c0ffef');
    const xs = Array.from({ length: 20 }, () => a.u32());
    expect(Array.from({ length: 20 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.u32())).not.toEqual(xs);
  });

  it('pins the stream: a changed generator would silently change every simulation seed', () => {
    const r = createRng(42);
    expect(Array.from({ length: 4 }, () => r.u32())).toMatchInlineSnapshot(`
      [
        2837322924,
        544945897,
        479756282,
        3500138142,
      ]
    `);
  });

  it('int stays in range and covers it roughly uniformly', () => {
    const r = createRng(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) {
      const v = r.int(6);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(6);
      counts[v]!++;
    }
    for (const k of counts) expect(k).toBeGreaterThan(850);
    expect(() => r.int(0)).toThrow();
  });

  it('chance, pick and shuffle', () => {
    const r = createRng(9);
    expect(r.chance(0, 5)).toBe(false);
    expect(r.chance(5, 5)).toBe(true);
    let hits = 0;
    for (let i = 0; i < 4000; i++) if (r.chance(1, 4)) hits++;
    expect(hits).toBeGreaterThan(850);
    expect(hits).toBeLessThan(1150);
    expect(['x']).toContain(r.pick(['x']));
    const arr = [1, 2, 3, 4, 5, 6, 7, 8];
    expect([...r.shuffle([...arr])].sort()).toEqual(arr);
  });

  it('fork gives independent streams that do not advance the parent', () => {
    const a = createRng(1);
    const b = createRng(1);
    const f1 = a.fork('network');
    a.fork('disk').u32();
    expect(a.u32()).toBe(b.u32());
    expect(createRng(1).fork('network').u32()).toBe(f1.u32());
    expect(createRng(1).fork('disk').u32()).not.toBe(createRng(1).fork('network').u32());
  });
});

describe('config', () => {
  it('fills defaults', () => {
    const c = resolveConfig({ id: nodeId('a') });
    expect(isConfigError(c)).toBe(false);
    expect(c).toMatchObject({ ...DEFAULT_RAFT_CONFIG, id: 'a' });
  });

  it('reports the first invalid field as a value', () => {
    expect(resolveConfig({ id: nodeId('a'), electionTicks: 0 })).toMatchObject({ field: 'electionTicks' });
    expect(resolveConfig({ id: nodeId('a'), heartbeatTicks: 10 })).toMatchObject({ field: 'heartbeatTicks' });
    expect(resolveConfig({ id: nodeId('a'), leaseTicks: 10 })).toMatchObject({ field: 'leaseTicks' });
    expect(resolveConfig({ id: nodeId('a'), snapshotTrailing: -1 })).toMatchObject({ field: 'snapshotTrailing' });
    expect(resolveConfig({ id: nodeId('a'), maxBytesPerMsg: 1.5 })).toMatchObject({ field: 'maxBytesPerMsg' });
  });
});
