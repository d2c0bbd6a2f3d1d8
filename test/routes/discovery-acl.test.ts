// ACLs on the discovery endpoints (acl.default_policy = deny): catalog and health listings
// drop what the token may not read (and say so), agent writes need service:write or
// node:write, agent/self needs agent:read, catalog writes are vetted on the leader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAclHarness, type AclHarness } from './acl-harness.ts';
import { NODE_NAME } from '../support/routes-harness.ts';

let h: AclHarness;
let root: string;
let webOnly: string;
let nobody: string;

async function token(root: string, rules: string): Promise<string> {
  const links: { Name: string }[] = [];
  if (rules !== '') {
    const name = `p-${Math.abs([...rules].reduce((x, ch) => (x * 31 + ch.charCodeAt(0)) | 0, 7))}`;
    expect((await h.as(root, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: name, Rules: rules }) })).status).toBe(200);
    links.push({ Name: name });
  }
  const res = await h.as(root, '/v1/acl/token', { method: 'PUT', body: JSON.stringify({ Policies: links }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { SecretID: string }).SecretID;
}

beforeAll(async () => {
  h = await startAclHarness({ defaultPolicy: 'deny' });
  root = await h.bootstrap();
  webOnly = await token(root, 'service "web" { policy = "write" }\nnode_prefix "" { policy = "read" }');
  nobody = await token(root, '');
  for (const [node, service] of [['n1', 'web'], ['n2', 'db']] as const) {
    const res = await h.as(root, '/v1/catalog/register', { method: 'PUT', body: JSON.stringify({ Node: node, Address: '127.0.0.30', Service: { Service: service } }) });
    expect(res.status, await res.clone().text()).toBe(200);
  }
});
afterAll(() => h.close());

describe('discovery endpoints with ACLs', () => {
  it('catalog and health listings show only what the token may read, flagged as filtered', async () => {
    const services = await h.as(webOnly, '/v1/catalog/services');
    expect(Object.keys((await services.json()) as object)).toEqual(['web']);
    expect(services.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect(((await (await h.as(webOnly, '/v1/health/service/db')).json()) as unknown[])).toEqual([]);
    expect(((await (await h.as(webOnly, '/v1/health/service/web')).json()) as unknown[])).toHaveLength(1);
    expect(((await (await h.as(nobody, '/v1/catalog/nodes')).json()) as unknown[])).toEqual([]);
    expect(((await (await h.as(root, '/v1/catalog/nodes')).json()) as unknown[])).toHaveLength(3);
  });

  it('agent writes need service:write (or node:write); the denial is Consul\'s 403', async () => {
    expect((await h.as(webOnly, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'web', ID: 'web-local' }) })).status).toBe(200);
    const denied = await h.as(webOnly, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'db' }) });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('Permission denied');
    expect((await h.as(nobody, '/v1/agent/service/deregister/web-local', { method: 'PUT' })).status).toBe(403);
    expect((await h.as(nobody, '/v1/agent/maintenance?enable=true', { method: 'PUT' })).status).toBe(403);
    expect((await h.as(nobody, '/v1/agent/check/register', { method: 'PUT', body: JSON.stringify({ Name: 'n', TTL: '10s' }) })).status).toBe(403);
    // A bad definition is refused for what it is before the token is looked at.
    const bad = await h.as(nobody, '/v1/agent/service/register', { method: 'PUT', body: '{}' });
    expect([bad.status, await bad.text()]).toEqual([400, 'Missing service name']);
  });

  it('agent/self needs agent:read; agent/services is filtered by service:read', async () => {
    expect((await h.as(nobody, '/v1/agent/self')).status).toBe(403);
    expect((await h.as(root, '/v1/agent/self')).status).toBe(200);
    const services = (await (await h.as(nobody, '/v1/agent/services')).json()) as object;
    expect(services).toEqual({});
    expect(Object.keys((await (await h.as(webOnly, '/v1/agent/services')).json()) as object)).toEqual(['web-local']);
  });

  it('catalog writes are vetted on the leader: node:write for the node, service:write for the service', async () => {
    const res = await h.as(webOnly, '/v1/catalog/register', { method: 'PUT', body: JSON.stringify({ Node: NODE_NAME, Address: '127.0.0.1', SkipNodeUpdate: true, Service: { Service: 'db' } }) });
    expect(res.status).toBe(403);
  });
});
