import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TermRuns } from '../../../consensus/host/term-runs.ts';

const entries = (from: number, terms: readonly number[]) => terms.map((term, k) => ({ index: from + k, term }));

describe('TermRuns', () => {
  it('answers covered positions and nothing outside them', () => {
    const runs = new TermRuns();
    runs.add(entries(5, [1, 1, 2, 2, 2, 4]));
    expect([4, 5, 6, 7, 9, 10, 11].map((i) => runs.term(i))).toEqual([undefined, 1, 1, 2, 2, 4, undefined]);
  });

  it('forgets a replaced suffix and learns the new one', () => {
    const runs = new TermRuns();
    runs.add(entries(1, [1, 1, 2, 2]));
    runs.dropFrom(3);
    expect(runs.term(3)).toBeUndefined();
    expect(runs.term(2)).toBe(1);
    runs.add(entries(3, [3]));
    expect([1, 2, 3, 4].map((i) => runs.term(i))).toEqual([1, 1, 3, undefined]);
  });

  it('restarts coverage when an append is not contiguous, and refuses a decreasing term', () => {
    const runs = new TermRuns();
    runs.add(entries(1, [1, 2]));
    runs.add(entries(10, [3]));
    expect(runs.term(1)).toBeUndefined();
    expect(runs.term(10)).toBe(3);
    expect(() => runs.add(entries(11, [2]))).toThrow(/below/);
  });

  it('agrees with a plain array model under appends, truncations and resets', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), bumps: fc.array(fc.nat(2), { minLength: 1, maxLength: 30 }) }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat(200) }),
      fc.record({ kind: fc.constant('reset' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const runs = new TermRuns();
        let model: number[] = []; // model[i] = term at i (index 0 unused), only the covered tail is defined
        let coveredFrom = 1;
        for (const o of ops) {
          if (o.kind === 'reset') {
            runs.reset();
            model = [];
            coveredFrom = 1;
          } else if (o.kind === 'drop') {
            runs.dropFrom(o.at);
            if (o.at < model.length) model.length = Math.max(o.at, 0);
          } else {
            const from = Math.max(model.length, 1);
            if (from > model.length) coveredFrom = from;
            let term = model[model.length - 1] ?? 1;
            const es = o.bumps.map((b, k) => ({ index: from + k, term: (term += b) }));
            runs.add(es);
            for (const e of es) model[e.index] = e.term;
          }
          for (let i = 0; i < model.length + 2; i++) {
            const got = runs.term(i);
            if (got !== undefined) expect(got).toBe(model[i]);
            else if (i >= coveredFrom && i < model.length && model[i] !== undefined) expect.fail(`position ${i} lost`);
          }
        }
      }),
    );
  });
});
