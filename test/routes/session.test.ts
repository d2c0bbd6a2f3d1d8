// /v1/session (consul-api.md §3): create defaults and fix-up, TTL and LockDelay rules,
// destroy, renew, info/node/list.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_NAME, startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

interface Session { ID: string; Name: string; Node: string; LockDelay: number; Behavior: string; TTL: string; NodeChecks: string[] | null; ServiceChecks: unknown; CreateIndex: number; ModifyIndex: number }

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

const create = (body?: string, query = '') => h.request(`/v1/session/create${query}`, { method: 'PUT', ...(body === undefined ? {} : { body }) });
async function created(body?: string): Promise<Session> {
  const res = await create(body);
  expect(res.status).toBe(200);
  const { ID } = (await res.json()) as { ID: string };
  const [session] = (await (await h.request(`/v1/session/info/${ID}`)).json()) as Session[];
  return session!;
}

/** Registers a node-level check on the server's node, as a catalog registration would. */
function addCheck(checkId: string, status: 'passing' | 'critical' = 'passing'): void {
  h.applier.apply({
    type: 'catalog.register',
    node: { id: '5a1b2c3d-0000-4000-8000-00000000abcd', node: NODE_NAME, address: '127.0.0.1', datacenter: 'dc1', taggedAddresses: null, meta: null },
    skipNodeUpdate: true,
    service: null,
    checks: [{ node: NODE_NAME, checkId, name: checkId, status, notes: '', output: '', serviceId: '', type: '', interval: '', timeout: '', exposedPort: 0, definition: {} }],
  });
}

describe('create', () => {
  it('applies Consul\'s defaults to an empty request', async () => {
    const s = await created();
    expect(s).toMatchObject({ Name: '', Node: NODE_NAME, LockDelay: 15_000_000_000, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null });
    expect(s.ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(s.CreateIndex).toBe(s.ModifyIndex);
  });

  it('takes Patroni\'s lower-case body: empty checks, string lockdelay, TTL echoed verbatim', async () => {
    const s = await created('{"name":"pg-node1","checks":[],"lockdelay":"0.001s","behavior":"delete","ttl":"15.0s"}');
    expect(s).toMatchObject({ Name: 'pg-node1', LockDelay: 1_000_000, Behavior: 'delete', TTL: '15.0s', NodeChecks: [] });
  });

  it('takes the npm client\'s PascalCase body and ignores unknown keys', async () => {
    const s = await created('{"Name":"n","LockDelay":"15s","Behavior":"release","TTL":"30s","WriteRequest":{"Token":"x"}}');
    expect(s).toMatchObject({ Name: 'n', LockDelay: 15_000_000_000, TTL: '30s', NodeChecks: ['serfHealth'] });
  });

  it.each([
    ['5', 5_000_000_000],
    ['999', 999_000_000_000],
    ['1000', 1000],
    ['2000000000', 2_000_000_000],
    ['"5ns"', 5_000_000_000],
    ['"1ms"', 1_000_000],
    ['0', 0],
    ['null', 15_000_000_000],
    ['true', 0],
  ])('reads LockDelay %s as %d ns', async (raw, ns) => {
    expect((await created(`{"LockDelay":${raw}}`)).LockDelay).toBe(ns);
  });

  it('refuses an unparseable LockDelay string as a decode failure', async () => {
    const res = await create('{"lockdelay":"soon"}');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Request decode failed: time: invalid duration "soon"');
  });

  describe('default-check fix-up', () => {
    beforeEach(() => addCheck('svc-check'));
    it.each([
      ['{}', ['serfHealth']],
      ['{"Checks":[]}', []],
      ['{"Checks":null}', []],
      ['{"Checks":["serfHealth"]}', ['serfHealth']],
      ['{"Checks":["svc-check"]}', ['serfHealth', 'svc-check']],
      ['{"Checks":["serfHealth","svc-check"]}', ['serfHealth', 'svc-check']],
      ['{"NodeChecks":["svc-check"]}', ['svc-check']],
      ['{"NodeChecks":[],"Checks":["svc-check"]}', []],
      ['{"NodeChecks":["svc-check"],"Checks":[]}', []],
    ])('%s → NodeChecks %j', async (body, checks) => {
      expect((await created(body)).NodeChecks).toEqual(checks);
    });
  });

  it.each([
    ['{"TTL":"5s"}', "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"],
    ['{"TTL":"25h"}', "Invalid Session TTL '90000000000000', must be between [10s=24h0m0s]"],
    ['{"TTL":"-10s"}', "Invalid Session TTL '-10000000000', must be between [10s=24h0m0s]"],
    ['{"TTL":"abc"}', 'Session TTL \'abc\' invalid: time: invalid duration "abc"'],
    ['{"TTL":"30"}', 'Session TTL \'30\' invalid: time: missing unit in duration "30"'],
    ['{"Behavior":"explode"}', "Invalid Behavior setting 'explode'"],
    ['{"Node":""}', 'Must provide Node'],
    ['{"Node":"ghost"}', 'Missing node registration'],
    ['{"Checks":["nope"]}', "Missing check 'nope' registration"],
  ])('refuses %s with 500 %j', async (body, text) => {
    const res = await create(body);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe(text);
  });

  it('refuses a critical check', async () => {
    addCheck('bad', 'critical');
    const res = await create('{"NodeChecks":["bad"]}');
    expect(await res.text()).toBe("Check 'bad' is in critical state");
  });

  it('never proposes a session whose TTL or Behavior is invalid', async () => {
    const before = h.applier.log.length;
    await create('{"TTL":"1s"}');
    await create('{"Behavior":"x"}');
    expect(h.applier.log.length).toBe(before);
  });

  it('accepts TTL 0 and the bounds themselves', async () => {
    expect((await created('{"TTL":"0"}')).TTL).toBe('0');
    expect((await created('{"TTL":"10s"}')).TTL).toBe('10s');
    expect((await created('{"TTL":"24h"}')).TTL).toBe('24h');
  });

  it('uses the configured session_ttl_min in the message', async () => {
    h.close();
    h = startRoutesHarness({ limits: { sessionTtlMinMs: 1500 } });
    const res = await create('{"TTL":"1s"}');
    expect(await res.text()).toBe("Invalid Session TTL '1000000000', must be between [1.5s=24h0m0s]");
  });

  it.each([
    ['{"Name":', 'Request decode failed: unexpected EOF'],
    ['{"Name" "x"}', "Request decode failed: invalid character '\"' after object key"],
    ['{"Name":5}', 'Request decode failed: json: cannot unmarshal number into Go struct field Session.Name of type string'],
    ['[]', 'Request decode failed: json: cannot unmarshal array into Go value of type structs.Session'],
  ])('answers a bad body %j with 400 %j', async (body, text) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(text);
  });

  it('reads the body only when Content-Length says there is one, as Consul does', async () => {
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"Name":"ignored"}'));
        controller.close();
      },
    });
    const res = await h.app.request('/v1/session/create', { method: 'PUT', body: chunked, duplex: 'half' } as RequestInit);
    const { ID } = (await res.json()) as { ID: string };
    expect(h.state.store.sessionGet(ID).session?.name).toBe('');
  });
});

describe('destroy', () => {
  it('destroys and is idempotent', async () => {
    const s = await created();
    for (let i = 0; i < 2; i++) {
      const res = await h.request(`/v1/session/destroy/${s.ID}`, { method: 'PUT' });
      expect(res.status).toBe(200);
      expect(await res.json()).toBe(true);
    }
    expect(await (await h.request(`/v1/session/info/${s.ID}`)).json()).toEqual([]);
  });

  it('refuses an empty ID with 400 and a malformed one with memdb\'s 500', async () => {
    const empty = await h.request('/v1/session/destroy/', { method: 'PUT' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toBe('Missing session');
    const bad = await h.request('/v1/session/destroy/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', { method: 'PUT' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toBe("failed session lookup: index error: Invalid UUID: encoding/hex: invalid byte: U+007A 'z'");
  });
});

describe('reads', () => {
  it('info answers [session] with index headers, or [] for an unknown ID', async () => {
    const s = await created();
    const res = await h.request(`/v1/session/info/${s.ID}`);
    expect(res.headers.get('x-consul-index')).toBe(String(s.ModifyIndex));
    expect(await h.request('/v1/session/info/00000000-0000-4000-8000-000000000000').then((r) => r.json())).toEqual([]);
    const empty = await h.request('/v1/session/info/');
    expect(empty.status).toBe(400);
    expect(await empty.text()).toBe('Missing session');
  });

  it('lists sessions sorted by ID and per node', async () => {
    const ids = [(await created()).ID, (await created()).ID, (await created()).ID].sort();
    const list = (await (await h.request('/v1/session/list')).json()) as Session[];
    expect(list.map((s) => s.ID)).toEqual(ids);
    const byNode = (await (await h.request(`/v1/session/node/${NODE_NAME}`)).json()) as Session[];
    expect(byNode.map((s) => s.ID).sort()).toEqual(ids);
    expect(await (await h.request('/v1/session/node/elsewhere')).json()).toEqual([]);
    const missing = await h.request('/v1/session/node/');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toBe('Missing node name');
  });

  it('answers [] (not null) for no sessions, with headers', async () => {
    const res = await h.request('/v1/session/list');
    expect(await res.text()).toBe('[]');
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(1);
  });
});

describe('renew', () => {
  it('answers [session] for a live one', async () => {
    const s = await created('{"TTL":"15s"}');
    const res = await h.request(`/v1/session/renew/${s.ID}`, { method: 'PUT' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Session[])[0]).toMatchObject({ ID: s.ID, TTL: '15s' });
  });

  it('answers 404 with Consul\'s text for an unknown one (Patroni then creates a new session)', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const res = await h.request(`/v1/session/renew/${id}`, { method: 'PUT' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(`Session id '${id}' not found`);
  });
});
