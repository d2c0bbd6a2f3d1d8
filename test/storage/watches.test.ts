// Triggers → change feed → watch hub: which rows a write produces, and that the hub wakes
// exactly the matching waiters (no scan: 10 000 waiters on distinct keys, one write, one wake).
import { describe, expect, it } from 'vitest';
import type { FeedRow } from '../../storage/types.ts';
import { watchFor } from '../../storage/state-store.ts';
import { WatchHub } from '../../storage/watch-hub.ts';
import type { WakeReason, Watch } from '../../storage/watch-hub.ts';
import { checkSpec, harness, kvDelete, kvDeleteTree, kvSet, register, serviceSpec } from './harness.ts';

/** Whether a watch has fired, observed without waiting (its promise settles in a microtask). */
async function fired(w: Watch): Promise<WakeReason | null> {
  return Promise.race([w.fired, new Promise<null>((r) => setImmediate(() => r(null)))]);
}

describe('change feed', () => {
  it('KV writes emit (index, table, key) rows, tombstones emit their own; the feed is drained each batch', () => {
    const h = harness();
    h.applyAll([kvSet('a'), kvSet('b')]);
    h.apply(kvDelete('a'));
    h.apply(kvSet('b'));
    expect(h.feed).toEqual([
      [{ index: 1, table: 'kvs', key: 'a' }, { index: 2, table: 'kvs', key: 'b' }],
      [{ index: 3, table: 'kvs', key: 'a' }, { index: 3, table: 'tombstones', key: 'a' }],
      [],
    ]);
    expect(h.db.sqlite.prepare('SELECT count(*) FROM change_feed').pluck().get()).toBe(0);
    h.close();
  });

  it('catalog writes emit node and per-service scopes and bump per-service index rows', () => {
    const h = harness();
    h.apply(register('Node-A', { service: serviceSpec('Web') }));
    expect(new Set(h.feed[0]!.map((r: FeedRow) => `${r.table}:${r.key}`))).toEqual(
      new Set(['nodes:node-a', 'node:node-a', 'services:web', 'service:web']),
    );
    h.apply(register('Node-A', { checks: [checkSpec('Node-A', 'serfHealth')] }));
    expect(new Set(h.feed[1]!.map((r: FeedRow) => `${r.table}:${r.key}`))).toEqual(new Set(['checks:node-a', 'node:node-a', 'service:web']));
    expect(h.store.tableIndex('service.web', 'checks', 'nodes', 'services')).toBe(2);
    expect(h.store.tableIndex('service.web')).toBe(2);
    h.close();
  });
});

describe('watch hub', () => {
  it('with 10 000 waiters on distinct keys, one write wakes exactly one', async () => {
    const h = harness();
    const N = 10_000;
    const watches = Array.from({ length: N }, (_, i) => h.hub.watch(watchFor.kvGet(`key/${i}`)));
    expect(h.hub.size()).toBe(N);
    h.apply(kvSet('key/4242', 'x'));
    expect(h.hub.size()).toBe(N - 1);
    expect(await fired(watches[4242]!)).toBe('changed');
    expect(await fired(watches[4241]!)).toBeNull();
    for (const w of watches) w.cancel();
    expect(h.hub.size()).toBe(0);
    h.close();
  });

  it('prefix waiters wake on any key under their prefix, only theirs, and on tombstones', async () => {
    const hub = new WatchHub();
    const web = hub.watch(watchFor.kvList('web/'));
    const we = hub.watch([{ table: 'kvs', prefix: 'we' }]);
    const db = hub.watch(watchFor.kvList('db/'));
    const all = hub.watch(watchFor.kvList(''));
    hub.publish([{ index: 5, table: 'kvs', key: 'web/a/b' }]);
    expect([await fired(web), await fired(we), await fired(db), await fired(all)]).toEqual(['changed', 'changed', null, 'changed']);
    hub.publish([{ index: 6, table: 'tombstones', key: 'db/x' }]);
    expect(await fired(db)).toBe('changed');
    expect(hub.size()).toBe(0);
  });

  it('table waiters wake on any key; other tables never wake them', async () => {
    const hub = new WatchHub();
    const sessions = hub.watch(watchFor.sessionList());
    const kvKey = hub.watch(watchFor.kvGet('sessions'));
    hub.publish([{ index: 1, table: 'kvs', key: 'x' }]);
    expect(await fired(sessions)).toBeNull();
    hub.publish([{ index: 2, table: 'sessions', key: 'abc' }]);
    expect(await fired(sessions)).toBe('changed');
    expect(await fired(kvKey)).toBeNull();
    kvKey.cancel();
    expect(hub.size()).toBe(0);
  });

  it('a cancelled watch never fires; abandon wakes everyone with "abandoned"', async () => {
    const hub = new WatchHub();
    const gone = hub.watch(watchFor.kvGet('a'));
    gone.cancel();
    const a = hub.watch(watchFor.kvGet('a'));
    const b = hub.watch(watchFor.kvList('p/'));
    const c = hub.watch(watchFor.nodeList());
    hub.publish([{ index: 1, table: 'kvs', key: 'a' }]);
    expect(await fired(gone)).toBeNull();
    expect(await fired(a)).toBe('changed');
    hub.abandon();
    expect([await fired(b), await fired(c)]).toEqual(['abandoned', 'abandoned']);
    expect(hub.size()).toBe(0);
  });

  it('delete-tree wakes every single-key waiter under the prefix', async () => {
    const h = harness();
    h.applyAll([kvSet('t/1'), kvSet('t/2'), kvSet('u/1')]);
    const w1 = h.hub.watch(watchFor.kvGet('t/1'));
    const w2 = h.hub.watch(watchFor.kvGet('t/2'));
    const w3 = h.hub.watch(watchFor.kvGet('u/1'));
    h.apply(kvDeleteTree('t/'));
    expect([await fired(w1), await fired(w2), await fired(w3)]).toEqual(['changed', 'changed', null]);
    w3.cancel();
    h.close();
  });

  it('a service waiter wakes on its own service and on node-level checks of its nodes, not on other services', async () => {
    const h = harness();
    h.applyAll([register('n1', { service: serviceSpec('web') }), register('n2', { service: serviceSpec('db') })]);
    const web = h.hub.watch(watchFor.healthInstances('WEB'));
    h.apply(register('n2', { service: serviceSpec('db', { port: 1 }) }));
    expect(await fired(web)).toBeNull();
    h.apply(register('n1', { checks: [checkSpec('n1', 'serfHealth', { status: 'critical' })] }));
    expect(await fired(web)).toBe('changed');
    h.close();
  });
});
