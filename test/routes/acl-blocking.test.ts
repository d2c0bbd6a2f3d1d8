// Blocking queries re-check the token on every wake (Consul resolves and filters inside its
// blocking loop): a policy narrowed, or a token expired, while a request waits takes effect on
// the next wake — a 403 for a single key, a filtered listing with
// X-Consul-Results-Filtered-By-ACLs for a catalog list, "ACL not found" for an expired token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.ts';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

/** Bound on a request reaching its blocking wait (it parks within milliseconds). */
const PARK_TIMEOUT_MS = 5_000;
/** A wait no test runs out: every request here must be ended by a change, not by its wait. */
const LONG_WAIT = '10m';

interface Token { AccessorID: string; SecretID: string }
interface Policy { ID: string }

let h: AclHarness;
let root: string;

beforeEach(async () => {
  h = await startAclHarness({ defaultPolicy: 'deny' });
  root = await h.bootstrap();
});
afterEach(() => h.close());

const put = (path: string, body: unknown, token = root): Promise<Response> =>
  h.as(token, path, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) });

async function policy(name: string, rules: string): Promise<Policy> {
  const res = await put('/v1/acl/policy', { Name: name, Rules: rules });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Policy;
}

async function token(body: Record<string, unknown>): Promise<Token> {
  const res = await put('/v1/acl/token', body);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Token;
}

/**
 * Starts a blocking GET at the index of a first read; resolves once it is parked, with the
 * pending response in a box (an async function would otherwise wait for the response itself).
 */
async function parked(secret: string, path: string): Promise<{ pending: Promise<Response> }> {
  const first = await h.as(secret, path);
  expect(first.status, await first.clone().text()).toBe(200);
  const watching = h.state.hub.size();
  const sep = path.includes('?') ? '&' : '?';
  const pending = h.as(secret, `${path}${sep}index=${first.headers.get('x-consul-index')}&wait=${LONG_WAIT}`);
  await waitFor(() => (h.state.hub.size() > watching ? true : undefined), { timeoutMs: PARK_TIMEOUT_MS, intervalMs: 5, what: `${path} to block` });
  return { pending };
}

describe('a blocking query re-checks its token on every wake', () => {
  it('a single key: the policy turned to deny mid-wait makes the next wake a 403', async () => {
    const p = await policy('kv', 'key_prefix "" { policy = "read" }');
    const t = await token({ Policies: [{ Name: 'kv' }] });
    expect((await put('/v1/kv/k', 'v1')).status).toBe(200);
    const { pending } = await parked(t.SecretID, '/v1/kv/k');
    expect((await put(`/v1/acl/policy/${p.ID}`, { Name: 'kv', Rules: 'key_prefix "" { policy = "deny" }' })).status).toBe(200);
    expect((await put('/v1/kv/k', 'v2')).status).toBe(200);
    const res = await pending;
    expect([res.status, await res.text()]).toEqual([403, `Permission denied: token with AccessorID '${t.AccessorID}' lacks permission 'key:read' on "k"`]);
  });

  it('a catalog listing: a policy narrowed mid-wait filters the next wake and says so', async () => {
    const p = await policy('svc', 'service_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }');
    const t = await token({ Policies: [{ Name: 'svc' }] });
    const register = (id: string, service: string) => put('/v1/catalog/register', { Node: 'n1', Address: '127.0.0.41', Service: { ID: id, Service: service } });
    expect((await register('web1', 'web')).status).toBe(200);
    expect((await register('db1', 'db')).status).toBe(200);
    const { pending } = await parked(t.SecretID, '/v1/catalog/services');
    expect((await put(`/v1/acl/policy/${p.ID}`, { Name: 'svc', Rules: 'service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }' })).status).toBe(200);
    expect((await register('api1', 'api')).status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(Object.keys((await res.json()) as object)).toEqual(['web']);
    expect(res.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
  });

  it('a token that expires mid-wait is "ACL not found" on the next wake', async () => {
    await policy('kv', 'key_prefix "" { policy = "read" }');
    const t = await token({ Policies: [{ Name: 'kv' }], ExpirationTTL: '1m' });
    expect((await put('/v1/kv/k', 'v1')).status).toBe(200);
    const { pending } = await parked(t.SecretID, '/v1/kv/k');
    h.clock.advance(61_000);
    expect((await put('/v1/kv/k', 'v2')).status).toBe(200);
    const res = await pending;
    expect([res.status, await res.text()]).toEqual([403, 'ACL not found']);
  });

  it('a policy widened mid-wait lets the next wake see what it hid', async () => {
    const p = await policy('narrow', 'key "a" { policy = "read" }');
    const t = await token({ Policies: [{ Name: 'narrow' }] });
    for (const key of ['a', 'b']) expect((await put(`/v1/kv/${key}`, key)).status).toBe(200);
    const { pending } = await parked(t.SecretID, '/v1/kv/?keys');
    expect((await put(`/v1/acl/policy/${p.ID}`, { Name: 'narrow', Rules: 'key_prefix "" { policy = "read" }' })).status).toBe(200);
    expect((await put('/v1/kv/c', 'c')).status).toBe(200);
    const res = await pending;
    expect(await res.json()).toEqual(['a', 'b', 'c']);
    expect(res.headers.get('x-consul-results-filtered-by-acls')).toBeNull();
  });
});
