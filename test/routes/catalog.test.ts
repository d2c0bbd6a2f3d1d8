// /v1/catalog/* and /v1/health/* (consul-api.md §5) over the real store: register and
// deregister bodies and errors, Consul's JSON shapes, tag/node-meta/passing filters, per-service
// blocking, ?near sorting and X-Consul-Effective-Consistency.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_NAME, startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

const put = (path: string, body: unknown) => h.request(path, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = async <T>(path: string): Promise<{ status: number; body: T; index: number; res: Response }> => {
  const res = await h.request(path);
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T, index: Number(res.headers.get('x-consul-index')), res };
};

async function registered(body: unknown): Promise<void> {
  const res = await put('/v1/catalog/register', body);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await res.json()).toBe(true);
}

/** Two nodes, each with a web instance; n2's web check is critical; a db on n1. */
async function seed(): Promise<void> {
  await registered({
    Node: 'n1', Address: '127.0.0.2', NodeMeta: { rack: 'r1', env: 'prod' }, TaggedAddresses: { lan: '127.0.0.2' },
    Service: { ID: 'web-1', Service: 'web', Tags: ['primary', 'v1'], Port: 80, Meta: { version: '1' } },
    Checks: [
      { CheckID: 'n1-alive', Name: 'alive', Status: 'passing' },
      { CheckID: 'web-1-http', Name: 'web http', Status: 'passing', ServiceID: 'web-1', Definition: { HTTP: 'http://127.0.0.2/', Interval: '10s' } },
    ],
  });
  await registered({
    node: 'n2', address: '127.0.0.3', nodemeta: { rack: 'r2', env: 'prod' },
    service: { id: 'web-2', service: 'web', tags: ['v2'], port: 81, weights: { passing: 3, warning: 2 } },
    check: { checkid: 'web-2-tcp', name: 'web tcp', status: 'critical', serviceid: 'web-2', output: 'refused' },
    WriteRequest: { Token: 'ignored' },
  });
  await registered({ Node: 'n1', Address: '127.0.0.2', NodeMeta: { rack: 'r1', env: 'prod' }, TaggedAddresses: { lan: '127.0.0.2' }, Service: { Service: 'db', Port: 5432 } });
}

describe('PUT /v1/catalog/register', () => {
  it('stores node, service and checks with Consul defaults and renders Consul\'s ServiceNode', async () => {
    await seed();
    const { body, index } = await get<Record<string, unknown>[]>('/v1/catalog/service/web');
    expect(index).toBeGreaterThan(1);
    expect(body.map((s) => s['ServiceID'])).toEqual(['web-1', 'web-2']);
    expect(body[0]).toEqual({
      ID: '', Node: 'n1', Address: '127.0.0.2', Datacenter: 'dc1', TaggedAddresses: { lan: '127.0.0.2' }, NodeMeta: { rack: 'r1', env: 'prod' },
      ServiceKind: '', ServiceID: 'web-1', ServiceName: 'web', ServiceTags: ['primary', 'v1'], ServiceAddress: '',
      ServiceWeights: { Passing: 1, Warning: 1 }, ServiceMeta: { version: '1' }, ServicePort: 80, ServiceSocketPath: '', ServiceEnableTagOverride: false,
      ServiceProxy: { MeshGateway: {}, Expose: {} }, ServiceConnect: {}, ServiceLocality: null,
      CreateIndex: expect.any(Number), ModifyIndex: expect.any(Number),
    });
    expect(body[1]).toMatchObject({ ServiceWeights: { Passing: 3, Warning: 2 }, NodeMeta: { rack: 'r2', env: 'prod' } });
  });

  it('check IDs default to the name; Definition keeps non-empty members and derives Type and Interval', async () => {
    await seed();
    await registered({ Node: 'n3', Address: '127.0.0.4', Check: { Name: 'disk', Status: 'warning', Definition: { TCP: '127.0.0.4:22', IntervalDuration: 5_000_000_000, TLSSkipVerify: false } } });
    const { body } = await get<Record<string, unknown>[]>('/v1/health/node/n3');
    expect(body).toEqual([{
      Node: 'n3', CheckID: 'disk', Name: 'disk', Status: 'warning', Notes: '', Output: '', ServiceID: '', ServiceName: '', ServiceTags: [],
      Type: 'tcp', Interval: '5s', Timeout: '', ExposedPort: 0, Definition: { TCP: '127.0.0.4:22', Interval: '5s' },
      CreateIndex: expect.any(Number), ModifyIndex: expect.any(Number),
    }]);
  });

  it.each([
    [{ Address: '127.0.0.1' }, 500, 'Must provide node'],
    [{ Node: 'x' }, 500, 'Must provide address if SkipNodeUpdate is not set'],
    [{ Node: 'x', Address: '1', ID: 'abc' }, 500, 'Bad node ID: uuid string is wrong length'],
    [{ Node: 'x', Address: '1', ID: 'zzzzzzzz-0000-4000-8000-000000000000' }, 500, 'Bad node ID: uuid is improperly formatted'],
    [{ Node: 'x', Address: '1', Service: { ID: 's' } }, 500, 'Must provide service name (Service.Service) when service ID is provided'],
    [{ Node: 'x', Address: '1', Service: { Service: 's', Address: '0.0.0.0' } }, 500, 'Invalid service address'],
    [{ Node: 'x', Address: '1', Check: { Node: 'y', CheckID: 'c' } }, 500, "Node 'y' for check 'c' doesn't match register request node 'x'"],
    [{ Node: 'x', Address: '1', Check: { CheckID: 'c', ServiceID: 'ghost' } }, 500, "Unknown service ID 'ghost' for check ID 'c'"],
    [{ Node: 'x', Address: '1', Datacenter: 'dc9' }, 500, 'No path to datacenter'],
    ['{"Node": 1}', 400, 'Request decode failed: json: cannot unmarshal number into Go struct field RegisterRequest.Node of type string'],
    ['{', 400, 'Request decode failed: unexpected EOF'],
  ])('refuses %j with %i %s, writing nothing', async (body, status, text) => {
    const before = h.applier.log.length;
    const res = await put('/v1/catalog/register', body);
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(text);
    // Only the FSM's own vetting (node/check mismatches) may reach the log; it writes nothing.
    const proposed = h.applier.log.length - before;
    expect(proposed).toBeLessThanOrEqual(1);
    expect((await get<unknown[]>('/v1/catalog/nodes')).body).toHaveLength(1);
  });
});

describe('PUT /v1/catalog/deregister', () => {
  it('removes a service with its checks, a check, then the whole node', async () => {
    await seed();
    await put('/v1/catalog/deregister', { node: 'n1', serviceid: 'web-1' });
    expect((await get<unknown[]>('/v1/catalog/service/web')).body).toHaveLength(1);
    expect((await get<{ CheckID: string }[]>('/v1/health/node/n1')).body.map((c) => c.CheckID)).toEqual(['n1-alive']);
    await put('/v1/catalog/deregister', { Node: 'n1', CheckID: 'n1-alive' });
    expect((await get<unknown[]>('/v1/health/node/n1')).body).toEqual([]);
    const res = await put('/v1/catalog/deregister', { Node: 'n1' });
    expect(await res.json()).toBe(true);
    expect((await get<unknown>('/v1/catalog/node/n1')).body).toBeNull();
    const missing = await put('/v1/catalog/deregister', {});
    expect([missing.status, await missing.text()]).toEqual([500, 'Must provide node']);
  });
});

describe('catalog reads', () => {
  it('datacenters, nodes sorted by name, services with tag unions and [] for none', async () => {
    await seed();
    expect((await get('/v1/catalog/datacenters')).body).toEqual(['dc1']);
    const nodes = await get<{ Node: string }[]>('/v1/catalog/nodes');
    expect(nodes.body.map((n) => n.Node)).toEqual(['n1', 'n2', NODE_NAME]);
    expect(nodes.res.headers.get('x-consul-effective-consistency')).toBe('leader');
    expect((await get('/v1/catalog/services')).body).toEqual({ db: [], web: ['primary', 'v1', 'v2'] });
    expect((await get('/v1/catalog/services?node-meta=rack:r2')).body).toEqual({ web: ['v2'] });
    expect((await get('/v1/catalog/service/nope')).body).toEqual([]);
  });

  it('catalog/node maps services by ID; node-services lists them; unknown node is null', async () => {
    await seed();
    const { body } = await get<{ Node: { Node: string }; Services: Record<string, Record<string, unknown>> }>('/v1/catalog/node/N1');
    expect(body.Node.Node).toBe('n1');
    expect(Object.keys(body.Services).sort()).toEqual(['db', 'web-1']);
    expect(body.Services['db']).toEqual({
      ID: 'db', Service: 'db', Tags: [], Address: '', Meta: null, Port: 5432, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false,
      Proxy: { MeshGateway: {}, Expose: {} }, Connect: {}, PeerName: '', CreateIndex: expect.any(Number), ModifyIndex: expect.any(Number),
    });
    expect((await get('/v1/catalog/node/ghost')).body).toBeNull();
    expect((await get('/v1/catalog/node-services/ghost')).body).toEqual({ Node: null, Services: [] });
    const list = await get<{ Services: { ID: string }[] }>('/v1/catalog/node-services/n1?filter=Port%20%3D%3D%205432');
    expect(list.body.Services.map((s) => s.ID)).toEqual(['db']);
  });

  it('tag (repeatable, case-insensitive) and node-meta filters', async () => {
    await seed();
    const ids = async (q: string) => (await get<{ ServiceID: string }[]>(`/v1/catalog/service/web${q}`)).body.map((s) => s.ServiceID);
    expect(await ids('?tag=PRIMARY')).toEqual(['web-1']);
    expect(await ids('?tag=primary&tag=v2')).toEqual([]);
    expect(await ids('?node-meta=rack:r2')).toEqual(['web-2']);
    expect(await ids('?node-meta=env:prod&node-meta=rack:r1')).toEqual(['web-1']);
    expect(await ids('?node-meta=rack')).toEqual([]);
  });

  it('empty names are 400s with Consul\'s texts', async () => {
    for (const [path, text] of [['/v1/catalog/service/', 'Missing service name'], ['/v1/catalog/node/', 'Missing node name'], ['/v1/health/service/', 'Missing service name'], ['/v1/health/checks/', 'Missing service name'], ['/v1/health/node/', 'Missing node name'], ['/v1/health/state/', 'Missing check state']] as const) {
      const res = await h.request(path);
      expect([res.status, await res.text()], path).toEqual([400, text]);
    }
  });
});

describe('health reads', () => {
  it('health/service carries node and service checks; ?passing drops instances with any non-passing check', async () => {
    await seed();
    const all = await get<{ Node: { Node: string }; Service: { ID: string; Tags: string[] }; Checks: { CheckID: string }[] }[]>('/v1/health/service/web');
    expect(all.body.map((i) => [i.Node.Node, i.Service.ID, i.Checks.map((c) => c.CheckID)])).toEqual([
      ['n1', 'web-1', ['n1-alive', 'web-1-http']],
      ['n2', 'web-2', ['web-2-tcp']],
    ]);
    const passing = await get<{ Service: { ID: string } }[]>('/v1/health/service/web?passing');
    expect(passing.body.map((i) => i.Service.ID)).toEqual(['web-1']);
    expect((await get<unknown[]>('/v1/health/service/web?passing=false')).body).toHaveLength(2);
    const bad = await h.request('/v1/health/service/web?passing=maybe');
    expect([bad.status, await bad.text()]).toEqual([400, 'Invalid value for ?passing']);
  });

  it('health/checks, health/state (any and literal) and health/node', async () => {
    await seed();
    expect((await get<{ CheckID: string }[]>('/v1/health/checks/web')).body.map((c) => c.CheckID)).toEqual(['web-1-http', 'web-2-tcp']);
    expect((await get<{ CheckID: string }[]>('/v1/health/state/critical')).body.map((c) => c.CheckID)).toEqual(['web-2-tcp']);
    expect((await get<unknown[]>('/v1/health/state/any')).body.length).toBe(4);
    expect((await get<unknown[]>('/v1/health/state/bogus')).body).toEqual([]);
    expect((await get<{ CheckID: string }[]>('/v1/health/state/passing?node-meta=rack:r1')).body.map((c) => c.CheckID)).toEqual(['n1-alive', 'web-1-http']);
  });

  it('a blocking health/service wakes on its own service and not on another service\'s churn', async () => {
    await seed();
    const first = await get<unknown[]>('/v1/health/service/web');
    let settled = false;
    const blocked = h.request(`/v1/health/service/web?index=${first.index}&wait=5s`).then((r) => {
      settled = true;
      return r;
    });
    await registered({ Node: 'n1', Address: '127.0.0.2', NodeMeta: { rack: 'r1', env: 'prod' }, TaggedAddresses: { lan: '127.0.0.2' }, Service: { Service: 'db', Port: 5433 } });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await registered({ Node: 'n2', Address: '127.0.0.3', SkipNodeUpdate: true, Check: { CheckID: 'web-2-tcp', Name: 'web tcp', Status: 'passing', ServiceID: 'web-2' } });
    const res = await blocked;
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(first.index);
    expect(((await res.json()) as { Checks: { Status: string }[] }[])[1]!.Checks[0]!.Status).toBe('passing');
  });

  it('?near sorts by estimated RTT from the named node (and _agent), nodes without coordinates last', async () => {
    await seed();
    const coord = (x: number) => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 });
    h.applier.apply({ type: 'coordinate.batch-update', updates: [{ node: NODE_NAME, segment: '', coord: coord(0) }, { node: 'n1', segment: '', coord: coord(0.5) }, { node: 'n2', segment: '', coord: coord(0.01) }] });
    expect((await get<{ Node: { Node: string } }[]>('/v1/health/service/web?near=_agent')).body.map((i) => i.Node.Node)).toEqual(['n2', 'n1']);
    expect((await get<{ Node: string }[]>('/v1/catalog/nodes?near=n1')).body.map((n) => n.Node)).toEqual(['n1', 'n2', NODE_NAME]);
    expect((await get<{ Node: string }[]>('/v1/catalog/service/web?near=ghost')).body.map((n) => n.Node)).toEqual(['n1', 'n2']);
  });

  it('?stale and ?consistent report their effective consistency', async () => {
    for (const [q, mode] of [['?stale', 'stale'], ['?consistent', 'consistent'], ['', 'leader']] as const) {
      const res = await h.request(`/v1/health/state/any${q}`);
      expect(res.headers.get('x-consul-effective-consistency')).toBe(mode);
    }
  });
});
