// The blocking-query loop over a real state: wakes on a matching write (and only then),
// returns the current result at the deadline, on abort and after a restore.
import { describe, expect, it } from 'vitest';
import { blockingQuery } from '../../storage/blocking-query.ts';
import type { WaitTimer } from '../../storage/blocking-query.ts';
import { watchFor } from '../../storage/state-store.ts';
import { harness, kvSet } from './harness.ts';

/** A timer the test fires by hand (the only timer the loop uses). */
function manualTimer(): { timer: WaitTimer; fire: () => void; armed: () => number; lastMs: () => number } {
  const pending = new Set<() => void>();
  let last = -1;
  return {
    timer: (ms, fire) => {
      last = ms;
      pending.add(fire);
      return () => pending.delete(fire);
    },
    fire: () => {
      const all = [...pending];
      pending.clear();
      for (const f of all) f();
    },
    armed: () => pending.size,
    lastMs: () => last,
  };
}

/** Lets pending promise reactions run (one macrotask turn). */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function track<T>(p: Promise<T>): { settled: () => boolean; value: Promise<T> } {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  return { settled: () => done, value: p };
}

describe('blockingQuery', () => {
  it('minIndex 0 does not block and registers nothing', async () => {
    const h = harness();
    const t = manualTimer();
    const r = await blockingQuery(h.hub, { minIndex: 0, waitMs: 1000, watch: watchFor.kvGet('k'), run: () => h.store.kvGet('k'), timer: t.timer });
    expect(r).toEqual({ index: 1, entry: null });
    expect(t.armed()).toBe(0);
    expect(h.hub.size()).toBe(0);
    h.close();
  });

  it('returns at once when the index already passed minIndex', async () => {
    const h = harness();
    h.applyAll([kvSet('k', 'a'), kvSet('other')]);
    const t = manualTimer();
    const r = await blockingQuery(h.hub, { minIndex: 0.5, waitMs: 1000, watch: watchFor.kvGet('k'), run: () => h.store.kvGet('k'), timer: t.timer });
    expect(r.index).toBe(1);
    expect(h.hub.size()).toBe(0);
    expect(t.armed()).toBe(0);
    h.close();
  });

  it('blocks until its key changes; writes to other keys do not wake it', async () => {
    const h = harness();
    h.applyAll([kvSet('k', 'a'), kvSet('other')]);
    const t = manualTimer();
    let runs = 0;
    const q = track(blockingQuery(h.hub, {
      minIndex: 1, waitMs: 300_000, watch: watchFor.kvGet('k'), timer: t.timer,
      run: () => { runs++; return h.store.kvGet('k'); },
    }));
    await turn();
    expect(q.settled()).toBe(false);
    expect(t.lastMs()).toBe(300_000);
    h.apply(kvSet('other', 'changed'));
    await turn();
    expect(q.settled()).toBe(false);
    expect(runs).toBe(1);
    h.apply(kvSet('k', 'b'));
    const r = await q.value;
    expect(r.index).toBe(4);
    expect(runs).toBe(2);
    expect(t.armed()).toBe(0);
    expect(h.hub.size()).toBe(0);
    h.close();
  });

  it('a spurious wake (write that leaves the index) re-waits; the deadline returns the current result', async () => {
    const h = harness();
    h.apply(kvSet('k', 'a'));
    const t = manualTimer();
    const q = track(blockingQuery(h.hub, { minIndex: 1, waitMs: 10, watch: watchFor.kvGet('k'), run: () => h.store.kvGet('k'), timer: t.timer }));
    await turn();
    h.apply(kvSet('k', 'a')); // identical: no row change, no wake
    await turn();
    expect(q.settled()).toBe(false);
    t.fire();
    const r = await q.value;
    expect(r).toMatchObject({ index: 1, entry: { key: 'k' } });
    expect(h.hub.size()).toBe(0);
    h.close();
  });

  it('an abort returns the last result and unregisters', async () => {
    const h = harness();
    h.apply(kvSet('k', 'a'));
    const t = manualTimer();
    const ac = new AbortController();
    const q = blockingQuery(h.hub, { minIndex: 5, waitMs: 1000, watch: watchFor.kvGet('k'), run: () => h.store.kvGet('k'), timer: t.timer, signal: ac.signal });
    await turn();
    ac.abort();
    expect((await q).index).toBe(1);
    expect(h.hub.size()).toBe(0);
    expect(t.armed()).toBe(0);
    h.close();
  });

  it('a write during an async run is not lost (the watch is registered before the read)', async () => {
    const h = harness();
    h.apply(kvSet('k', 'a'));
    const t = manualTimer();
    let first = true;
    const q = blockingQuery(h.hub, {
      minIndex: 1, waitMs: 1000, watch: watchFor.kvGet('k'), timer: t.timer,
      run: async () => {
        const r = h.store.kvGet('k');
        if (first) {
          first = false;
          // The key changes after this read but before the loop starts waiting.
          await turn();
          h.apply(kvSet('k', 'b'));
        }
        return r;
      },
    });
    expect((await q).index).toBe(2);
    h.close();
  });

  it('a client index beyond the server index blocks until the state passes it', async () => {
    const h = harness();
    h.apply(kvSet('p/a'));
    const t = manualTimer();
    const q = track(blockingQuery(h.hub, { minIndex: 2, waitMs: 1000, watch: watchFor.kvList('p/'), run: () => h.store.kvList('p/'), timer: t.timer }));
    h.apply(kvSet('p/b'));
    await turn();
    expect(q.settled()).toBe(false);
    h.apply(kvSet('p/c'));
    expect((await q.value).index).toBe(3);
    h.close();
  });

  it('closing the state (abandon) returns the current result', async () => {
    const h = harness();
    h.apply(kvSet('k'));
    const t = manualTimer();
    const q = blockingQuery(h.hub, { minIndex: 1, waitMs: 1000, watch: watchFor.kvGet('k'), run: () => h.store.kvGet('k'), timer: t.timer });
    await turn();
    h.hub.abandon();
    expect((await q).index).toBe(1);
    h.close();
  });
});
