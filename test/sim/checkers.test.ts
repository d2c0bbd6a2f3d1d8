// The checkers must bite: negative controls that break one assumption each (a disk that lies
// about fsync, an FSM that is not deterministic) and must be reported, plus the checker's own
// rules on hand-fed events. (The lease-assumption control is in scenarios.test.ts.)
import { describe, expect, it } from 'vitest';
import type { FsmEntry } from '../../consensus/host/fsm.ts';
import { Checker } from './checker.ts';
import { Scenario } from './scenario.ts';
import type { SimNode } from './sim-node.ts';

describe('negative controls', () => {
  it('a disk that acknowledges fsync without persisting loses acknowledged writes in a power loss, and that is caught', async () => {
    const t = Scenario.start({ name: 'lying disk', nodes: 3, profile: (p) => ({ ...p, disk: { ...p.disk, lieOnFsync: true } }) });
    await t.elect();
    await t.writes(30);
    for (let i = 0; i < 3; i++) t.crash(i, 'lose');
    let r;
    try {
      for (let i = 0; i < 3; i++) await t.restart(i);
      await t.elect();
      await t.writes(5);
      r = await t.finish();
    } catch (err) {
      // A step may already stop on the violation (e.g. a server that cannot start).
      r = t.sim.result();
      t.sim.release();
      if (r.ok) throw err;
    }
    expect(r.ok).toBe(false);
    expect(['durability', 'recovery', 'acknowledged writes', 'linearizability', 'state-machine safety', 'log matching']).toContain(r.violation!.check);
  });

  it('a nondeterministic FSM on one server is caught by state-machine safety', async () => {
    const t = Scenario.start({ name: 'nondeterministic fsm', nodes: 3, profile: (p) => ({ ...p, nondeterministicFsmOn: 1 }) });
    await t.elect();
    await expect(t.writes(20)).rejects.toThrow(/state-machine safety/);
    t.sim.release();
  });
});

describe('Checker', () => {
  /** Servers that are not running: the rules below need only the events. */
  const down = (): SimNode[] => [0, 1, 2].map(() => ({ wal: undefined, host: undefined }) as unknown as SimNode);

  it('two leaders in one term violate election safety', () => {
    const c = new Checker(down());
    c.leaderChanged(0, { term: 4, role: 'leader', leaderId: 'n0', leaderAddress: undefined, isLeader: true });
    c.leaderChanged(0, { term: 5, role: 'follower', leaderId: 'n1', leaderAddress: undefined, isLeader: false });
    expect(c.violation).toBeUndefined();
    c.leaderChanged(1, { term: 4, role: 'leader', leaderId: 'n1', leaderAddress: undefined, isLeader: true });
    expect(c.violation?.check).toBe('election safety');
  });

  it('different entries or chains at one index violate state-machine safety', () => {
    const entry = (term: number, data: string): FsmEntry => ({ index: 7, term, kind: 'command', data: new TextEncoder().encode(data) });
    const c = new Checker(down());
    c.fsmObserver(0).applied(entry(2, 'x'), 'chain-a', 'digest-a');
    c.fsmObserver(1).applied(entry(2, 'x'), 'chain-a', 'digest-a');
    expect(c.violation).toBeUndefined();
    c.fsmObserver(2).applied(entry(3, 'y'), 'chain-b', 'digest-b');
    expect(c.violation?.check).toBe('state-machine safety');
  });

  it('a snapshot restored with another chain than the entry applied at its index is a violation', () => {
    const c = new Checker(down());
    c.fsmObserver(0).applied({ index: 9, term: 2, kind: 'noop', data: new Uint8Array(0) }, 'chain-9', 'digest-9');
    c.fsmObserver(1).restored({ index: 9, term: 2 }, 'chain-9', 'digest-9');
    expect(c.violation).toBeUndefined();
    c.fsmObserver(2).restored({ index: 9, term: 2 }, 'chain-x', 'digest-9');
    expect(c.violation?.check).toBe('state-machine safety');
  });
});
