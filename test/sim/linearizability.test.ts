// The WGL linearizability checker (test/support/linearizability.ts) on hand-made register
// histories, and against a brute-force search over all orders on small random histories.
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../consensus/raft/index.ts';
import { checkLinearizable, pruneUnobservedWrites, registerModel, type RegisterInput, type RegisterOp, type RegisterOutput } from '../support/linearizability.ts';

let nextId = 0;
function op(call: number, ret: number | null, input: RegisterInput, output?: RegisterOutput): RegisterOp {
  return { id: nextId++, client: 0, input, output, call, ret };
}
const put = (v: string): RegisterInput => ({ kind: 'put', value: v });
const get: RegisterInput = { kind: 'get' };
const got = (v: string | null): RegisterOutput => ({ kind: 'get', value: v });
const prev = (v: string | null): RegisterOutput => ({ kind: 'put', prev: v });

describe('checkLinearizable (register)', () => {
  it('accepts a sequential history and overlapping operations in either order', () => {
    expect(checkLinearizable(registerModel, [op(1, 2, put('a'), prev(null)), op(3, 4, get, got('a'))]).ok).toBe(true);
    // b's put overlaps the read: the read may see a or b.
    const h = [op(1, 2, put('a'), prev(null)), op(3, 6, put('b'), prev('a')), op(4, 5, get, got('b'))];
    expect(checkLinearizable(registerModel, h).ok).toBe(true);
    const h2 = [op(1, 2, put('a'), prev(null)), op(3, 6, put('b'), prev('a')), op(4, 5, get, got('a'))];
    expect(checkLinearizable(registerModel, h2).ok).toBe(true);
  });

  it('rejects a stale read after the write returned, and explains it', () => {
    const h = [op(1, 2, put('a'), prev(null)), op(3, 4, put('b'), prev('a')), op(5, 6, get, got('a'))];
    const r = checkLinearizable(registerModel, h);
    expect(r.ok).toBe(false);
    if (r.ok === false) {
      expect(r.explanation).toContain('not linearizable');
      expect(r.explanation).toContain('get() -> a');
    }
  });

  it('an unknown write may take effect late, or never', () => {
    const late = [op(1, null, put('x')), op(2, 3, get, got(null)), op(4, 5, get, got('x'))];
    expect(checkLinearizable(registerModel, late).ok).toBe(true);
    const never = [op(1, null, put('x')), op(2, 3, get, got(null)), op(4, 5, get, got(null))];
    expect(checkLinearizable(registerModel, never).ok).toBe(true);
    // But it cannot be undone once observed.
    const flicker = [op(1, null, put('x')), op(2, 3, get, got('x')), op(4, 5, get, got(null))];
    expect(checkLinearizable(registerModel, flicker).ok).toBe(false);
  });

  it('checks CAS outcomes against the state', () => {
    const ok = [op(1, 2, put('a'), prev(null)), op(3, 4, { kind: 'cas', expect: 'a', value: 'b' }, { kind: 'cas', ok: true, prev: 'a' }), op(5, 6, get, got('b'))];
    expect(checkLinearizable(registerModel, ok).ok).toBe(true);
    const wrong = [op(1, 2, put('a'), prev(null)), op(3, 4, { kind: 'cas', expect: 'a', value: 'b' }, { kind: 'cas', ok: false, prev: 'a' })];
    expect(checkLinearizable(registerModel, wrong).ok).toBe(false);
  });

  it('gives up with "unknown" at its step bound', () => {
    const h: RegisterOp[] = [];
    for (let i = 0; i < 12; i++) h.push(op(1 + i, null, put(`v${i}`)));
    h.push(op(100, 101, get, got('nothing-wrote-this')));
    expect(checkLinearizable(registerModel, h, { maxSteps: 50 }).ok).toBe('unknown');
    expect(checkLinearizable(registerModel, h).ok).toBe(false);
  });

  it('pruning unknown writes nobody observed keeps the verdict (brute force on random histories with CAS)', () => {
    const rng = createRng('lin-prune');
    let pruned = 0;
    for (let k = 0; k < 400; k++) {
      const h = randomHistory(rng, true);
      const p = pruneUnobservedWrites(h);
      pruned += h.length - p.length;
      expect(bruteForce(p), JSON.stringify(h)).toBe(bruteForce(h));
    }
    expect(pruned).toBeGreaterThan(50);
  });

  it('agrees with a brute-force search on small random histories', () => {
    const rng = createRng('lin-diff');
    let refuted = 0;
    for (let k = 0; k < 300; k++) {
      const h = randomHistory(rng);
      const expected = bruteForce(h);
      if (!expected) refuted++;
      expect(checkLinearizable(registerModel, h).ok, JSON.stringify(h)).toBe(expected);
    }
    expect(refuted).toBeGreaterThan(20);
  });
});

/**
 * Up to 6 overlapping operations with outputs drawn at random (some impossible). Written values
 * are unique (`<letter><op number>`); outputs name values of other operations or null.
 */
function randomHistory(rng: Rng, withCas = false): RegisterOp[] {
  const n = 2 + rng.int(5);
  const value = (): string | null => (rng.chance(1, 4) ? null : `v${rng.int(n)}`);
  return Array.from({ length: n }, (_, i) => {
    const call = rng.int(20) * 2 + 1;
    const ret = rng.chance(1, withCas ? 3 : 6) ? null : call + 1 + rng.int(12) * 2;
    const kind = rng.int(withCas ? 3 : 2);
    if (kind === 0) return { id: i, client: i, input: put(`v${i}`), output: ret === null ? undefined : prev(value()), call, ret };
    if (kind === 1) return { id: i, client: i, input: get, output: ret === null ? undefined : got(value()), call, ret };
    const input: RegisterInput = { kind: 'cas', expect: value(), value: `v${i}` };
    const output: RegisterOutput | undefined = ret === null ? undefined : { kind: 'cas', ok: rng.chance(1, 2), prev: value() };
    return { id: i, client: i, input, output, call, ret };
  });
}

/** Tries every subset of unknown operations and every order respecting real time. */
function bruteForce(h: readonly RegisterOp[]): boolean {
  const search = (done: Set<number>, state: string | null): boolean => {
    if (h.every((o, i) => done.has(i) || o.ret === null)) return true;
    for (let i = 0; i < h.length; i++) {
      if (done.has(i)) continue;
      const o = h[i]!;
      // o may go next only if no pending operation returned before o was invoked.
      if (h.some((p, j) => !done.has(j) && j !== i && p.ret !== null && p.ret < o.call)) continue;
      const next = registerModel.step(state, o.input, o.output);
      if (next === undefined) continue;
      if (search(new Set([...done, i]), next)) return true;
    }
    return false;
  };
  return search(new Set(), null);
}
