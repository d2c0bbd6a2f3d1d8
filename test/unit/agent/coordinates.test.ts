// Vivaldi math and this server's coordinate loop: distances, convergence toward measured
// round trips, ?near ordering, and writes only when the coordinate moved.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CoordinateLoop, PING_INTERVAL_MS, SYNC_INTERVAL_MS } from '../../../app/agent/coordinates.ts';
import { distanceSeconds, originCoordinate, sortByDistance, vivaldiUpdate, type Coordinate } from '../../../routes/coordinate/vivaldi.ts';
import type { Command } from '../../../storage/commands.ts';
import { ManualClock, settle } from './support.ts';

const at = (x: number): Coordinate => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 });

describe('Vivaldi', () => {
  it('distance is symmetric and includes heights', () => {
    expect(distanceSeconds(at(0), at(0.01))).toBeCloseTo(0.01 + 2e-5, 9);
    expect(distanceSeconds(at(0.01), at(0))).toBe(distanceSeconds(at(0), at(0.01)));
  });

  it('repeated samples pull the estimated RTT toward the measured one', () => {
    let a = originCoordinate();
    let b = originCoordinate();
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 200; i++) {
      a = vivaldiUpdate(a, b, 0.02, random);
      b = vivaldiUpdate(b, a, 0.02, random);
    }
    expect(distanceSeconds(a, b)).toBeGreaterThan(0.015);
    expect(distanceSeconds(a, b)).toBeLessThan(0.025);
    expect(a.Error).toBeLessThan(1.5);
  });

  it('sorts by distance from the source; unknown coordinates last; no source keeps the order', () => {
    const coords: Record<string, Coordinate> = { near: at(0.001), far: at(0.5), mid: at(0.1) };
    const items = ['far', 'unknown', 'mid', 'near'];
    expect(sortByDistance(items, at(0), (n) => coords[n])).toEqual(['near', 'mid', 'far', 'unknown']);
    expect(sortByDistance(items, undefined, (n) => coords[n])).toEqual(items);
  });
});

describe('coordinate loop', () => {
  it('samples a peer, stores the coordinate, and rewrites it only when it moved', async () => {
    const clock = new ManualClock();
    const applied: Command[] = [];
    const rtt = 10;
    const loop = new CoordinateLoop({
      nodeName: 's1', clock, random: () => 0.5, logger: pino({ level: 'silent' }),
      peers: () => [{ id: 'p', address: '127.0.0.1:1' }],
      ping: async () => rtt,
      peerCoordinate: () => at(0),
      apply: async (c) => void applied.push(c),
    });
    loop.start();
    await clock.advance(0);
    await settle();
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ type: 'coordinate.batch-update', updates: [{ node: 's1', segment: '' }] });
    await clock.advance(SYNC_INTERVAL_MS * 4);
    await settle();
    const writes = applied.length;
    expect(writes).toBeGreaterThan(1);
    expect(distanceSeconds(loop.current(), at(0))).toBeGreaterThan(0.002);
    // Once it has converged on the fixed peer's 10 ms, it stops rewriting.
    await clock.advance(SYNC_INTERVAL_MS * 20);
    const converged = applied.length;
    await clock.advance(SYNC_INTERVAL_MS * 5 + PING_INTERVAL_MS);
    expect(applied.length - converged).toBeLessThanOrEqual(1);
    loop.stop();
  });
});
