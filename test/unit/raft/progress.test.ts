// Flow control: the bounded inflight window and the probe/replicate/snapshot state machine
// (etcd-io/raft tracker/progress.go semantics).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Inflights, Progress } from '../../../consensus/raft/progress.ts';
import type { Index } from '../../../consensus/raft/index.ts';

const i = (x: number): Index => x as Index;

describe('Inflights', () => {
  it('fills up by count, frees by acknowledged index, and wraps around', () => {
    const inf = new Inflights(3, 1000);
    inf.add(5, 10);
    inf.add(7, 10);
    inf.add(9, 10);
    expect(inf.full()).toBe(true);
    expect(() => inf.add(10, 1)).toThrow(/full/);
    inf.freeLE(7);
    expect(inf.count).toBe(1);
    inf.add(11, 10);
    inf.add(13, 10);
    expect(inf.full()).toBe(true);
    inf.freeLE(12);
    expect(inf.count).toBe(1);
    expect(inf.bytes).toBe(10);
  });

  it('fills up by bytes', () => {
    const inf = new Inflights(10, 100);
    inf.add(1, 60);
    expect(inf.full()).toBe(false);
    inf.add(2, 60);
    expect(inf.full()).toBe(true);
    inf.freeFirst();
    expect(inf.full()).toBe(false);
    expect(inf.bytes).toBe(60);
  });

  it('rejects indexes out of order', () => {
    const inf = new Inflights(4, 100);
    inf.add(5, 1);
    expect(() => inf.add(5, 1)).toThrow(/not after/);
  });

  it('matches a simple array model', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), bytes: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('free' as const), upTo: fc.integer({ min: 0, max: 200 }) }),
      fc.record({ kind: fc.constant('first' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const inf = new Inflights(5, 100);
        let model: { index: number; bytes: number }[] = [];
        let next = 1;
        for (const o of ops) {
          if (o.kind === 'add') {
            if (inf.full()) continue;
            inf.add(next, o.bytes);
            model.push({ index: next, bytes: o.bytes });
            next += 3;
          } else if (o.kind === 'free') {
            inf.freeLE(o.upTo);
            model = model.filter((m) => m.index > o.upTo);
          } else {
            inf.freeFirst();
            model = model.slice(1);
          }
          const bytes = model.reduce((a, m) => a + m.bytes, 0);
          expect(inf.count).toBe(model.length);
          expect(inf.bytes).toBe(bytes);
          expect(inf.full()).toBe(model.length === 5 || bytes >= 100);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Progress', () => {
  const make = (): Progress => new Progress(i(11), true, 4, 1 << 20);

  it('probe sends one append at a time until answered', () => {
    const pr = make();
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(2, i(12), 20);
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeUpdate(i(12))).toBe(true);
    expect(pr.isPaused()).toBe(false);
  });

  it('replicate pipelines optimistically and pauses when the window is full', () => {
    const pr = make();
    pr.maybeUpdate(i(10));
    pr.becomeReplicate();
    expect(pr.next).toBe(11);
    for (let k = 0; k < 4; k++) pr.sentEntries(1, i(11 + k), 10);
    expect(pr.next).toBe(15);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(i(12));
    pr.inflights.freeLE(12);
    expect(pr.isPaused()).toBe(false);
  });

  it('a rejection in replicate state falls back to match + 1; stale ones are ignored', () => {
    const pr = make();
    pr.maybeUpdate(i(10));
    pr.becomeReplicate();
    pr.sentEntries(5, i(15), 50);
    expect(pr.maybeDecrTo(i(9), i(9))).toBe(false);
    expect(pr.maybeDecrTo(i(13), i(12))).toBe(true);
    expect(pr.next).toBe(11);
  });

  it('a rejection in probe state uses the hint but never goes below match + 1', () => {
    const pr = make();
    pr.maybeUpdate(i(3));
    pr.next = i(11);
    expect(pr.maybeDecrTo(i(7), i(5))).toBe(false); // answers an older probe
    expect(pr.maybeDecrTo(i(10), i(6))).toBe(true);
    expect(pr.next).toBe(7);
    pr.next = i(7);
    expect(pr.maybeDecrTo(i(6), i(0))).toBe(true);
    expect(pr.next).toBe(4);
  });

  it('snapshot state pauses until done, then probes after the snapshot', () => {
    const pr = make();
    pr.becomeSnapshot(i(50));
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(51);
    pr.becomeSnapshot(i(60));
    pr.pendingSnapshot = i(0); // failed
    pr.becomeProbe();
    expect(pr.next).toBe(pr.match + 1);
  });

  it('stale acknowledgements do not move match back', () => {
    const pr = make();
    expect(pr.maybeUpdate(i(8))).toBe(true);
    expect(pr.maybeUpdate(i(5))).toBe(false);
    expect(pr.match).toBe(8);
    expect(pr.next).toBe(11);
  });
});
