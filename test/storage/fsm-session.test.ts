// Sessions (consul-api.md §3): creation validates node and checks with Consul's error texts;
// every invalidation path releases or deletes held keys and reports their lock-delay.
import { describe, expect, it } from 'vitest';
import type { ResultOf } from '../../storage/commands.ts';
import {
  SESSION_A, SESSION_B, checkSpec, harness, kvLock, kvSet, register, selfRegister, serviceSpec, sessionCreate, text,
} from './harness.ts';

describe('session.create', () => {
  it('fails with "Missing node registration" before self-registration and succeeds after', () => {
    const h = harness();
    expect(h.apply(sessionCreate(SESSION_A, 'server-1'))).toEqual({ error: 'Missing node registration' });
    expect(h.store.sessionList().sessions).toEqual([]);
    expect(h.apply(selfRegister('server-1'))).toEqual({ ok: true, invalidated: [], lockDelays: [] });
    expect(h.apply(sessionCreate(SESSION_A, 'server-1'))).toEqual({ id: SESSION_A });
    const { session, index } = h.store.sessionGet(SESSION_A);
    expect(index).toBe(3);
    expect(session).toEqual({
      id: SESSION_A, name: '', node: 'server-1', lockDelayNs: 15_000_000_000, behavior: 'release', ttl: '',
      nodeChecks: ['serfHealth'], serviceChecks: null, createIndex: 3, modifyIndex: 3,
    });
    // The consul service and its node are in the catalog.
    expect(h.store.nodeServices('SERVER-1').services.map((s) => [s.id, s.port])).toEqual([['consul', 8300]]);
    h.close();
  });

  it.each([
    { name: 'missing node check', nodeChecks: ['nope'], error: "Missing check 'nope' registration" },
    { name: 'critical node check', nodeChecks: ['bad'], error: "Check 'bad' is in critical state" },
    { name: 'missing service check', nodeChecks: [], serviceChecks: [{ id: 'svc-x', namespace: '' }], error: "Missing check 'svc-x' registration" },
  ])('refuses a $name', ({ nodeChecks, serviceChecks, error }) => {
    const h = harness();
    h.apply(register('n1', { checks: [checkSpec('n1', 'serfHealth'), checkSpec('n1', 'bad', { status: 'critical' })] }));
    expect(h.apply(sessionCreate(SESSION_A, 'n1', { nodeChecks, serviceChecks: serviceChecks ?? null }))).toEqual({ error });
    expect(h.store.sessionList().sessions).toEqual([]);
    h.close();
  });

  it('accepts warning checks, no checks at all, and service checks; matches names case-insensitively', () => {
    const h = harness();
    h.apply(register('Node-1', {
      service: serviceSpec('web'),
      checks: [checkSpec('Node-1', 'warn', { status: 'warning' }), checkSpec('Node-1', 'web-alive', { serviceId: 'web' })],
    }));
    expect(h.apply(sessionCreate(SESSION_A, 'node-1', { nodeChecks: ['WARN'] }))).toEqual({ id: SESSION_A });
    expect(h.apply(sessionCreate(SESSION_B, 'NODE-1', { nodeChecks: null, serviceChecks: [{ id: 'web-alive', namespace: '' }] }))).toEqual({ id: SESSION_B });
    expect(h.store.sessionsByNode('node-1').sessions.map((s) => s.id)).toEqual([SESSION_A, SESSION_B]);
    h.close();
  });
});

describe('session invalidation', () => {
  function lockedSetup(behavior: 'release' | 'delete', lockDelayNs = 15_000_000_000) {
    const h = harness();
    h.applyAll([
      register('n1', { service: serviceSpec('web'), checks: [checkSpec('n1', 'serfHealth'), checkSpec('n1', 'web-ok', { serviceId: 'web' })] }),
      sessionCreate(SESSION_A, 'n1', { behavior, lockDelayNs, serviceChecks: [{ id: 'web-ok', namespace: '' }] }),
      kvLock('locks/a', SESSION_A, 'va'),
      kvLock('locks/b', SESSION_A, 'vb'),
      kvSet('other', 'x'),
    ]);
    return h;
  }

  it('destroy with Behavior=release clears Session, keeps value and LockIndex, bumps ModifyIndex', () => {
    const h = lockedSetup('release');
    const r = h.apply<ResultOf<'session.destroy'>>({ type: 'session.destroy', id: SESSION_A });
    expect(r).toEqual({
      destroyed: true, invalidated: [SESSION_A],
      lockDelays: [{ key: 'locks/a', delayMs: 15_000 }, { key: 'locks/b', delayMs: 15_000 }],
    });
    const { entry } = h.store.kvGet('locks/a');
    expect([text(entry!.value), entry!.session, entry!.lockIndex, entry!.modifyIndex]).toEqual(['va', null, 1, 6]);
    expect(h.store.sessionGet(SESSION_A).session).toBeNull();
    // Destroying again is a no-op.
    expect(h.apply({ type: 'session.destroy', id: SESSION_A })).toEqual({ destroyed: false, invalidated: [], lockDelays: [] });
    h.close();
  });

  it('destroy with Behavior=delete deletes held keys (with tombstones); lock-delay is capped at 60 s', () => {
    const h = lockedSetup('delete', 120_000_000_000);
    const r = h.apply<ResultOf<'session.destroy'>>({ type: 'session.destroy', id: SESSION_A });
    expect(r.lockDelays).toEqual([{ key: 'locks/a', delayMs: 60_000 }, { key: 'locks/b', delayMs: 60_000 }]);
    expect(h.store.kvKeys('', '').keys).toEqual(['other']);
    expect(h.store.kvList('locks/').index).toBe(6);
    h.close();
  });

  it('lock-delay 0 reports no delays', () => {
    const h = lockedSetup('release', 0);
    expect(h.apply<ResultOf<'session.destroy'>>({ type: 'session.destroy', id: SESSION_A }).lockDelays).toEqual([]);
    h.close();
  });

  it('node deregistration invalidates the node sessions and removes services and checks', () => {
    const h = lockedSetup('release');
    const r = h.apply({ type: 'catalog.deregister', node: 'N1', serviceId: null, checkId: null });
    expect(r).toMatchObject({ ok: true, invalidated: [SESSION_A] });
    expect(h.store.kvGet('locks/b').entry!.session).toBeNull();
    expect(h.store.nodeGet('n1').node).toBeNull();
    expect(h.store.serviceInstances('web').instances).toEqual([]);
    expect(h.store.checksInState('any').checks).toEqual([]);
    h.close();
  });

  it('check deregistration invalidates sessions bound to it; other checks do not', () => {
    const h = lockedSetup('release');
    h.apply(register('n1', { checks: [checkSpec('n1', 'unrelated')] }));
    expect(h.apply({ type: 'catalog.deregister', node: 'n1', serviceId: null, checkId: 'unrelated' })).toMatchObject({ invalidated: [] });
    expect(h.apply({ type: 'catalog.deregister', node: 'n1', serviceId: null, checkId: 'serfHealth' })).toMatchObject({ invalidated: [SESSION_A] });
    h.close();
  });

  it('service deregistration removes its checks and invalidates sessions bound to them', () => {
    const h = lockedSetup('release');
    expect(h.apply({ type: 'catalog.deregister', node: 'n1', serviceId: 'web', checkId: null })).toMatchObject({ invalidated: [SESSION_A] });
    expect(h.store.nodeChecks('n1').checks.map((c) => c.checkId)).toEqual(['serfHealth']);
    h.close();
  });

  it('a check turning critical through catalog.register invalidates; warning does not', () => {
    const h = lockedSetup('release');
    expect(h.apply(register('n1', { checks: [checkSpec('n1', 'serfHealth', { status: 'warning' })] }))).toMatchObject({ invalidated: [] });
    expect(h.store.sessionGet(SESSION_A).session).not.toBeNull();
    const r = h.apply(register('n1', { checks: [checkSpec('n1', 'web-ok', { serviceId: 'web', status: 'critical' })] }));
    expect(r).toMatchObject({ ok: true, invalidated: [SESSION_A], lockDelays: [{ key: 'locks/a', delayMs: 15_000 }, { key: 'locks/b', delayMs: 15_000 }] });
    expect(h.store.sessionList().sessions).toEqual([]);
    h.close();
  });
});
