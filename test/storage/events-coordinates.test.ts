// User events (a replicated ring of the newest 256), coordinates (dropped for unknown nodes,
// removed with their node) and the per-service scoping of check changes.
import { describe, expect, it } from 'vitest';
import { MAX_EVENTS, validateCommand, type Command, type CoordinateSpec } from '../../storage/commands.ts';
import { restoreState } from '../../storage/snapshot.ts';
import { watchFor } from '../../storage/state-store.ts';
import { b64, checkSpec, harness, register, serviceSpec, tempDir } from './harness.ts';
import { openState } from '../../storage/open-state.ts';
import { join } from 'node:path';

const uuid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const fire = (i: number, name = `ev${i}`, payload: string | null = null): Command => ({
  type: 'event.fire',
  event: { id: uuid(i), name, payload: payload === null ? null : b64(payload), nodeFilter: '', serviceFilter: '', tagFilter: '', version: 1 },
});
const coord = (x: number): CoordinateSpec => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 });

describe('event.fire', () => {
  it('assigns increasing LTimes, keeps payloads, and lists oldest first', () => {
    const h = harness();
    expect(h.apply(fire(1, 'deploy', 'v1'))).toEqual({ ltime: 1 });
    expect(h.apply(fire(2, 'deploy'))).toEqual({ ltime: 2 });
    const { index, events } = h.store.eventList();
    expect(index).toBe(2);
    expect(events.map((e) => [e.id, e.name, e.ltime, e.payload === null ? null : Buffer.from(e.payload).toString()])).toEqual([
      [uuid(1), 'deploy', 1, 'v1'],
      [uuid(2), 'deploy', 2, null],
    ]);
    h.close();
  });

  it('keeps only the newest MAX_EVENTS; LTime keeps counting past the trim', () => {
    const h = harness();
    h.applyAll(Array.from({ length: MAX_EVENTS + 10 }, (_, i) => fire(i + 1)));
    const { events } = h.store.eventList();
    expect(events).toHaveLength(MAX_EVENTS);
    expect(events[0]!.ltime).toBe(11);
    expect(events.at(-1)!.ltime).toBe(MAX_EVENTS + 10);
    expect(h.apply(fire(999))).toEqual({ ltime: MAX_EVENTS + 11 });
    h.close();
  });

  it('wakes event-list waiters and survives a snapshot round trip', async () => {
    const src = harness();
    const w = src.hub.watch(watchFor.eventList());
    src.apply(fire(1, 'a', 'x'));
    expect(await w.fired).toBe('changed');
    const chunks: Uint8Array[] = [];
    const snap = src.fsm.snapshot();
    await snap.write(async (c) => void chunks.push(c));
    snap.release();
    const { dir, cleanup } = tempDir();
    const dst = openState(join(dir, 'state.db'));
    await restoreState(dst.db, (async function* () { yield* chunks; })(), src.fsm.applied());
    expect(dst.store.eventList().events.map((e) => e.id)).toEqual([uuid(1)]);
    dst.close();
    src.close();
    cleanup();
  });

  it('validation refuses a malformed event before it could reach the log', () => {
    expect(validateCommand({ type: 'event.fire', event: { id: 'nope', name: 'x', payload: null, nodeFilter: '', serviceFilter: '', tagFilter: '', version: 1 } })).toMatch(/invalid event ID/);
    expect(validateCommand({ type: 'event.fire', event: { id: uuid(1), name: '', payload: null, nodeFilter: '', serviceFilter: '', tagFilter: '', version: 1 } })).toBe('User event missing name');
  });
});

describe('coordinate.batch-update', () => {
  it('stores coordinates of known nodes, drops unknown ones, writes nothing when unchanged', () => {
    const h = harness();
    h.apply(register('n1'));
    const r = h.apply({ type: 'coordinate.batch-update', updates: [{ node: 'N1', segment: '', coord: coord(1) }, { node: 'ghost', segment: '', coord: coord(2) }] });
    expect(r).toEqual({ updated: 1 });
    expect(h.store.coordinateList()).toEqual({ index: 2, coordinates: [{ node: 'n1', segment: '', coord: coord(1), modifyIndex: 2 }] });
    expect(h.apply({ type: 'coordinate.batch-update', updates: [{ node: 'n1', segment: '', coord: coord(1) }] })).toEqual({ updated: 0 });
    expect(h.store.coordinateList().index).toBe(2);
    h.close();
  });

  it('a deregistered node takes its coordinates with it', () => {
    const h = harness();
    h.apply(register('n1'));
    h.apply({ type: 'coordinate.batch-update', updates: [{ node: 'n1', segment: '', coord: coord(1) }] });
    h.apply({ type: 'catalog.deregister', node: 'n1', serviceId: null, checkId: null });
    expect(h.store.coordinateList().coordinates).toEqual([]);
    expect(h.store.coordinatesOfNode('n1').coordinates).toEqual([]);
    h.close();
  });

  it('validation refuses coordinates of the wrong dimensionality or with non-finite numbers', () => {
    const bad = { ...coord(1), Vec: [1, 2] };
    expect(validateCommand({ type: 'coordinate.batch-update', updates: [{ node: 'n1', segment: '', coord: bad }] })).toBe('invalid coordinate');
    expect(validateCommand({ type: 'coordinate.batch-update', updates: [{ node: 'n1', segment: '', coord: { ...coord(1), Error: Number.NaN } }] })).toBe('invalid coordinate');
  });
});

describe('per-service check scoping', () => {
  it('a service check moves only its own service index; a node check moves every service on the node', async () => {
    const h = harness();
    h.apply(register('n1', { service: serviceSpec('web') }));
    h.apply(register('n1', { service: serviceSpec('db') }));
    h.apply(register('n1', { checks: [checkSpec('n1', 'web-check', { serviceId: 'web' })] }));
    const dbIndex = h.store.healthInstances('db').index;
    const db = h.hub.watch(watchFor.healthInstances('db'));
    const web = h.hub.watch(watchFor.healthInstances('web'));
    h.apply(register('n1', { checks: [checkSpec('n1', 'web-check', { serviceId: 'web', status: 'critical' })] }));
    expect(h.store.healthInstances('db').index).toBe(dbIndex);
    expect(await Promise.race([db.fired, new Promise((r) => setImmediate(() => r(null)))])).toBeNull();
    expect(h.store.healthInstances('web').index).toBe(h.fsm.applied().index);
    expect(await web.fired).toBe('changed');
    h.apply(register('n1', { checks: [checkSpec('n1', 'serfHealth', { status: 'critical' })] }));
    expect(await db.fired).toBe('changed');
    expect(h.store.healthInstances('db').index).toBe(h.fsm.applied().index);
    h.close();
  });
});
