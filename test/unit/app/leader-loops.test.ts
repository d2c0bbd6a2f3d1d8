// The leader loops' decisions on a manual clock: autopilot's health judgement and membership
// actions (promotion after stabilisation, dead-server removal only while quorum stays safe),
// and tombstone reaping after the TTL from the leader's index↔time marks.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../consensus/host/clock.ts';
import type { HostStatus, PeerProgress } from '../../../consensus/host/raft-host.ts';
import type { NodeId } from '../../../consensus/raft/index.ts';
import { AutopilotLoop, evaluate, failedAfterMs, type AutopilotSettings, type Tracked } from '../../../app/leader/autopilot.ts';
import { TombstoneReaper } from '../../../app/leader/tombstones.ts';

class ManualClock implements Clock {
  t = 1_000;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }
  setTimer(ms: number, fn: () => void) {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  /** Advances in small steps so loops re-arm and async work settles between timers. */
  async advance(ms: number, step = 50): Promise<void> {
    for (let left = ms; left > 0; left -= step) {
      this.t += Math.min(step, left);
      const due = this.timers.filter((x) => x.live && x.at <= this.t);
      this.timers = this.timers.filter((x) => !due.includes(x));
      for (const x of due) x.fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
  }
}

const SETTINGS: AutopilotSettings = { cleanupDeadServers: true, lastContactThresholdMs: 200, maxTrailingLogs: 250, minQuorum: 0, serverStabilizationTimeMs: 2_000 };

interface Peer {
  id: string;
  voter: boolean;
  contact: number | null;
  match?: number;
}

function status(peers: readonly Peer[], lastIndex = 1_000): HostStatus {
  const servers = [{ id: 'L', voter: true }, ...peers].map((p) => ({ id: p.id as NodeId, address: `127.0.0.1:${p.id.charCodeAt(0)}`, suffrage: (p.voter ? 1 : 2) as 1 | 2 }));
  const progress: PeerProgress[] = [
    { id: 'L', address: undefined, match: lastIndex, next: lastIndex + 1, state: 'replicate', voter: true, lastContactMs: 0 },
    ...peers.map((p) => ({ id: p.id, address: undefined, match: p.match ?? lastIndex, next: lastIndex + 1, state: 'replicate' as const, voter: p.voter, lastContactMs: p.contact })),
  ];
  return {
    id: 'L', address: '127.0.0.1:1', state: 'running', role: 'leader', term: 3, leaderId: 'L', leaderAddress: '127.0.0.1:1',
    commitIndex: lastIndex, appliedIndex: lastIndex, firstIndex: 1, lastIndex, snapshotIndex: 0, lastContactMs: 0,
    configuration: { servers }, configurationIndex: 5, progress,
  };
}

function round(peers: readonly Peer[], tracked: Map<string, Tracked>, now: number, settings = SETTINGS) {
  return evaluate({ status: status(peers), settings, tracked, now, wallNow: now, describe: (id) => ({ name: `node-${id}`, version: '1.0' }) });
}

describe('autopilot evaluation', () => {
  it('judges health by last contact and trailing logs, and computes failure tolerance', () => {
    const tracked = new Map<string, Tracked>();
    const { health } = round([{ id: 'a', voter: true, contact: 50 }, { id: 'b', voter: true, contact: 500 }, { id: 'c', voter: true, contact: 10, match: 100 }], tracked, 0);
    const byId = Object.fromEntries(health.servers.map((s) => [s.id, s]));
    expect(byId['L']).toMatchObject({ healthy: true, leader: true, status: 'leader', lastIndex: 1_000, name: 'node-L' });
    expect(byId['a']).toMatchObject({ healthy: true, voter: true, lastContactNs: 50_000_000, lastTerm: 3, serfStatus: 'alive' });
    expect(byId['b']?.healthy).toBe(false);
    expect(byId['c']?.healthy).toBe(false);
    expect(health).toMatchObject({ healthy: false, failureTolerance: 0, leader: 'L', voters: ['L', 'a', 'b', 'c'] });
  });

  it('promotes a non-voter only after it has been healthy for ServerStabilizationTime', () => {
    const tracked = new Map<string, Tracked>();
    const peers = [{ id: 'a', voter: true, contact: 10 }, { id: 'n', voter: false, contact: 10 }];
    expect(round(peers, tracked, 0).action).toBeNull();
    expect(round(peers, tracked, 1_999).action).toBeNull();
    expect(round(peers, tracked, 2_000).action).toEqual({ kind: 'promote', id: 'n' });
    // A blip resets the clock.
    round([peers[0]!, { id: 'n', voter: false, contact: 900 }], tracked, 2_100);
    expect(round(peers, tracked, 2_200).action).toBeNull();
    expect(round(peers, tracked, 4_200).action).toEqual({ kind: 'promote', id: 'n' });
  });

  it('removes a failed voter only after failedAfterMs, and only while quorum stays safe', () => {
    const after = failedAfterMs(SETTINGS);
    expect(after).toBe(6_000);
    const tracked = new Map<string, Tracked>();
    const dead = (contact: number): Peer => ({ id: 'x', voter: true, contact });
    const alive: Peer[] = [{ id: 'a', voter: true, contact: 10 }];
    expect(round([...alive, dead(after)], tracked, 0).action).toBeNull();
    expect(round([...alive, dead(after + 1)], tracked, 0).action).toEqual({ kind: 'remove', id: 'x', voter: true });
    // Two of three failed: removing would leave no healthy quorum; never act.
    expect(round([dead(99_999), { id: 'y', voter: true, contact: 99_999 }], tracked, 0).action).toBeNull();
    // MinQuorum 3 keeps a 3-voter cluster from shrinking.
    expect(round([...alive, dead(99_999)], tracked, 0, { ...SETTINGS, minQuorum: 3 }).action).toBeNull();
    expect(round([...alive, dead(99_999)], tracked, 0, { ...SETTINGS, cleanupDeadServers: false }).action).toBeNull();
  });

  it('removes a failed non-voter first, and counts silence from first sight before any answer', () => {
    const tracked = new Map<string, Tracked>();
    const peers: Peer[] = [{ id: 'a', voter: true, contact: 10 }, { id: 'n', voter: false, contact: null }];
    expect(round(peers, tracked, 0).action).toBeNull();
    expect(round(peers, tracked, 6_000).action).toBeNull();
    expect(round(peers, tracked, 6_001).action).toEqual({ kind: 'remove', id: 'n', voter: false });
  });

  it('the loop acts on the clock and stops acting once stopped', async () => {
    const clock = new ManualClock();
    const promoted: string[] = [];
    let peers: Peer[] = [{ id: 'a', voter: true, contact: 10 }, { id: 'n', voter: false, contact: 10 }];
    const loop = new AutopilotLoop({
      clock,
      status: () => status(peers),
      settings: () => SETTINGS,
      describe: () => ({ name: '', version: '' }),
      promote: async (id) => {
        promoted.push(id);
        peers = peers.map((p) => (p.id === id ? { ...p, voter: true } : p));
      },
      remove: async () => undefined,
      log: () => undefined,
    });
    loop.start();
    await clock.advance(1_500);
    expect(promoted).toEqual([]);
    await clock.advance(1_500);
    expect(promoted).toEqual(['n']);
    expect(loop.health().servers.find((s) => s.id === 'n')?.voter).toBe(true);
    loop.stop();
    peers = [...peers, { id: 'm', voter: false, contact: 10 }];
    await clock.advance(5_000);
    expect(promoted).toEqual(['n']);
  });
});

describe('tombstone reaper', () => {
  function setup(newest: () => number) {
    const clock = new ManualClock();
    const reaped: number[] = [];
    let fail = false;
    const reaper = new TombstoneReaper({
      clock,
      ttlMs: 10_000,
      granularityMs: 1_000,
      newestTombstone: newest,
      reap: async (upTo) => {
        if (fail) throw new Error('no leader');
        reaped.push(upTo);
      },
      onError: () => undefined,
    });
    return { clock, reaped, reaper, failNext: (v: boolean) => (fail = v) };
  }

  it('reaps a tombstone only once it is older than the TTL, up to the newest expired mark', async () => {
    let newest = 0;
    const { clock, reaped, reaper } = setup(() => newest);
    reaper.start();
    newest = 40;
    await clock.advance(1_000);
    newest = 90;
    await clock.advance(5_000);
    expect(reaped).toEqual([]);
    // 40 was first seen at the step 1 s after start; it expires 10 s after that, not before.
    await clock.advance(4_900);
    expect(reaped).toEqual([]);
    await clock.advance(200);
    expect(reaped).toEqual([40]);
    await clock.advance(1_000);
    expect(reaped).toEqual([40, 90]);
    expect(reaper.pending).toEqual([]);
    reaper.stop();
  });

  it('a new leader marks existing tombstones when it starts and keeps marks after a failed reap', async () => {
    const { clock, reaped, reaper, failNext } = setup(() => 70);
    reaper.start();
    expect(reaper.pending.map((m) => m.index)).toEqual([70]);
    failNext(true);
    await clock.advance(11_000);
    expect(reaped).toEqual([]);
    expect(reaper.pending.map((m) => m.index)).toEqual([70]);
    failNext(false);
    await clock.advance(1_000);
    expect(reaped).toEqual([70]);
    reaper.stop();
    await clock.advance(20_000);
    expect(reaped).toEqual([70]);
  });
});
