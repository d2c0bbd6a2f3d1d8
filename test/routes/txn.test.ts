// PUT /v1/txn (consul-api.md §4): verbs, rollback, the read-only fast path, decoding and limits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_NAME, startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

interface KvResult { KV: { LockIndex: number; Key: string; Flags: number; Value: string | null; Session?: string; CreateIndex: number; ModifyIndex: number } }
interface TxnBody { Results: KvResult[] | null; Errors: { OpIndex: number; What: string }[] | null; [meta: string]: unknown }

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const txn = (ops: unknown, query = '') => h.request(`/v1/txn${query}`, { method: 'PUT', body: typeof ops === 'string' ? ops : JSON.stringify(ops) });
async function txnOk(ops: unknown, query = ''): Promise<TxnBody> {
  const res = await txn(ops, query);
  expect(res.status).toBe(200);
  return (await res.json()) as TxnBody;
}
const kv = (Verb: string, Key: string, more: Record<string, unknown> = {}) => ({ KV: { Verb, Key, ...more } });
const newSession = async () => ((await (await h.request('/v1/session/create', { method: 'PUT' })).json()) as { ID: string }).ID;

describe('write transactions', () => {
  it('applies every op in one Raft entry and returns results in op order', async () => {
    const before = h.applier.log.length;
    const body = await txnOk([kv('set', 'a', { Value: b64('1') }), kv('set', 'b', { Value: b64('2'), Flags: 7 }), kv('get', 'a'), kv('delete', 'zzz')]);
    expect(h.applier.log.length).toBe(before + 1);
    expect(body.Errors).toBeNull();
    expect(body.Results?.map((r) => [r.KV.Key, r.KV.Value, r.KV.Flags])).toEqual([['a', null, 0], ['b', null, 7], ['a', b64('1'), 0]]);
    const index = h.applier.log.at(-1)?.index;
    expect(body.Results?.every((r) => r.KV.ModifyIndex === index)).toBe(true);
    expect(body).not.toHaveProperty('Index');
  });

  it('rolls everything back and answers 409 listing every failing op', async () => {
    const res = await txn([kv('set', 'x', { Value: b64('v') }), kv('cas', 'x', { Index: 999, Value: b64('w') }), kv('check-not-exists', 'x'), kv('get', 'nope')]);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 1, What: 'failed to set key "x", index is stale' },
        { OpIndex: 2, What: 'key "x" exists' },
        { OpIndex: 3, What: 'key "nope" doesn\'t exist' },
      ],
    });
    expect((await h.request('/v1/kv/x')).status).toBe(404);
  });

  it('locks and unlocks with a session, and reports a held lock', async () => {
    const s1 = await newSession();
    const s2 = await newSession();
    const locked = await txnOk([kv('lock', 'l', { Session: s1, Value: b64('me') })]);
    expect(locked.Results?.[0]?.KV).toMatchObject({ Key: 'l', Session: s1, LockIndex: 1 });
    const held = await txn([kv('lock', 'l', { Session: s2 })]);
    expect(held.status).toBe(409);
    expect(((await held.json()) as TxnBody).Errors).toEqual([{ OpIndex: 0, What: 'failed to lock key "l", lock is already held' }]);
    const bad = await txn([kv('unlock', 'l', { Session: s2 })]);
    expect(((await bad.json()) as TxnBody).Errors?.[0]?.What).toBe('failed to unlock key "l", lock isn\'t held, or is held by another session');
    await txnOk([kv('check-session', 'l', { Session: s1 }), kv('unlock', 'l', { Session: s1 })]);
    expect(((await (await h.request('/v1/kv/l')).json()) as KvResult['KV'][])[0]).not.toHaveProperty('Session');
  });

  it('runs cas, delete-cas and delete-tree', async () => {
    const set = await txnOk([kv('set', 't/a'), kv('set', 't/b')]);
    const index = set.Results![0]!.KV.ModifyIndex;
    await txnOk([kv('cas', 't/a', { Index: index, Value: b64('new') }), kv('check-index', 't/b', { Index: index })]);
    const stale = await txn([kv('delete-cas', 't/a', { Index: index })]);
    expect(((await stale.json()) as TxnBody).Errors?.[0]?.What).toBe('failed to delete key "t/a", index is stale');
    await txnOk([kv('delete-tree', 't/')]);
    expect((await h.request('/v1/kv/t/?recurse')).status).toBe(404);
  });

  it('keeps uint64 Flags exact through the body and the result', async () => {
    const res = await txn('[{"KV":{"Verb":"set","Key":"f","Flags":18446744073709551615}}]');
    expect(await res.text()).toContain('"Flags":18446744073709551615,');
  });

  it('matches body keys case-insensitively, as Go does', async () => {
    const body = await txnOk('[{"kv":{"verb":"set","key":"ci","value":"aGk=","flags":3}}]');
    expect(body.Results?.[0]?.KV).toMatchObject({ Key: 'ci', Flags: 3 });
    expect(((await (await h.request('/v1/kv/ci')).json()) as KvResult['KV'][])[0]?.Value).toBe('aGk=');
  });

  it('refuses unknown verbs and empty ops without proposing', async () => {
    const before = h.applier.log.length;
    const res = await txn([kv('set', 'a'), kv('frobnicate', 'a'), {}, { Node: { Verb: 'explode', Node: { Node: 'n' } } }]);
    expect(res.status).toBe(409);
    expect(((await res.json()) as TxnBody).Errors).toEqual([
      { OpIndex: 1, What: 'unknown KV verb "frobnicate"' },
      { OpIndex: 2, What: 'no operation specified' },
      { OpIndex: 3, What: 'unknown Node verb "explode"' },
    ]);
    expect(h.applier.log.length).toBe(before);
  });

  it('ignores consistency parameters on the write path, as Consul does', async () => {
    expect((await txn([kv('set', 'a')], '?stale&consistent')).status).toBe(200);
  });

  it('registers a node and reads it back in the same transaction', async () => {
    const body = await txnOk([{ Node: { Verb: 'set', Node: { Node: 'web1', Address: '127.0.0.2' } } }, { Node: { Verb: 'get', Node: { Node: 'web1' } } }]);
    expect(body.Results?.[1]).toMatchObject({ Node: { Node: 'web1', Address: '127.0.0.2', Datacenter: 'dc1' } });
  });
});

describe('read-only transactions', () => {
  beforeEach(async () => {
    await h.request('/v1/kv/r/a', { method: 'PUT', body: 'A' });
    await h.request('/v1/kv/r/b', { method: 'PUT', body: 'B' });
  });

  it('are served from local state without Raft, with leader headers and embedded meta', async () => {
    const before = h.applier.log.length;
    const res = await txn([kv('get', 'r/a'), kv('get-tree', 'r/'), kv('check-not-exists', 'r/zzz'), kv('get-or-empty', 'r/none')]);
    expect(res.status).toBe(200);
    expect(h.applier.log.length).toBe(before);
    expect(res.headers.get('x-consul-knownleader')).toBe('true');
    expect(res.headers.get('x-consul-lastcontact')).toBe('0');
    expect(res.headers.get('x-consul-index')).toBeNull();
    const body = (await res.json()) as TxnBody;
    expect(body.Results?.map((r) => [r.KV.Key, r.KV.Value])).toEqual([['r/a', b64('A')], ['r/a', b64('A')], ['r/b', b64('B')], ['r/none', null]]);
    expect(body).toMatchObject({ Errors: null, Index: 0, LastContact: 0, KnownLeader: true, ConsistencyLevel: '', NotModified: false, Backend: 0, ResultsFilteredByACLs: false });
  });

  it('blank the value for check verbs', async () => {
    const entry = ((await (await h.request('/v1/kv/r/a')).json()) as KvResult['KV'][])[0]!;
    const body = await txnOk([kv('check-index', 'r/a', { Index: entry.ModifyIndex })]);
    expect(body.Results?.[0]?.KV).toMatchObject({ Key: 'r/a', Value: null, ModifyIndex: entry.ModifyIndex });
  });

  it('answer 409 with every failure, still carrying the meta', async () => {
    const res = await txn([kv('get', 'missing'), kv('check-index', 'r/a', { Index: 1 }), kv('nope', 'x')]);
    expect(res.status).toBe(409);
    const body = (await res.json()) as TxnBody;
    expect(body.Results).toBeNull();
    expect(body.Errors?.map((e) => e.OpIndex)).toEqual([0, 1, 2]);
    expect(body.Errors?.[1]?.What).toMatch(/^failed index check for key "r\/a", current modify index \d+ != 1$/);
    expect(body.Errors?.[2]?.What).toBe('unknown KV verb "nope"');
    expect(body.KnownLeader).toBe(true);
  });

  it('honour the consistency mode and refuse conflicting flags', async () => {
    await txnOk([kv('get', 'r/a')], '?stale');
    expect(h.barriers.at(-1)).toBe('stale');
    const res = await txn([kv('get', 'r/a')], '?stale&consistent');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Cannot specify ?stale with ?consistent, conflicting semantics.');
  });

  it('read catalog entries', async () => {
    const body = await txnOk([{ Node: { Verb: 'get', Node: { Node: NODE_NAME } } }, { Check: { Verb: 'get', Check: { Node: NODE_NAME, CheckID: 'serfHealth' } } }]);
    expect(body.Results?.[0]).toMatchObject({ Node: { Node: NODE_NAME } });
    expect(body.Results?.[1]).toMatchObject({ Check: { CheckID: 'serfHealth', Status: 'passing' } });
  });
});

describe('decoding and limits', () => {
  it.each([
    ['', 'Failed to parse body: EOF'],
    ['[{"KV":', 'Failed to parse body: unexpected EOF'],
    ['{"KV":{}}', 'Failed to parse body: json: cannot unmarshal object into Go value of type api.TxnOps'],
    ['[{"KV":{"Verb":"set","Key":"k","Flags":-1}}]', 'Failed to parse body: json: cannot unmarshal number into Go struct field TxnOps.KV.Flags of type uint64'],
    ['[{"KV":{"Verb":"set","Key":"k","Flags":"1"}}]', 'Failed to parse body: json: cannot unmarshal string into Go struct field TxnOps.KV.Flags of type uint64'],
    ['[{"KV":{"Verb":"set","Key":"k","Value":"not base64!"}}]', 'Failed to parse body: illegal base64 data at input byte 3'],
  ])('answers %j with 400 %j', async (body, text) => {
    const res = await txn(body);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(text);
  });

  it('refuses more than 128 ops with 413', async () => {
    const before = h.applier.log.length;
    const ops = Array.from({ length: 129 }, (_, i) => kv('set', `k${i}`));
    const res = await txn(ops);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe('Transaction contains too many operations (129 > 128)');
    expect(h.applier.log.length).toBe(before);
    expect((await txn(ops.slice(0, 128))).status).toBe(200);
  });

  it('refuses a value over kv_max_value_size with 413', async () => {
    h.close();
    h = startRoutesHarness({ limits: { kvMaxValueSize: 8, txnMaxReqLen: 4096 } });
    const res = await txn([kv('set', 'big', { Value: b64('123456789') })]);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe('Value for key "big" is too large (9 > 8 bytes)');
  });
});
