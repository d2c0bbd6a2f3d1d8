// Transactions (consul-api.md §4): results in op order, Consul's error texts, and all-or-nothing.
import { describe, expect, it } from 'vitest';
import type { ResultOf, TxnKvOp, TxnKvVerb, TxnOp } from '../../storage/commands.ts';
import { dumpTables } from '../../storage/snapshot.ts';
import { SESSION_A, b64, checkSpec, harness, kvLock, kvSet, nodeSpec, register, selfRegister, serviceSpec, sessionCreate } from './harness.ts';

function kv(verb: TxnKvVerb, key: string, over: Partial<TxnKvOp['KV']> = {}): TxnOp {
  return { KV: { verb, key, value: null, flags: '0', index: 0, session: '', ...over } };
}

type TxnResult = ResultOf<'txn'>;

describe('txn', () => {
  it('applies write and read verbs in order with Consul result shapes', () => {
    const h = harness();
    h.apply(kvSet('pre', 'p'));
    const r = h.apply<TxnResult>({
      type: 'txn',
      ops: [
        kv('set', 'a', { value: b64('1'), flags: '5' }),
        kv('get', 'a'),
        kv('cas', 'pre', { value: b64('q'), index: 1 }),
        kv('get-or-empty', 'missing'),
        kv('check-not-exists', 'missing'),
        kv('delete', 'pre'),
        kv('get-tree', ''),
        kv('check-index', 'a', { index: 2 }),
      ],
    });
    expect(r.errors).toBeNull();
    expect(r.results).toEqual([
      { KV: { key: 'a', value: null, flags: '5', lockIndex: 0, session: null, createIndex: 2, modifyIndex: 2 } },
      { KV: { key: 'a', value: b64('1'), flags: '5', lockIndex: 0, session: null, createIndex: 2, modifyIndex: 2 } },
      { KV: { key: 'pre', value: null, flags: '0', lockIndex: 0, session: null, createIndex: 1, modifyIndex: 2 } },
      { KV: { key: 'missing', value: null, flags: '0', lockIndex: 0, session: null, createIndex: 0, modifyIndex: 0 } },
      { KV: { key: 'a', value: b64('1'), flags: '5', lockIndex: 0, session: null, createIndex: 2, modifyIndex: 2 } },
      { KV: { key: 'a', value: null, flags: '5', lockIndex: 0, session: null, createIndex: 2, modifyIndex: 2 } },
    ]);
    expect(h.store.kvKeys('', '').keys).toEqual(['a']);
    h.close();
  });

  it('any failing op rolls back everything and every failure is listed with Consul text', () => {
    const h = harness();
    h.applyAll([selfRegister('n1'), sessionCreate(SESSION_A, 'n1'), kvSet('held'), kvLock('held', SESSION_A)]);
    const before = dumpTables(h.db.sqlite);
    const r = h.apply<TxnResult>({
      type: 'txn',
      ops: [
        kv('set', 'new', { value: b64('x') }),
        kv('delete-tree', ''),
        kv('cas', 'k', { index: 7 }),
        kv('lock', 'held', { session: 'cccccccc-0000-4000-8000-000000000003' }),
        kv('get', 'no "such"'),
        kv('check-index', 'nope', { index: 1 }),
        { KV: { verb: 'frob' as TxnKvVerb, key: 'x', value: null, flags: '0', index: 0, session: '' } },
        {} as TxnOp,
        kv('delete-cas', 'nope2', { index: 3 }),
      ],
    });
    expect(r).toEqual({
      results: null,
      errors: [
        { opIndex: 2, what: 'failed to set key "k", index is stale' },
        { opIndex: 3, what: 'invalid session "cccccccc-0000-4000-8000-000000000003"' },
        { opIndex: 4, what: 'key "no \\"such\\"" doesn\'t exist' },
        { opIndex: 5, what: 'failed to check index, key "nope" doesn\'t exist' },
        { opIndex: 6, what: 'unknown KV verb "frob"' },
        { opIndex: 7, what: 'no operation specified' },
      ],
      invalidated: [],
      lockDelays: [],
    });
    const after = dumpTables(h.db.sqlite);
    // Only the applied position moved.
    expect({ ...after, meta: [] }).toEqual({ ...before, meta: [] });
    h.close();
  });

  it('lock/unlock/check-session verbs and their failure texts', () => {
    const h = harness();
    h.applyAll([selfRegister('n1'), sessionCreate(SESSION_A, 'n1')]);
    expect(h.apply<TxnResult>({ type: 'txn', ops: [kv('lock', 'l', { session: SESSION_A, value: b64('v') }), kv('check-session', 'l', { session: SESSION_A })] }).results)
      .toEqual([
        { KV: { key: 'l', value: null, flags: '0', lockIndex: 1, session: SESSION_A, createIndex: 3, modifyIndex: 3 } },
        { KV: { key: 'l', value: null, flags: '0', lockIndex: 1, session: SESSION_A, createIndex: 3, modifyIndex: 3 } },
      ]);
    const fail = h.apply<TxnResult>({
      type: 'txn',
      ops: [kv('unlock', 'l', { session: 'other' }), kv('check-session', 'l'), kv('lock', 'l', { session: '' }), kv('delete-cas', 'l', { index: 1 })],
    });
    expect(fail.errors).toEqual([
      { opIndex: 0, what: "failed to unlock key \"l\", lock isn't held, or is held by another session" },
      { opIndex: 1, what: `failed session check for key "l", current session "${SESSION_A}" != ""` },
      { opIndex: 2, what: 'missing session' },
      { opIndex: 3, what: 'failed to delete key "l", index is stale' },
    ]);
    h.close();
  });

  it('catalog ops: node/service/check set, get, cas and delete with their failure texts', () => {
    const h = harness();
    const r = h.apply<TxnResult>({
      type: 'txn',
      ops: [
        { Node: { verb: 'set', node: nodeSpec('n1'), index: 0 } },
        { Service: { verb: 'set', node: 'n1', service: serviceSpec('web'), index: 0 } },
        { Check: { verb: 'set', check: checkSpec('n1', 'c', { serviceId: 'web' }), index: 0 } },
        { Node: { verb: 'get', node: nodeSpec('N1'), index: 0 } },
      ],
    });
    expect(r.errors).toBeNull();
    expect(r.results!.map((x) => Object.keys(x)[0])).toEqual(['Node', 'Service', 'Check', 'Node']);
    expect(r.results![2]).toMatchObject({ Check: { checkId: 'c', serviceName: 'web', createIndex: 1 } });
    const fail = h.apply<TxnResult>({
      type: 'txn',
      ops: [
        { Node: { verb: 'cas', node: nodeSpec('n1', { address: '127.0.0.2' }), index: 99 } },
        { Service: { verb: 'get', node: 'n1', service: serviceSpec('nope'), index: 0 } },
        { Check: { verb: 'delete-cas', check: checkSpec('n1', 'c'), index: 5 } },
        { Node: { verb: 'get', node: nodeSpec('ghost'), index: 0 } },
        { Service: { verb: 'set', node: 'ghost', service: serviceSpec('x'), index: 0 } },
        { Node: { verb: 'bogus' as 'get', node: nodeSpec('n1'), index: 0 } },
      ],
    });
    expect(fail.errors).toEqual([
      { opIndex: 0, what: 'failed to set node "n1", index is stale' },
      { opIndex: 1, what: 'service "nope" on node "n1" doesn\'t exist' },
      { opIndex: 2, what: 'failed to delete check "c" on node "n1", index is stale' },
      { opIndex: 3, what: 'node "ghost" doesn\'t exist' },
      { opIndex: 4, what: 'Missing node registration' },
      { opIndex: 5, what: 'unknown Node verb "bogus"' },
    ]);
    const ok = h.apply<TxnResult>({ type: 'txn', ops: [{ Node: { verb: 'cas', node: nodeSpec('n1', { address: '127.0.0.2' }), index: 1 } }, { Node: { verb: 'delete', node: nodeSpec('n1'), index: 0 } }] });
    expect(ok.errors).toBeNull();
    expect(h.store.nodeList().nodes).toEqual([]);
    h.close();
  });

  it('invalidations inside a committed txn are reported; inside a rolled-back one they are not', () => {
    const h = harness();
    h.applyAll([register('n1', { checks: [checkSpec('n1', 'serfHealth')] }), sessionCreate(SESSION_A, 'n1'), kvLock('k', SESSION_A)]);
    const critical: TxnOp = { Check: { verb: 'set', check: checkSpec('n1', 'serfHealth', { status: 'critical' }), index: 0 } };
    const rolled = h.apply<TxnResult>({ type: 'txn', ops: [critical, kv('get', 'absent')] });
    expect(rolled).toMatchObject({ results: null, invalidated: [], lockDelays: [] });
    expect(h.store.sessionGet(SESSION_A).session).not.toBeNull();
    const done = h.apply<TxnResult>({ type: 'txn', ops: [critical] });
    expect(done).toMatchObject({ invalidated: [SESSION_A], lockDelays: [{ key: 'k', delayMs: 15_000 }] });
    expect(h.store.kvGet('k').entry!.session).toBeNull();
    h.close();
  });

  it('the read-only path answers reads without touching state', () => {
    const h = harness();
    h.applyAll([kvSet('a', 'x'), kvSet('b', 'y')]);
    const before = dumpTables(h.db.sqlite);
    expect(h.store.txnRead([kv('get', 'a'), kv('get-tree', 'b'), kv('check-not-exists', 'c')])).toEqual({
      index: 2,
      errors: null,
      results: [
        { KV: { key: 'a', value: b64('x'), flags: '0', lockIndex: 0, session: null, createIndex: 1, modifyIndex: 1 } },
        { KV: { key: 'b', value: b64('y'), flags: '0', lockIndex: 0, session: null, createIndex: 2, modifyIndex: 2 } },
      ],
    });
    expect(h.store.txnRead([kv('get', 'zz')])).toMatchObject({ results: null, errors: [{ opIndex: 0, what: 'key "zz" doesn\'t exist' }] });
    expect(dumpTables(h.db.sqlite)).toEqual(before);
    h.close();
  });
});
