// /v1/agent/* (consul-api.md §6) over the real store with the server's real local agent:
// service and check registration in every key style Consul accepts, validation texts, TTL
// updates, maintenance, hash blocking, the health endpoints' status codes, and the catalog
// kept in sync by anti-entropy as soon as each call returns.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_NAME, startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';
import { waitFor } from '../support/wait.ts';

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

const put = (path: string, body?: unknown) =>
  h.request(path, { method: 'PUT', ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
const json = async <T>(path: string): Promise<T> => (await (await h.request(path)).json()) as T;

async function ok(res: Promise<Response> | Response): Promise<void> {
  const r = await res;
  expect(r.status, await r.clone().text()).toBe(200);
  expect(await r.text()).toBe('');
  expect(r.headers.get('content-type')).toBeNull();
}

async function refused(res: Promise<Response>, status: number, text: string): Promise<void> {
  const r = await res;
  expect([r.status, await r.text()]).toEqual([status, text]);
}

type Check = { CheckID: string; Name: string; Status: string; Output: string; ServiceID: string; ServiceName: string; Type: string; Interval: string; Timeout: string; Notes: string };

describe('service registration', () => {
  it('registers a PascalCase service with checks; the catalog has it when the call returns', async () => {
    await ok(put('/v1/agent/service/register', {
      Name: 'web', ID: 'web-1', Tags: ['primary'], Address: '127.0.0.5', Port: 8080, Meta: { version: '2' },
      Checks: [{ TTL: '30s' }, { Name: 'second', TTL: '10s', Status: 'passing', Notes: 'n' }],
    }));
    const services = await json<Record<string, unknown>>('/v1/agent/services');
    expect(services['web-1']).toEqual({
      ID: 'web-1', Service: 'web', Tags: ['primary'], Meta: { version: '2' }, Port: 8080, Address: '127.0.0.5',
      TaggedAddresses: { lan_ipv4: { Address: '127.0.0.5', Port: 8080 }, wan_ipv4: { Address: '127.0.0.5', Port: 8080 } },
      Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Datacenter: 'dc1',
    });
    const checks = await json<Record<string, Check>>('/v1/agent/checks');
    expect(Object.keys(checks).sort()).toEqual(['service:web-1:1', 'service:web-1:2']);
    expect(checks['service:web-1:1']).toMatchObject({ Name: "Service 'web' check", Status: 'critical', ServiceName: 'web', Type: 'ttl', Interval: '', Timeout: '' });
    expect(checks['service:web-1:2']).toMatchObject({ Name: 'second', Status: 'passing', Notes: 'n' });
    const catalog = await json<{ ServiceID: string; ServiceTaggedAddresses: unknown }[]>('/v1/catalog/service/web');
    expect(catalog.map((s) => s.ServiceID)).toEqual(['web-1']);
    const health = await json<{ Checks: { CheckID: string; Status: string }[] }[]>('/v1/health/service/web');
    expect(health[0]!.Checks.map((c) => [c.CheckID, c.Status])).toEqual([['serfHealth', 'passing'], ['service:web-1:1', 'critical'], ['service:web-1:2', 'passing']]);
  });

  it("takes python-consul's lower-case body and snake_case aliases; a single check gets service:<id>", async () => {
    await ok(put('/v1/agent/service/register', {
      name: 'pg', id: 'batman/pg-0', address: '127.0.0.6', port: 5432, tags: ['master'], enabletagoverride: true,
      check: { http: 'http://127.0.0.1:1/primary', interval: '5s', DeregisterCriticalServiceAfter: '150.0s', tls_skip_verify: true },
    }));
    await ok(put('/v1/agent/service/register', { name: 'snake', enable_tag_override: true, tagged_addresses: { lan: { address: '127.0.0.7', port: 1 } } }));
    const services = await json<Record<string, { EnableTagOverride: boolean; TaggedAddresses?: unknown }>>('/v1/agent/services');
    expect(services['batman/pg-0']!.EnableTagOverride).toBe(true);
    expect(services['snake']).toMatchObject({ EnableTagOverride: true, TaggedAddresses: { lan: { Address: '127.0.0.7', Port: 1 } } });
    const checks = await json<Record<string, Check>>('/v1/agent/checks');
    expect(checks['service:batman/pg-0']).toMatchObject({ Type: 'http', Interval: '5s', ServiceID: 'batman/pg-0' });
    await ok(put('/v1/agent/service/deregister/batman/pg-0'));
    expect(await json('/v1/catalog/service/pg')).toEqual([]);
  });

  it.each([
    [{}, 'Missing service name'],
    [{ Name: 'x', Address: '0.0.0.0' }, 'Invalid service address'],
    [{ Name: 'x', Weights: { Passing: 0, Warning: 1 } }, 'Invalid Weights: Passing must be greater than 0'],
    [{ Name: 'x', Meta: { 'bad key': 'v' } }, "Invalid Service Meta: Couldn't load metadata pair ('bad key', 'v'): Key contains invalid characters"],
    [{ Name: 'x', Meta: { 'consul-x': 'v' } }, "Invalid Service Meta: Couldn't load metadata pair ('consul-x', 'v'): Key prefix 'consul-' is reserved for internal use"],
    [{ Name: 'x', Check: { HTTP: 'http://127.0.0.1/' } }, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    [{ Name: 'x', Check: { Notes: 'no ttl' } }, 'Invalid check: TTL must be > 0 for TTL checks'],
    [{ Name: 'x', Check: { TTL: '5s', Interval: '5s' } }, 'Invalid check: Interval and TTL cannot both be specified'],
    [{ Name: 'x', Check: { TTL: '5s', Status: 'maintenance' } }, "Status for checks must 'passing', 'warning', 'critical'"],
    [{ Name: 'x', Check: { TTL: 'soon' } }, 'Request decode failed: time: invalid duration "soon"'],
    ['{"Name": 5}', 'Request decode failed: json: cannot unmarshal number into Go struct field ServiceDefinition.Name of type string'],
  ])('refuses %j with 400 %s and registers nothing', async (body, text) => {
    await refused(put('/v1/agent/service/register', body), 400, text);
    expect(await json('/v1/agent/services')).toEqual({});
    expect(h.applier.log.filter((e) => e.command.type === 'catalog.register' && e.command.service !== null)).toEqual([]);
  });

  it('refuses script checks like a default Consul agent (500)', async () => {
    await refused(put('/v1/agent/service/register', { Name: 'x', Check: { Args: ['/bin/true'], Interval: '10s' } }), 500,
      "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true");
  });

  it('re-registration keeps check status; replace-existing-checks drops checks not in the request', async () => {
    await ok(put('/v1/agent/service/register', { Name: 'api', Checks: [{ CheckID: 'a', TTL: '30s' }, { CheckID: 'b', TTL: '30s' }] }));
    await ok(put('/v1/agent/check/pass/a'));
    await ok(put('/v1/agent/service/register', { Name: 'api', Port: 1, Checks: [{ CheckID: 'a', TTL: '30s' }] }));
    let checks = await json<Record<string, Check>>('/v1/agent/checks');
    expect([checks['a']?.Status, Object.keys(checks).sort()]).toEqual(['passing', ['a', 'b']]);
    await ok(put('/v1/agent/service/register?replace-existing-checks', { Name: 'api', Checks: [{ CheckID: 'a', TTL: '30s' }] }));
    checks = await json<Record<string, Check>>('/v1/agent/checks');
    expect(Object.keys(checks)).toEqual(['a']);
    expect((await json<Check[]>('/v1/health/checks/api')).map((c) => c.CheckID)).toEqual(['a']);
  });

  it('deregister of an unknown ID is a 404 with Consul\'s text', async () => {
    await refused(put('/v1/agent/service/deregister/ghost'), 404, 'Unknown service ID "ghost". Ensure that the service ID is passed, not the service name.');
  });
});

describe('checks', () => {
  it('TTL pass/warn/fail/update move the status into the catalog; ?passing follows', async () => {
    await ok(put('/v1/agent/service/register', { Name: 'job', Check: { CheckID: 'job-ttl', TTL: '30s' } }));
    expect(await json('/v1/health/service/job?passing')).toEqual([]);
    await ok(put('/v1/agent/check/pass/job-ttl?note=all%20good'));
    let [inst] = await json<{ Checks: Check[] }[]>('/v1/health/service/job?passing');
    expect(inst!.Checks.find((c) => c.CheckID === 'job-ttl')).toMatchObject({ Status: 'passing', Output: 'all good' });
    await ok(put('/v1/agent/check/warn/job-ttl'));
    expect(await json('/v1/health/service/job?passing')).toEqual([]);
    await ok(put('/v1/agent/check/update/job-ttl', { Status: 'passing', Output: 'back' }));
    [inst] = await json<{ Checks: Check[] }[]>('/v1/health/service/job');
    expect(inst!.Checks.find((c) => c.CheckID === 'job-ttl')!.Status).toBe('passing');
    await ok(put('/v1/agent/check/fail/job-ttl'));
    expect((await json<Record<string, Check>>('/v1/agent/checks'))['job-ttl']!.Status).toBe('critical');
    await refused(put('/v1/agent/check/update/job-ttl', { Status: 'bogus' }), 400, "Invalid check status: 'bogus'");
  });

  it('a TTL check that is not refreshed goes critical with "TTL expired"', async () => {
    await ok(put('/v1/agent/service/register', { Name: 'beat', Check: { CheckID: 'beat-ttl', TTL: '300ms', Status: 'passing' } }));
    expect(await json<unknown[]>('/v1/health/service/beat?passing')).toHaveLength(1);
    const check = await waitFor(async () => {
      const [i] = await json<{ Checks: Check[] }[]>('/v1/health/service/beat');
      const c = i?.Checks.find((x) => x.CheckID === 'beat-ttl');
      return c?.Status === 'critical' ? c : undefined;
    }, { timeoutMs: 5_000, what: 'the TTL to expire' });
    expect(check.Output).toBe('TTL expired');
    expect(await json('/v1/health/service/beat?passing')).toEqual([]);
  });

  it('check/register: defaults, "0s" durations, unknown service 404, non-TTL update 500, deregister', async () => {
    await ok(put('/v1/agent/check/register', { name: 'mem', ttl: '15s', notes: 'memory' }));
    expect((await json<Record<string, Check>>('/v1/agent/checks'))['mem']).toMatchObject({ Name: 'mem', Status: 'critical', Interval: '0s', Timeout: '0s', Type: 'ttl', Notes: 'memory' });
    await refused(put('/v1/agent/check/register', { Name: 'c', TTL: '5s', ServiceID: 'ghost' }), 404, 'ServiceID "ghost" does not exist');
    await refused(put('/v1/agent/check/register', { TTL: '5s' }), 400, 'Missing check name');
    await refused(put('/v1/agent/check/register', { Name: 'c', TTL: '5s', Status: 'nope' }), 400, 'Bad check status');
    await ok(put('/v1/agent/check/register', { ID: 'port', Name: 'port', TCP: '127.0.0.1:1', Interval: '10s' }));
    await refused(put('/v1/agent/check/pass/port'), 500, 'CheckID "port" does not have associated TTL');
    await refused(put('/v1/agent/check/pass/ghost'), 404, 'Unknown check ID "ghost". Ensure that the check ID is passed, not the check name.');
    await ok(put('/v1/agent/check/deregister/port'));
    await refused(put('/v1/agent/check/deregister/port'), 404, 'Unknown check ID "port". Ensure that the check ID is passed, not the check name.');
    expect((await json<Check[]>(`/v1/health/node/${NODE_NAME}`)).map((c) => c.CheckID)).toEqual(['mem', 'serfHealth']);
  });

  it('HTTP checks against a real loopback server: 2xx passing, 429 warning, else critical; Consul\'s output', async () => {
    let status = 200;
    const server: Server = createServer((_req, res) => res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`status ${status}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    try {
      await ok(put('/v1/agent/check/register', { Name: 'site', HTTP: url, Interval: '1s', Timeout: '2s' }));
      for (const [code, expected, reason] of [[200, 'passing', 'OK'], [429, 'warning', 'Too Many Requests'], [503, 'critical', 'Service Unavailable']] as const) {
        status = code;
        const c = await waitFor(async () => {
          const got = (await json<Record<string, Check>>('/v1/agent/checks'))['site'];
          return got?.Status === expected ? got : undefined;
        }, { timeoutMs: 6_000, what: `the HTTP check to be ${expected}` });
        expect(c.Output).toBe(`HTTP GET ${url}: ${code} ${reason} Output: status ${code}`);
      }
      // The catalog sees status flips.
      const [catalogCheck] = (await json<Check[]>(`/v1/health/node/${NODE_NAME}`)).filter((c) => c.CheckID === 'site');
      expect(catalogCheck!.Status).toBe('critical');
    } finally {
      server.close();
    }
  });

  it('TCP checks: a listening port passes, a closed one is critical with Go\'s dial error', async () => {
    const listener = createTcpServer((s) => s.end());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const open = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
    const closedServer = createTcpServer();
    await new Promise<void>((r) => closedServer.listen(0, '127.0.0.1', r));
    const closed = `127.0.0.1:${(closedServer.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closedServer.close(() => r()));
    try {
      await ok(put('/v1/agent/check/register', { Name: 'up', TCP: open, Interval: '1s', Status: 'critical' }));
      await ok(put('/v1/agent/check/register', { Name: 'down', TCP: closed, Interval: '1s', Status: 'passing' }));
      const checks = await waitFor(async () => {
        const all = await json<Record<string, Check>>('/v1/agent/checks');
        return all['up']?.Status === 'passing' && all['down']?.Status === 'critical' ? all : undefined;
      }, { timeoutMs: 6_000, what: 'both TCP checks to run' });
      expect(checks['up']!.Output).toBe(`TCP connect ${open}: Success`);
      expect(checks['down']!.Output).toBe(`dial tcp ${closed}: connect: connection refused`);
    } finally {
      listener.close();
    }
  });
});

describe('maintenance', () => {
  it('node and service maintenance add and remove their critical checks', async () => {
    await ok(put('/v1/agent/service/register', { Name: 'web' }));
    await ok(put('/v1/agent/maintenance?enable=true&reason=upgrading'));
    await ok(put('/v1/agent/service/maintenance/web?enable=1'));
    const checks = await json<Record<string, Check>>('/v1/agent/checks');
    expect(checks['_node_maintenance']).toMatchObject({ Name: 'Node Maintenance Mode', Status: 'critical', Notes: 'upgrading', ServiceID: '' });
    expect(checks['_service_maintenance:web']).toMatchObject({
      Name: 'Service Maintenance Mode', Status: 'critical', ServiceID: 'web', ServiceName: 'web',
      Notes: 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.',
    });
    expect(await json('/v1/health/service/web?passing')).toEqual([]);
    await ok(put('/v1/agent/maintenance?enable=false'));
    await ok(put('/v1/agent/service/maintenance/web?enable=false'));
    expect(await json<unknown[]>('/v1/health/service/web?passing')).toHaveLength(1);
    await refused(put('/v1/agent/maintenance'), 400, 'Missing value for enable');
    await refused(put('/v1/agent/maintenance?enable=yes'), 400, 'Invalid value for enable: "yes"');
    await refused(put('/v1/agent/service/maintenance/ghost?enable=true'), 404, 'No service registered with ID "ghost"');
  });
});

describe('reads', () => {
  it('agent/service/<id> carries ContentHash and blocks on ?hash until the service changes', async () => {
    await ok(put('/v1/agent/service/register', { Name: 'cache', Port: 1 }));
    const res = await h.request('/v1/agent/service/cache');
    const first = (await res.json()) as { ContentHash: string; Port: number };
    expect(res.headers.get('x-consul-contenthash')).toBe(first.ContentHash);
    expect(first.ContentHash).toMatch(/^[0-9a-f]+$/);
    let settled = false;
    const blocked = h.request(`/v1/agent/service/cache?hash=${first.ContentHash}&wait=5s`).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await ok(put('/v1/agent/service/register', { Name: 'cache', Port: 2 }));
    const next = (await (await blocked).json()) as { ContentHash: string; Port: number };
    expect([next.Port, next.ContentHash === first.ContentHash]).toEqual([2, false]);
    const timedOut = await h.request(`/v1/agent/service/cache?hash=${next.ContentHash}&wait=100ms`);
    expect(((await timedOut.json()) as { ContentHash: string }).ContentHash).toBe(next.ContentHash);
    await refused(h.request('/v1/agent/service/ghost'), 404, 'unknown service ID: ghost');
  });

  it('agent/health/service by id and name: 200 passing, 429 warning, 503 critical, 404 unknown; text mode', async () => {
    await ok(put('/v1/agent/service/register', { Name: 'svc', ID: 'svc-1', Check: { CheckID: 't1', TTL: '30s', Status: 'passing' } }));
    await ok(put('/v1/agent/service/register', { Name: 'svc', ID: 'svc-2', Check: { CheckID: 't2', TTL: '30s', Status: 'warning' } }));
    const one = await h.request('/v1/agent/health/service/id/svc-1');
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ AggregatedStatus: 'passing', Service: { ID: 'svc-1' }, Checks: [{ CheckID: 't1' }] });
    expect((await h.request('/v1/agent/health/service/id/svc-2')).status).toBe(429);
    const byName = await h.request('/v1/agent/health/service/name/svc');
    expect([byName.status, ((await byName.json()) as unknown[]).length]).toEqual([429, 2]);
    await ok(put('/v1/agent/check/fail/t1'));
    const text = await h.request('/v1/agent/health/service/name/svc?format=text');
    expect([text.status, await text.text()]).toEqual([503, 'critical']);
    const missing = await h.request('/v1/agent/health/service/id/nope');
    expect([missing.status, await missing.json()]).toEqual([404, { AggregatedStatus: 'critical', Service: null, Checks: null }]);
    const missingName = await h.request('/v1/agent/health/service/name/nope', { headers: { Accept: 'text/plain' } });
    expect([missingName.status, await missingName.text()]).toEqual([404, 'ServiceName nope Not Found']);
  });

  it('self, members, version, host', async () => {
    const self = await json<{ Config: Record<string, unknown>; Member: { Name: string; Status: number; Tags: Record<string, string> }; Coord: unknown; Meta: unknown }>('/v1/agent/self');
    expect(self.Config).toMatchObject({ Datacenter: 'dc1', PrimaryDatacenter: 'dc1', NodeName: NODE_NAME, Server: true, SessionTTLMin: 10_000_000_000 });
    expect(self.Member).toMatchObject({ Name: NODE_NAME, Status: 1, Tags: { role: 'consul', dc: 'dc1', port: '8300' } });
    expect(self.Meta).toEqual({ 'consul-network-segment': '' });
    const members = await json<{ Name: string; Addr: string; Port: number; Status: number }[]>('/v1/agent/members');
    expect(members).toEqual([expect.objectContaining({ Name: NODE_NAME, Addr: '127.0.0.1', Port: 8300, Status: 1 })]);
    expect((await json<{ Name: string }[]>('/v1/agent/members?wan=1'))[0]!.Name).toBe(`${NODE_NAME}.dc1`);
    await refused(h.request('/v1/agent/members?wan=1&segment=alpha'), 400, 'Cannot provide a segment with wan=true');
    expect(await json('/v1/agent/version')).toMatchObject({ HumanVersion: '0.1.0-test' });
    expect(await json('/v1/agent/host')).toHaveProperty('Host');
  });

  it('join, leave, reload and force-leave reach the server; token is ACL-disabled', async () => {
    await ok(put('/v1/agent/join/127.0.0.9:8300'));
    await ok(put('/v1/agent/reload'));
    await ok(put('/v1/agent/force-leave/s9'));
    await ok(put('/v1/agent/leave'));
    expect(h.agentCalls).toMatchObject({ joins: ['127.0.0.9:8300'], reloads: 1, leaves: 1, forceLeaves: ['s9'] });
    await refused(put('/v1/agent/token/default', { Token: 'x' }), 401, 'ACL support disabled');
    expect((await h.request('/v1/agent/leave')).status).toBe(405);
  });
});
