// Service discovery under acl.default_policy = deny on 3 real `cairn agent` processes (the
// initial management token from the config file, token persistence on): the servers' own
// registrations keep working; a service registered through a follower's agent with a
// service-identity token syncs into the catalog; catalog and health reads are filtered per
// token (X-Consul-Token, ?token=, Authorization: Bearer, and the npm client); deregistration
// needs the agent token, set through PUT /v1/agent/token/agent, which survives a restart in
// acl-tokens.json; no secret reaches a log line.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

/** Bound on a replicated or anti-entropy change reaching another server. */
const SYNC_TIMEOUT_MS = 15_000;
const ROOT = '8e2f9a10-4c3b-4d5e-9f60-7a8b9c0d1e2f';

let cluster: Cluster;
let configDir: string;
let follower: AgentProcess;
let other: AgentProcess;
const secrets: Record<string, string> = { root: ROOT };

const call = (server: AgentProcess, path: string, init: RequestInit & { token?: string | undefined } = {}): Promise<Response> => {
  const { token, ...rest } = init;
  return fetch(server.url(path), { ...rest, headers: { ...(token === undefined ? {} : { 'X-Consul-Token': token }), ...(rest.headers as Record<string, string> | undefined) } });
};

async function json<T>(server: AgentProcess, path: string, token?: string): Promise<T> {
  const res = await call(server, path, token === undefined ? {} : { token });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

async function createToken(server: AgentProcess, body: unknown): Promise<string> {
  const res = await call(server, '/v1/acl/token', { method: 'PUT', token: ROOT, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { SecretID: string }).SecretID;
}

const instancesOf = async (server: AgentProcess, name: string): Promise<string[]> =>
  (await json<{ ServiceID: string; Node: string }[]>(server, `/v1/catalog/service/${name}`, ROOT)).map((s) => `${s.ServiceID}@${s.Node}`).sort();

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'cairn-acl-discovery-'));
  const config = join(configDir, 'acl.json');
  writeFileSync(config, JSON.stringify({ acl: { enabled: true, default_policy: 'deny', enable_token_persistence: true, tokens: { initial_management: ROOT } } }));
  cluster = await startCluster({ size: 3, extraArgs: ['-config-file', config] });
  await cluster.leader();
  [follower, other] = (await cluster.followers()) as [AgentProcess, AgentProcess];
  // The leader writes the initial management token once it has won its election.
  for (const s of cluster.servers) {
    await waitFor(async () => ((await call(s, '/v1/acl/token/self', { token: ROOT })).status === 200 ? true : undefined), { timeoutMs: SYNC_TIMEOUT_MS, what: `the management token on ${s.options.name}` });
  }
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

describe('discovery with default_policy deny on 3 real servers', () => {
  it('the servers\' own registrations keep working: every node, its serfHealth and the consul service', async () => {
    const names = cluster.servers.map((s) => s.options.name).sort();
    await waitFor(async () => {
      const consul = await instancesOf(other, 'consul');
      return consul.length === 3 ? true : undefined;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: 'three consul instances' });
    expect((await json<{ Node: string }[]>(other, '/v1/catalog/nodes', ROOT)).map((n) => n.Node).sort()).toEqual(names);
    for (const name of names) {
      const checks = await json<{ CheckID: string; Status: string }[]>(other, `/v1/health/node/${name}`, ROOT);
      expect(checks).toContainEqual(expect.objectContaining({ CheckID: 'serfHealth', Status: 'passing' }));
    }
    // Without a token nothing is visible, and nothing says so.
    const anonymous = await call(other, '/v1/catalog/nodes');
    expect(await anonymous.json()).toEqual([]);
    expect(anonymous.headers.get('x-consul-results-filtered-by-acls')).toBeNull();
  });

  it('a service registered through a follower\'s agent with a service-identity token syncs into the catalog', async () => {
    secrets['web'] = await createToken(follower, { Description: 'web', ServiceIdentities: [{ ServiceName: 'web' }] });
    secrets['db'] = await createToken(follower, { Description: 'db', ServiceIdentities: [{ ServiceName: 'db' }] });
    // The agent refuses a registration the token cannot make, as Consul's agent does.
    const refused = await call(follower, '/v1/agent/service/register', { method: 'PUT', token: secrets['web'], body: JSON.stringify({ Name: 'db' }) });
    expect(refused.status).toBe(403);
    const npm = new Consul({ host: '127.0.0.1', port: follower.options.httpPort });
    // The client's typings demand a check name and timeout that Consul does not need for a TTL check.
    await npm.agent.service.register({ name: 'web', id: 'web-1', port: 8080, check: { ttl: '30s' }, token: secrets['web'] } as never);
    await npm.agent.service.register({ name: 'db', id: 'db-1', port: 5432, token: secrets['db'] });
    const node = follower.options.name;
    for (const [name, id] of [['web', 'web-1'], ['db', 'db-1']] as const) {
      await waitFor(async () => ((await instancesOf(other, name)).includes(`${id}@${node}`) ? true : undefined), { timeoutMs: SYNC_TIMEOUT_MS, what: `${id} in the catalog` });
    }
    await npm.agent.check.pass({ id: 'service:web-1', token: secrets['web'] });
    await waitFor(async () => {
      const health = await json<{ Checks: { CheckID: string; Status: string }[] }[]>(other, '/v1/health/service/web', ROOT);
      return health[0]?.Checks.find((c) => c.CheckID === 'service:web-1')?.Status === 'passing' ? true : undefined;
    }, { timeoutMs: SYNC_TIMEOUT_MS, what: 'the TTL pass in the catalog' });
  });

  it('catalog and health reads are filtered per token, whichever way the token is sent', async () => {
    const policy = await call(follower, '/v1/acl/policy', { method: 'PUT', token: ROOT, body: JSON.stringify({ Name: 'web-reader', Rules: 'service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }' }) });
    expect(policy.status).toBe(200);
    secrets['reader'] = await createToken(follower, { Description: 'web reader', Policies: [{ Name: 'web-reader' }] });
    const reader = secrets['reader'];
    const leader = await cluster.leader();
    const services = await call(leader, '/v1/catalog/services', { token: reader });
    expect(Object.keys((await services.json()) as object)).toEqual(['web']);
    expect(services.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    const viaQuery = await fetch(other.url(`/v1/catalog/services?token=${reader}`));
    expect(Object.keys((await viaQuery.json()) as object)).toEqual(['web']);
    const viaBearer = await fetch(other.url('/v1/health/service/db'), { headers: { Authorization: `Bearer ${reader}` } });
    expect(await viaBearer.json()).toEqual([]);
    expect(viaBearer.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    const unknown = await call(other, '/v1/catalog/services', { token: 'f0f0f0f0-0000-4000-8000-000000000000' });
    expect([unknown.status, await unknown.text()]).toEqual([403, 'ACL not found']);

    // The npm client with the reader token, against the follower whose agent holds the services.
    const npm = new Consul({ host: '127.0.0.1', port: follower.options.httpPort, defaults: { token: reader } });
    expect((await npm.catalog.service.nodes('web')).map((n) => n.ServiceID)).toEqual(['web-1']);
    expect(await npm.catalog.service.nodes('db')).toEqual([]);
    expect((await npm.health.service('web')).map((e) => e.Service.ID)).toEqual(['web-1']);
    expect(Object.keys(await npm.agent.service.list())).toEqual(['web-1']);
    expect(Object.keys(await npm.agent.check.list())).toEqual(['service:web-1']);
    await expect(npm.agent.self()).rejects.toMatchObject({ response: { statusCode: 403 } });
  });

  it('deregistration needs the agent token; PUT /v1/agent/token/agent unblocks it and persists it', async () => {
    const node = follower.options.name;
    const res = await call(follower, '/v1/agent/service/deregister/web-1', { method: 'PUT', token: secrets['web'] });
    expect(res.status).toBe(200);
    // No agent (or default) token yet: the leader refuses the anonymous deregistration.
    await waitFor(() => (follower.tail(400).includes('write blocked by ACLs') ? true : undefined), { timeoutMs: SYNC_TIMEOUT_MS, what: 'the blocked deregistration in the log' });
    expect(await instancesOf(other, 'web')).toEqual([`web-1@${node}`]);

    secrets['agent'] = await createToken(follower, { Description: `agent ${node}`, NodeIdentities: [{ NodeName: node, Datacenter: 'dc1' }] });
    const set = await call(follower, '/v1/agent/token/agent', { method: 'PUT', token: ROOT, body: JSON.stringify({ Token: secrets['agent'] }) });
    expect(set.status, await set.clone().text()).toBe(200);
    await waitFor(async () => ((await instancesOf(other, 'web')).length === 0 ? true : undefined), { timeoutMs: SYNC_TIMEOUT_MS, what: 'web-1 deregistered with the agent token' });
    const file = join(cluster.root, node, 'acl-tokens.json');
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ agent: secrets['agent'] });
  });

  it('the persisted agent token is in force after a restart', async () => {
    await follower.stop();
    await follower.start();
    await cluster.leader();
    const node = follower.options.name;
    const res = await call(follower, '/v1/agent/service/deregister/db-1', { method: 'PUT', token: secrets['db'] });
    expect(res.status, await res.clone().text()).toBe(200);
    await waitFor(async () => ((await instancesOf(other, 'db')).includes(`db-1@${node}`) ? undefined : true), { timeoutMs: SYNC_TIMEOUT_MS, what: 'db-1 deregistered after the restart' });
  });

  it('writes no secret to any log line', () => {
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(5);
    for (const s of cluster.servers) {
      const log = s.tail(400);
      expect(log.length).toBeGreaterThan(0);
      for (const secret of Object.values(secrets)) expect(log).not.toContain(secret);
    }
  });
});
