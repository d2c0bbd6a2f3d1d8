// The operator, snapshot and metrics endpoints at the HTTP layer, over the routes harness (real
// SQLite state) with the real metrics registry and a recording OperatorServices standing in for
// the Raft host: Consul's parameter checks and texts, JSON shapes, status codes, content
// negotiation, and that refused requests never reach the operator services.
import { createApp } from '../../routes/app.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../app/metrics.ts';
import type {
  AutopilotConfigInput,
  AutopilotConfigView,
  AutopilotHealthView,
  OperatorServices,
  PeerSelector,
  RaftConfigurationView,
  SnapshotDownload,
} from '../../routes/operator/operator-services.ts';
import type { Services } from '../../routes/services.ts';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';
import { startAclHarness } from './acl-harness.ts';
import { parsePrometheusText, sampleValue } from '../unit/app/prometheus-text.ts';

const CONFIG: AutopilotConfigView = {
  cleanupDeadServers: true,
  lastContactThresholdNs: 200_000_000,
  maxTrailingLogs: 250,
  minQuorum: 0,
  serverStabilizationTimeNs: 10_000_000_000,
  redundancyZoneTag: '',
  disableUpgradeMigration: false,
  upgradeVersionTag: '',
  createIndex: 4,
  modifyIndex: 9,
};

const HEALTH: AutopilotHealthView = {
  healthy: false,
  failureTolerance: 0,
  optimisticFailureTolerance: 1,
  leader: 'a',
  voters: ['a', 'b'],
  servers: [
    { id: 'a', name: 'n1', address: '127.0.0.1:8300', serfStatus: 'alive', version: '1.21.0', leader: true, voter: true, lastContactNs: 0, lastTerm: 2, lastIndex: 40, healthy: true, stableSinceMs: Date.UTC(2024, 0, 2, 3, 4, 5, 600), status: 'leader' },
    { id: 'b', name: 'n2', address: '127.0.0.1:8301', serfStatus: 'failed', version: '1.21.0', leader: false, voter: true, lastContactNs: 1_500_000_000, lastTerm: 2, lastIndex: 31, healthy: false, stableSinceMs: Date.UTC(2024, 0, 2, 3, 4, 6), status: 'voter' },
  ],
};

/** Records what reached it; answers like a small cluster. */
class RecordingOperator implements OperatorServices {
  readonly calls: string[] = [];
  readonly restored: Buffer[] = [];
  written: { config: AutopilotConfigInput; cas: number | null } | undefined;

  async raftConfiguration(stale: boolean): Promise<RaftConfigurationView> {
    this.calls.push(`config stale=${stale}`);
    return { servers: [{ id: 'a', node: 'n1', address: '127.0.0.1:8300', leader: true, voter: true, lastIndex: 40 }], index: 1 };
  }
  async removeRaftPeer(peer: PeerSelector): Promise<void> {
    this.calls.push(`remove ${JSON.stringify(peer)}`);
  }
  async transferLeader(id: string | undefined): Promise<void> {
    this.calls.push(`transfer ${id ?? '(any)'}`);
  }
  autopilotConfiguration(): AutopilotConfigView {
    return CONFIG;
  }
  async setAutopilotConfiguration(config: AutopilotConfigInput, cas: number | null): Promise<boolean> {
    this.written = { config, cas };
    return cas === null || cas === CONFIG.modifyIndex;
  }
  async autopilotHealth(): Promise<AutopilotHealthView> {
    return HEALTH;
  }
  async snapshotSave(stale: boolean): Promise<SnapshotDownload> {
    this.calls.push(`save stale=${stale}`);
    return { index: 77, meta: { knownLeader: true, lastContactMs: 3 }, body: (async function* () { yield new Uint8Array([1, 2, 3]); yield new Uint8Array([4]); })() };
  }
  async snapshotRestore(archive: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Buffer[] = [];
    for await (const c of archive) parts.push(Buffer.from(c));
    this.restored.push(Buffer.concat(parts));
  }
}

let h: RoutesHarness;
let operator: RecordingOperator;
let metrics: MetricsRegistry;
let request: (path: string, init?: RequestInit) => Promise<Response>;

beforeEach(() => {
  h = startRoutesHarness();
  operator = new RecordingOperator();
  metrics = new MetricsRegistry();
  const services: Services = Object.assign(Object.create(Object.getPrototypeOf(h.services) as object) as Services, h.services, { operator, metrics });
  const app = createApp(services);
  request = async (path, init) => app.request(path, init);
});
afterEach(() => h.close());

describe('/v1/operator/raft', () => {
  it('configuration: Consul field names, ProtocolVersion "3", stale passed through', async () => {
    const res = await request('/v1/operator/raft/configuration?stale');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ Servers: [{ ID: 'a', Node: 'n1', Address: '127.0.0.1:8300', Leader: true, ProtocolVersion: '3', Voter: true, LastIndex: 40 }], Index: 1 });
    await request('/v1/operator/raft/configuration');
    expect(operator.calls).toEqual(['config stale=true', 'config stale=false']);
  });

  it('peer: needs exactly one of ?id and ?address, by Consul\'s texts; DELETE only', async () => {
    const none = await request('/v1/operator/raft/peer', { method: 'DELETE' });
    expect(none.status).toBe(400);
    expect(await none.text()).toBe("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
    const both = await request('/v1/operator/raft/peer?id=a&address=127.0.0.1:1', { method: 'DELETE' });
    expect(await both.text()).toBe('Must specify only one of ?id or ?address');
    expect(operator.calls).toEqual([]);
    const byId = await request('/v1/operator/raft/peer?id=b', { method: 'DELETE' });
    expect(byId.status).toBe(200);
    expect(await byId.text()).toBe('');
    await request('/v1/operator/raft/peer?address=127.0.0.1:8301', { method: 'DELETE' });
    expect(operator.calls).toEqual(['remove {"id":"b"}', 'remove {"address":"127.0.0.1:8301"}']);
    const get = await request('/v1/operator/raft/peer');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('OPTIONS,DELETE');
  });

  it('transfer-leader answers {"Success":true}, to a named server or any', async () => {
    const res = await request('/v1/operator/raft/transfer-leader?id=b', { method: 'POST' });
    expect(await res.json()).toEqual({ Success: true });
    await request('/v1/operator/raft/transfer-leader', { method: 'POST' });
    expect(operator.calls).toEqual(['transfer b', 'transfer (any)']);
  });
});

describe('/v1/operator/autopilot', () => {
  it('configuration GET: durations as Go strings', async () => {
    const res = await request('/v1/operator/autopilot/configuration');
    expect(await res.json()).toEqual({
      CleanupDeadServers: true, LastContactThreshold: '200ms', MaxTrailingLogs: 250, MinQuorum: 0, ServerStabilizationTime: '10s',
      RedundancyZoneTag: '', DisableUpgradeMigration: false, UpgradeVersionTag: '', CreateIndex: 4, ModifyIndex: 9,
    });
  });

  it('configuration PUT: case-insensitive keys, string or nanosecond durations, cas answered, absent fields zero', async () => {
    const res = await request('/v1/operator/autopilot/configuration', { method: 'PUT', body: JSON.stringify({ cleanupdeadservers: true, LastContactThreshold: 500_000_000, servERStabilizationTime: '1m30s', MinQuorum: 3 }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(true);
    expect(operator.written).toEqual({
      cas: null,
      config: { cleanupDeadServers: true, lastContactThresholdNs: 500_000_000, maxTrailingLogs: 0, minQuorum: 3, serverStabilizationTimeNs: 90_000_000_000, redundancyZoneTag: '', disableUpgradeMigration: false, upgradeVersionTag: '' },
    });
    expect(await (await request('/v1/operator/autopilot/configuration?cas=8', { method: 'PUT', body: '{}' })).json()).toBe(false);
    expect(await (await request('/v1/operator/autopilot/configuration?cas=9', { method: 'PUT', body: '{}' })).json()).toBe(true);
  });

  it('configuration PUT refuses bad input before it is proposed', async () => {
    const cases: [string, string, string][] = [
      ['', '{"LastContactThreshold":"soon"}', 'Error parsing autopilot config: time: invalid duration "soon"'],
      ['', '{"MaxTrailingLogs":"many"}', 'Error parsing autopilot config: json: cannot unmarshal string into Go struct field AutopilotConfiguration.MaxTrailingLogs of type uint64'],
      ['', '{', 'Error parsing autopilot config: unexpected EOF'],
      ['?cas=x', '{}', 'Error parsing cas value: strconv.ParseUint: parsing "x": invalid syntax'],
    ];
    for (const [query, body, text] of cases) {
      operator.written = undefined;
      const res = await request(`/v1/operator/autopilot/configuration${query}`, { method: 'PUT', body });
      expect(res.status, body).toBe(400);
      expect(await res.text(), body).toBe(text);
      expect(operator.written).toBeUndefined();
    }
  });

  it('health: 429 with the same body while unhealthy; Go durations and RFC 3339 times', async () => {
    const res = await request('/v1/operator/autopilot/health');
    expect(res.status).toBe(429);
    const body = (await res.json()) as { Healthy: boolean; FailureTolerance: number; Servers: Record<string, unknown>[] };
    expect(body).toMatchObject({ Healthy: false, FailureTolerance: 0 });
    expect(body.Servers[0]).toEqual({
      ID: 'a', Name: 'n1', Address: '127.0.0.1:8300', SerfStatus: 'alive', Version: '1.21.0', Leader: true, LastContact: '0s',
      LastTerm: 2, LastIndex: 40, Healthy: true, Voter: true, StableSince: '2024-01-02T03:04:05.6Z',
    });
    expect(body.Servers[1]).toMatchObject({ LastContact: '1.5s', SerfStatus: 'failed', StableSince: '2024-01-02T03:04:06Z' });
  });

  it('state: servers keyed by ID with their autopilot status', async () => {
    const body = (await (await request('/v1/operator/autopilot/state')).json()) as { Servers: Record<string, { Status: string; NodeStatus: string }>; Leader: string; Voters: string[]; OptimisticFailureTolerance: number };
    expect(body).toMatchObject({ Leader: 'a', Voters: ['a', 'b'], OptimisticFailureTolerance: 1 });
    expect(body.Servers['a']).toMatchObject({ Status: 'leader', NodeStatus: 'alive' });
    expect(body.Servers['b']).toMatchObject({ Status: 'voter', NodeStatus: 'failed' });
  });
});

describe('/v1/operator/usage', () => {
  it('counts services and instances with the query meta in the body, and blocks', async () => {
    h.applier.apply({
      type: 'catalog.register',
      node: { id: '', node: 'web-1', address: '127.0.0.2', datacenter: 'dc1', taggedAddresses: null, meta: null },
      skipNodeUpdate: false,
      service: {
        kind: '', id: 'web', service: 'web', tags: null, address: '', taggedAddresses: null, meta: null, port: 80, socketPath: '',
        weights: { Passing: 1, Warning: 1 }, enableTagOverride: false, extra: null,
      },
      checks: [],
    });
    const res = await request('/v1/operator/usage');
    const body = (await res.json()) as { Usage: Record<string, { Services: number; ServiceInstances: number; BillableServiceInstances: number }>; Index: number; KnownLeader: boolean; ConsistencyLevel: string };
    expect(body.Usage['dc1']).toMatchObject({ Services: 1, ServiceInstances: 1, BillableServiceInstances: 1 });
    expect(body).toMatchObject({ KnownLeader: true, ConsistencyLevel: 'leader' });
    const index = Number(res.headers.get('x-consul-index'));
    expect(body.Index).toBe(index);
    const blocked = request(`/v1/operator/usage?index=${index}&wait=5s`);
    h.applier.apply({ type: 'catalog.deregister', node: 'web-1', serviceId: 'web', checkId: null });
    const woke = (await (await blocked).json()) as { Usage: Record<string, { ServiceInstances: number }> };
    expect(woke.Usage['dc1']?.ServiceInstances).toBe(0);
  });
});

describe('/v1/snapshot', () => {
  it('GET streams the archive with the query meta headers; ?stale is passed through', async () => {
    const res = await request('/v1/snapshot?stale');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-gzip');
    expect(res.headers.get('x-consul-index')).toBe('77');
    expect(res.headers.get('x-consul-knownleader')).toBe('true');
    expect(res.headers.get('x-consul-lastcontact')).toBe('3');
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3, 4]);
    expect(operator.calls).toEqual(['save stale=true']);
  });

  it('PUT hands the raw body over and answers 200 with an empty body; other datacenters are refused first', async () => {
    const res = await request('/v1/snapshot', { method: 'PUT', body: new Uint8Array([9, 8, 7]) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(operator.restored).toEqual([Buffer.from([9, 8, 7])]);
    const other = await request('/v1/snapshot?dc=elsewhere', { method: 'PUT', body: new Uint8Array([1]) });
    expect(other.status).toBe(500);
    expect(await other.text()).toBe('No path to datacenter');
    expect(operator.restored).toHaveLength(1);
  });
});

describe('/v1/agent/metrics', () => {
  it('answers JSON by default and the Prometheus text for ?format=prometheus or a scraper\'s Accept header', async () => {
    const json = (await (await request('/v1/agent/metrics')).json()) as { Timestamp: string; Gauges: unknown[]; Points: unknown[]; Counters: unknown[]; Samples: unknown[] };
    expect(Object.keys(json).sort()).toEqual(['Counters', 'Gauges', 'Points', 'Samples', 'Timestamp']);
    expect(json.Timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    for (const init of [undefined, { headers: { Accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' } }]) {
      const res = await request(init === undefined ? '/v1/agent/metrics?format=prometheus' : '/v1/agent/metrics', init);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const families = parsePrometheusText(await res.text());
      // The JSON request above was measured by the request middleware.
      expect(sampleValue(families, 'cairn_http_request_duration_seconds_count', { route: '/v1/agent/metrics', method: 'GET', code: '200' })).toBeGreaterThanOrEqual(1);
    }
    const open = await request('/v1/agent/metrics', { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(open.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });

  it('counts blocking queries in flight and labels unmatched paths', async () => {
    const blocked = request('/v1/kv/x?index=1000&wait=2s');
    await new Promise((r) => setTimeout(r, 50));
    const during = parsePrometheusText((await metrics.exposition('prometheus')).body);
    expect(sampleValue(during, 'consul_rpc_queries_blocking')).toBe(1);
    await blocked;
    await request('/v1/nope');
    const after = parsePrometheusText((await metrics.exposition('prometheus')).body);
    expect(sampleValue(after, 'consul_rpc_queries_blocking')).toBe(0);
    expect(sampleValue(after, 'cairn_http_request_duration_seconds_count', { route: 'unmatched', method: 'GET', code: '404' })).toBe(1);
    expect(sampleValue(after, 'cairn_http_request_duration_seconds_count', { route: '/v1/kv/_', method: 'GET', code: '404' })).toBe(1);
  });
});

describe('ACLs on the operator surface (default policy deny)', () => {
  it('needs operator:read / operator:write, acl:write for snapshots and agent:read for metrics', async () => {
    const a = await startAclHarness({ defaultPolicy: 'deny' });
    try {
      const services: Services = Object.assign(Object.create(Object.getPrototypeOf(a.services) as object) as Services, a.services, { operator, metrics });
      const app = createApp(services);
      const as = (token: string, path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { 'X-Consul-Token': token } });
      const root = await a.bootstrap();
      const policy = await as(root, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: 'ops-read', Rules: 'operator = "read"' }) });
      expect(policy.status).toBe(200);
      const { SecretID: reader } = (await (await as(root, '/v1/acl/token', { method: 'PUT', body: JSON.stringify({ Policies: [{ Name: 'ops-read' }] }) })).json()) as { SecretID: string };
      expect((await as(reader, '/v1/operator/raft/configuration')).status).toBe(200);
      expect((await as(reader, '/v1/operator/autopilot/health')).status).toBe(429);
      const denied: [string, RequestInit, string][] = [
        ['/v1/operator/raft/peer?id=b', { method: 'DELETE' }, 'operator:write'],
        ['/v1/operator/raft/transfer-leader', { method: 'POST' }, 'operator:write'],
        ['/v1/operator/autopilot/configuration', { method: 'PUT', body: '{}' }, 'operator:write'],
        ['/v1/snapshot', {}, 'acl:write'],
        ['/v1/snapshot', { method: 'PUT', body: new Uint8Array([1]) }, 'acl:write'],
        ['/v1/agent/metrics', {}, 'agent:read'],
      ];
      for (const [path, init, permission] of denied) {
        const res = await as(reader, path, init);
        expect(res.status, path).toBe(403);
        expect(await res.text(), path).toContain(`lacks permission '${permission}'`);
      }
      expect(operator.calls).toEqual(['config stale=false']);
      expect(operator.restored).toEqual([]);
      expect((await as(root, '/v1/snapshot')).status).toBe(200);
      expect((await as(root, '/v1/agent/metrics')).status).toBe(200);
    } finally {
      a.close();
    }
  });
});
