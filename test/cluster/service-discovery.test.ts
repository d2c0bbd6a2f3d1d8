// Service discovery on a 3-server cluster of real `cairn agent` processes on 127.0.0.1:
// services registered through one server's agent are discovered through every server; a TTL
// check that is not refreshed flips its service to critical and a blocking health query wakes
// on that flip but not on another service's churn; HTTP and TCP checks run against loopback
// servers started here; events and coordinates replicate.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

let cluster: Cluster;
let s1: AgentProcess;
let s2: AgentProcess;
let s3: AgentProcess;

beforeAll(async () => {
  cluster = await startCluster({ size: 3 });
  [s1, s2, s3] = cluster.servers as [AgentProcess, AgentProcess, AgentProcess];
  await cluster.leader();
});

afterAll(async () => {
  await cluster?.stop();
});

async function put(server: AgentProcess, path: string, body?: unknown): Promise<void> {
  const res = await fetch(server.url(path), { method: 'PUT', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
}

async function get<T>(server: AgentProcess, path: string): Promise<{ body: T; index: string }> {
  const res = await fetch(server.url(path));
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return { body: (await res.json()) as T, index: res.headers.get('x-consul-index') ?? '' };
}

interface Instance { Node: { Node: string }; Service: { ID: string; Port?: number }; Checks: { CheckID: string; Status: string; Output: string }[] }

describe('discovery across servers', () => {
  it('a service registered on one server is in every server\'s catalog (default, stale, consistent)', async () => {
    await put(s1, '/v1/agent/service/register', { Name: 'api', ID: 'api-1', Port: 9090, Tags: ['v1'], Check: { TTL: '30s', Status: 'passing' } });
    for (const s of [s2, s3]) {
      for (const mode of ['', '?stale', '?consistent']) {
        const { body } = await waitFor(async () => {
          const r = await get<{ ServiceID: string; Node: string; ServicePort: number }[]>(s, `/v1/catalog/service/api${mode}`);
          return r.body.length > 0 ? r : undefined;
        }, { timeoutMs: 10_000, what: `api through ${s.options.name}${mode}` });
        expect(body).toEqual([expect.objectContaining({ ServiceID: 'api-1', Node: 's1', ServicePort: 9090 })]);
      }
    }
    const services = await get<Record<string, string[]>>(s3, '/v1/catalog/services');
    expect(services.body).toMatchObject({ api: ['v1'], consul: [] });
    const passing = await get<Instance[]>(s2, '/v1/health/service/api?passing');
    expect(passing.body.map((i) => i.Service.ID)).toEqual(['api-1']);
  });

  it('a TTL that is not refreshed flips the service to critical; a blocking query wakes on it, not on another service', async () => {
    await put(s1, '/v1/agent/service/register', { Name: 'ticker', Check: { CheckID: 'ticker-ttl', TTL: '3s', Status: 'passing' } });
    const first = await waitFor(async () => {
      const r = await get<Instance[]>(s2, '/v1/health/service/ticker?passing');
      return r.body.length === 1 ? r : undefined;
    }, { timeoutMs: 10_000, what: 'ticker passing on s2' });
    let settled = false;
    const blocked = fetch(s2.url(`/v1/health/service/ticker?index=${first.index}&wait=30s`)).then((r) => ((settled = true), r));
    // Churn in another service, registered through a third server, must not wake it.
    for (let i = 0; i < 3; i++) await put(s3, '/v1/agent/service/register', { Name: 'noise', Port: 7000 + i });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    const res = await blocked;
    expect(BigInt(res.headers.get('x-consul-index') ?? '0')).toBeGreaterThan(BigInt(first.index));
    const [instance] = (await res.json()) as Instance[];
    expect(instance!.Checks.find((c) => c.CheckID === 'ticker-ttl')).toMatchObject({ Status: 'critical', Output: 'TTL expired' });
    expect((await get<Instance[]>(s3, '/v1/health/service/ticker?passing')).body).toEqual([]);
  });

  it('HTTP and TCP checks run against loopback servers and their status reaches the other servers', async () => {
    let code = 200;
    const web: Server = createServer((_req, res) => res.writeHead(code).end('ok'));
    const tcp: TcpServer = createTcpServer((s) => s.end());
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/health`;
    const tcpAddr = `127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    try {
      await put(s2, '/v1/agent/service/register', { name: 'shop', check: { http: url, interval: '1s' } });
      await put(s2, '/v1/agent/check/register', { Name: 'shop-port', TCP: tcpAddr, Interval: '1s', ServiceID: 'shop' });
      const statusOn = (s: AgentProcess, want: Record<string, string>) =>
        waitFor(async () => {
          const [i] = (await get<Instance[]>(s, '/v1/health/service/shop')).body;
          const got = Object.fromEntries((i?.Checks ?? []).filter((c) => c.CheckID !== 'serfHealth').map((c) => [c.CheckID, c.Status]));
          return JSON.stringify(got) === JSON.stringify(want) ? i : undefined;
        }, { timeoutMs: 10_000, what: `shop checks ${JSON.stringify(want)} on ${s.options.name}` });
      const up = await statusOn(s1, { 'service:shop': 'passing', 'shop-port': 'passing' });
      expect(up.Checks.find((c) => c.CheckID === 'service:shop')!.Output).toBe(`HTTP GET ${url}: 200 OK Output: ok`);
      code = 500;
      await new Promise<void>((r) => tcp.close(() => r()));
      await statusOn(s3, { 'service:shop': 'critical', 'shop-port': 'critical' });
    } finally {
      web.close();
      tcp.close();
    }
  });

  it('events fired through one server are listed by the others; a blocking list wakes on the next one', async () => {
    const fired = (await (await fetch(s1.url('/v1/event/fire/deploy'), { method: 'PUT', body: 'v2' })).json()) as { ID: string };
    const seen = await waitFor(async () => {
      const r = await get<{ ID: string; Payload: string; LTime: number }[]>(s3, '/v1/event/list?name=deploy');
      return r.body.some((e) => e.ID === fired.ID) ? r : undefined;
    }, { timeoutMs: 10_000, what: 'the event on s3' });
    expect(Buffer.from(seen.body.at(-1)!.Payload, 'base64').toString()).toBe('v2');
    const blocked = fetch(s2.url(`/v1/event/list?name=deploy&index=${seen.index}&wait=20s`));
    await fetch(s3.url('/v1/event/fire/deploy'), { method: 'PUT', body: 'v3' });
    const res = await blocked;
    expect(res.headers.get('x-consul-index')).not.toBe(seen.index);
    expect(((await res.json()) as unknown[]).length).toBe(2);
  });

  it('every server stores its coordinate; agent/self reports it; ?near=_agent sorts by it', async () => {
    const coords = await waitFor(async () => {
      const r = await get<{ Node: string }[]>(s2, '/v1/coordinate/nodes');
      return r.body.length === 3 ? r.body : undefined;
    }, { timeoutMs: 20_000, what: 'three server coordinates' });
    expect(coords.map((c) => c.Node).sort()).toEqual(['s1', 's2', 's3']);
    const self = await get<{ Coord: { Vec: number[] } }>(s1, '/v1/agent/self');
    expect(self.body.Coord.Vec).toHaveLength(8);
    const near = await get<{ Node: string }[]>(s1, '/v1/catalog/nodes?near=_agent');
    expect(near.body).toHaveLength(3);
    expect(near.body[0]!.Node).toBe('s1');
  });
});
