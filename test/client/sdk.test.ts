// The generated TypeScript SDK (openapi/sdk) against a live `cairn agent` process: typed KV
// writes and reads, a blocking query woken by a later write, agent service registration seen in
// health reads, and Consul's plain-text errors surfacing as the SDK's error value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCairnClient, decodeValue, queryMeta, rawBody, type CairnClient } from '../../openapi/sdk/index.ts';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

let cluster: Cluster;
let server: AgentProcess;
let sdk: CairnClient;

beforeAll(async () => {
  cluster = await startCluster({ size: 1 });
  server = await cluster.leader();
  sdk = createCairnClient({ baseUrl: `http://${server.httpAddress}` });
});
afterAll(async () => cluster?.stop());

describe('the generated SDK', () => {
  it('writes and reads keys with slashes, typed', async () => {
    const put = await sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'sdk/app config' }, query: { flags: '42' } }, body: 'max_conns=100', ...rawBody });
    expect(put.error).toBeUndefined();
    expect(put.data).toBe(true);
    const got = await sdk.GET('/v1/kv/{key}', { params: { path: { key: 'sdk/app config' } } });
    expect(got.response.status).toBe(200);
    const entries = got.data as { Key: string; Value: string | null; Flags: number }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ Key: 'sdk/app config', Flags: 42 });
    expect(decodeValue(entries[0]!.Value)).toBe('max_conns=100');
    const keys = await sdk.GET('/v1/kv/{key}', { params: { path: { key: 'sdk/' }, query: { keys: '' } } });
    expect(keys.data).toEqual(['sdk/app config']);
  });

  it('blocks on ?index until a write moves the key past it', async () => {
    await sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'sdk/watched' } }, body: 'v1', ...rawBody });
    const first = await sdk.GET('/v1/kv/{key}', { params: { path: { key: 'sdk/watched' } } });
    const index = queryMeta(first.response).index;
    expect(index).toBeGreaterThan(0);

    let settled = false;
    const blocked = sdk.GET('/v1/kv/{key}', { params: { path: { key: 'sdk/watched' }, query: { index: String(index), wait: '20s' } } }).finally(() => (settled = true));
    // The request must still be waiting after the server had ample time to answer a plain read.
    const control = await sdk.GET('/v1/status/leader');
    expect(control.response.status).toBe(200);
    expect(settled).toBe(false);

    await sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'sdk/watched' } }, body: 'v2', ...rawBody });
    const woke = await blocked;
    expect(queryMeta(woke.response).index).toBeGreaterThan(index);
    expect(decodeValue((woke.data as { Value: string | null }[])[0]!.Value)).toBe('v2');
  });

  it('registers a service through the agent and reads its health', async () => {
    const reg = await sdk.PUT('/v1/agent/service/register', {
      body: { Name: 'sdk-web', ID: 'sdk-web-1', Port: 8080, Tags: ['v1'], Check: { TTL: '30s', Status: 'passing' } } as never,
    });
    expect(reg.response.status).toBe(200);
    const health = await waitFor(
      async () => {
        const res = await sdk.GET('/v1/health/service/{service}', { params: { path: { service: 'sdk-web' } } });
        const list = res.data as { Service: { ID: string; Port: number }; Checks: { Status: string; ServiceID: string }[] }[] | undefined;
        return list !== undefined && list.length === 1 ? list : undefined;
      },
      { timeoutMs: 10_000, what: 'sdk-web in the catalog' },
    );
    expect(health[0]!.Service).toMatchObject({ ID: 'sdk-web-1', Port: 8080 });
    expect(health[0]!.Checks.find((c) => c.ServiceID === 'sdk-web-1')?.Status).toBe('passing');
  });

  it('surfaces Consul\'s plain-text errors and the CAS outcome', async () => {
    const conflicting = await sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'sdk/x' }, query: { cas: '0', acquire: 'abc' } }, body: '', ...rawBody });
    expect(conflicting.response.status).toBe(400);
    expect(String(conflicting.error)).toMatch(/^Conflicting flags/);
    await sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'sdk/cas' } }, body: 'a', ...rawBody });
    const stale = await sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'sdk/cas' }, query: { cas: '1' } }, body: 'b', ...rawBody });
    expect(stale.data).toBe(false);
  });

  it('sends the token header when given one', async () => {
    const seen: string[] = [];
    const withToken = createCairnClient({
      baseUrl: `http://${server.httpAddress}`,
      token: 'a-token',
      fetch: (request) => {
        seen.push(request.headers.get('X-Consul-Token') ?? '');
        return fetch(request);
      },
    });
    const res = await withToken.GET('/v1/status/leader');
    expect(res.data).toBe(server.clusterAddress);
    expect(seen).toEqual(['a-token']);
  });
});
