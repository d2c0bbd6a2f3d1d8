// /v1/acl/* (consul-api.md §8): 401 while ACLs are off, bootstrap once and the reset-index
// re-bootstrap, token/policy/role CRUD with Consul's texts, SecretID redaction for acl:read-only
// callers, list filters, decoding errors, built-in protections and blocking reads.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GLOBAL_MANAGEMENT_POLICY_ID, GLOBAL_READ_ONLY_POLICY_ID } from '../../storage/acl/index.ts';
import { startRoutesHarness } from '../support/routes-harness.ts';
import { waitFor } from '../support/wait.ts';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

interface Token { AccessorID: string; SecretID: string; Description: string; Policies?: { ID: string; Name: string }[]; Roles?: { ID: string; Name: string }[]; CreateIndex: number; ModifyIndex: number; Hash: string; CreateTime: string; ExpirationTime?: string }
interface Policy { ID: string; Name: string; Rules: string; CreateIndex: number; ModifyIndex: number }

const json = (v: unknown): RequestInit => ({ body: JSON.stringify(v) });
const put = (v?: unknown): RequestInit => ({ method: 'PUT', ...(v === undefined ? {} : json(v)) });

describe('with ACLs disabled', () => {
  it('answers every ACL endpoint with 401 "ACL support disabled"', async () => {
    const h = startRoutesHarness();
    try {
      for (const [method, path] of [['PUT', '/v1/acl/bootstrap'], ['GET', '/v1/acl/tokens'], ['GET', '/v1/acl/token/self'], ['PUT', '/v1/acl/policy'], ['GET', '/v1/acl/roles'], ['DELETE', '/v1/acl/token/x'], ['GET', '/v1/acl/replication']] as const) {
        const res = await h.request(path, { method });
        expect([path, res.status, await res.text()]).toEqual([path, 401, 'ACL support disabled']);
        expect(res.headers.get('x-consul-default-acl-policy')).toBe('allow');
      }
      // Tokens are ignored: even an unknown one may do anything.
      expect((await h.request('/v1/kv/k', { method: 'PUT', body: 'v', headers: { 'X-Consul-Token': 'nope' } })).status).toBe(200);
    } finally {
      h.close();
    }
  });
});

describe('with ACLs enabled', () => {
  let h: AclHarness;
  let root: string;
  beforeEach(async () => {
    h = await startAclHarness({ defaultPolicy: 'deny' });
    root = await h.bootstrap();
  });
  afterEach(() => h.close());

  const create = async (path: string, body: unknown, token = root): Promise<Response> => h.as(token, path, put(body));
  const tokenWith = async (policies: string[]): Promise<Token> => (await (await create('/v1/acl/token', { Policies: policies.map((ID) => ({ ID })) })).json()) as Token;

  describe('bootstrap', () => {
    it('happens once, then answers 403 with the reset index; the reset file allows exactly one more', async () => {
      const again = await h.request('/v1/acl/bootstrap', { method: 'PUT' });
      expect(again.status).toBe(403);
      const text = await again.text();
      const match = /^Permission denied: ACL bootstrap no longer allowed \(reset index: (\d+)\)$/.exec(text);
      expect(match, text).not.toBeNull();
      const resetIndex = Number(match![1]);
      const file = join(h.dataDir, 'acl-bootstrap-reset');
      writeFileSync(file, `${resetIndex + 7}\n`);
      const wrong = await h.request('/v1/acl/bootstrap', { method: 'PUT' });
      expect([wrong.status, await wrong.text()]).toEqual([500, `Invalid bootstrap reset index (specified ${resetIndex + 7}, reset index: ${resetIndex})`]);
      writeFileSync(file, `${resetIndex}\n`);
      const res = await h.request('/v1/acl/bootstrap', { method: 'PUT' });
      expect(res.status).toBe(200);
      const token = (await res.json()) as Token & { ID: string };
      expect(token.ID).toBe(token.SecretID);
      expect(token.SecretID).not.toBe(root);
      expect(token).toMatchObject({ Description: 'Bootstrap Token (Global Management)', Policies: [{ ID: GLOBAL_MANAGEMENT_POLICY_ID, Name: 'global-management' }] });
      expect(existsSync(file)).toBe(false);
      const third = await h.request('/v1/acl/bootstrap', { method: 'PUT' });
      expect(await third.text()).toBe(`Permission denied: ACL bootstrap no longer allowed (reset index: ${token.CreateIndex})`);
    });

    it('takes a chosen BootstrapSecret and refuses unknown body fields', async () => {
      const fresh = await startAclHarness();
      try {
        const bad = await fresh.request('/v1/acl/bootstrap', put({ BootstrapSecret: 'x', Extra: 1 }));
        expect([bad.status, await bad.text()]).toEqual([400, 'Request decoding failed: json: unknown field "Extra"']);
        const secret = '0b5e1c6a-0000-4000-8000-00000000beef';
        // A token on the request (here an unknown one) plays no part in bootstrapping.
        const res = await fresh.as('4f0e2d1c-0000-4000-8000-000000000000', '/v1/acl/bootstrap', put({ BootstrapSecret: secret }));
        expect(((await res.json()) as Token).SecretID).toBe(secret);
        expect((await fresh.as(secret, '/v1/acl/tokens')).status).toBe(200);
      } finally {
        fresh.close();
      }
    });

    it('is done by acl.tokens.initial_management on the first leadership', async () => {
      const initial = '7d1e0c9b-0000-4000-8000-00000000c0de';
      const configured = await startAclHarness({ defaultPolicy: 'deny', initialManagement: initial });
      try {
        const self = (await (await configured.as(initial, '/v1/acl/token/self')).json()) as Token;
        expect(self).toMatchObject({ SecretID: initial, Description: 'Initial Management Token', Policies: [{ ID: GLOBAL_MANAGEMENT_POLICY_ID, Name: 'global-management' }] });
        expect((await configured.request('/v1/acl/bootstrap', { method: 'PUT' })).status).toBe(403);
        expect((await configured.as(initial, '/v1/kv/k', put('v'))).status).toBe(200);
      } finally {
        configured.close();
      }
    });
  });

  describe('tokens', () => {
    it('creates, reads, updates, clones and deletes, keeping CreateIndex', async () => {
      await create('/v1/acl/policy', { Name: 'ops', Rules: 'node_prefix "" { policy = "read" }' });
      const res = await create('/v1/acl/token', { Description: 'a', Policies: [{ Name: 'ops' }] });
      expect(res.status).toBe(200);
      const t = (await res.json()) as Token;
      expect(t.Policies).toEqual([{ ID: expect.any(String), Name: 'ops' }]);
      const read = (await (await h.as(root, `/v1/acl/token/${t.AccessorID}`)).json()) as Token;
      expect(read).toEqual(t);
      const updated = (await (await h.as(root, `/v1/acl/token/${t.AccessorID}`, put({ Description: 'b', Policies: [{ Name: 'ops' }] }))).json()) as Token;
      expect(updated).toMatchObject({ AccessorID: t.AccessorID, SecretID: t.SecretID, Description: 'b', CreateIndex: t.CreateIndex, CreateTime: t.CreateTime });
      expect(updated.ModifyIndex).toBeGreaterThan(t.ModifyIndex);
      const clone = (await (await h.as(root, `/v1/acl/token/${t.AccessorID}/clone`, put({ Description: 'copy' }))).json()) as Token;
      expect(clone).toMatchObject({ Description: 'copy', Policies: t.Policies });
      expect(clone.AccessorID).not.toBe(t.AccessorID);
      expect(clone.SecretID).not.toBe(t.SecretID);
      expect(await (await h.as(root, `/v1/acl/token/${t.AccessorID}`, { method: 'DELETE' })).json()).toBe(true);
      const gone = await h.as(root, `/v1/acl/token/${t.AccessorID}`, { method: 'DELETE' });
      expect([gone.status, await gone.text()]).toEqual([404, 'Cannot find token to delete']);
      const missing = await h.as(root, `/v1/acl/token/${t.AccessorID}`);
      expect([missing.status, await missing.text()]).toEqual([404, 'Requested token does not exist: ACL not found']);
    });

    it('answers Consul\'s texts for bad token writes', async () => {
      const cases: [RequestInit & { path?: string }, number, string][] = [
        [{ body: '{"Description":' }, 400, 'Token decoding failed: unexpected EOF'],
        [json({ Foo: 1 }), 400, 'Token decoding failed: json: unknown field "Foo"'],
        [json({ Namespace: 'x' }), 400, 'Token decoding failed: json: unknown field "Namespace": Namespaces are a Consul Enterprise feature'],
        [json({ Policies: [{ Name: 'nope' }] }), 500, 'No such ACL policy with name "nope"'],
        [json({ Roles: [{ ID: '1b4a4f3e-0000-4000-8000-000000000000' }] }), 500, 'No such ACL role with ID "1b4a4f3e-0000-4000-8000-000000000000"'],
        [json({ AccessorID: 'not-a-uuid' }), 500, 'Invalid Token: AccessorID - not a valid UUID'],
        [json({ SecretID: '00000000-0000-0000-0000-000000000005' }), 500, 'Invalid Token: SecretID - UUIDs with the prefix "00000000-0000-0000-0000-0000000000" are reserved'],
        [json({ SecretID: root }), 500, 'Invalid Token: SecretID is already in use'],
        [json({ ServiceIdentities: [{ ServiceName: 'Web!' }] }), 500, "Service identity \"Web!\" has an invalid name. Only lowercase alphanumeric characters, '-' and '_' are allowed"],
        [json({ NodeIdentities: [{ NodeName: 'n1' }] }), 500, 'Node identity is missing the datacenter field on this token'],
        [json({ ExpirationTTL: 'soon' }), 400, 'Token decoding failed: time: invalid duration "soon"'],
        [json({ Rules: 'key "" {}' }), 500, 'Rules cannot be specified for this token'],
      ];
      for (const [init, status, text] of cases) {
        const res = await h.as(root, '/v1/acl/token', { method: 'PUT', ...init });
        expect([status, text]).toEqual([res.status, await res.text()]);
      }
      const t = await tokenWith([]);
      const mismatch = await h.as(root, `/v1/acl/token/${t.AccessorID}`, put({ AccessorID: t.SecretID }));
      expect([mismatch.status, await mismatch.text()]).toEqual([400, 'Token Accessor ID in URL and payload do not match']);
      const secret = await h.as(root, `/v1/acl/token/${t.AccessorID}`, put({ SecretID: root }));
      expect(await secret.text()).toBe("Changing a token's SecretID is not permitted");
      const anon = await h.as(root, '/v1/acl/token/00000000-0000-0000-0000-000000000002', { method: 'DELETE' });
      expect([anon.status, await anon.text()]).toEqual([500, 'Delete operation not permitted on the anonymous token']);
      const self = ((await (await h.as(root, '/v1/acl/token/self')).json()) as Token).AccessorID;
      const own = await h.as(root, `/v1/acl/token/${self}`, { method: 'DELETE' });
      expect([own.status, await own.text()]).toEqual([500, "Deletion of the request's authorization token is not permitted"]);
      expect((await h.request('/v1/acl/token/', { method: 'GET' })).status).toBe(400);
    });

    it('shows SecretIDs only to callers with acl:write', async () => {
      const readOnly = await tokenWith([GLOBAL_READ_ONLY_POLICY_ID]);
      const other = await tokenWith([]);
      const seen = (await (await h.as(readOnly.SecretID, `/v1/acl/token/${other.AccessorID}`)).json()) as Token;
      expect(seen.SecretID).toBe('<hidden>');
      const listed = (await (await h.as(readOnly.SecretID, '/v1/acl/tokens')).json()) as Token[];
      expect(listed.length).toBeGreaterThanOrEqual(3);
      expect(new Set(listed.map((t) => t.SecretID))).toEqual(new Set(['<hidden>']));
      expect(((await (await h.as(root, `/v1/acl/token/${other.AccessorID}`)).json()) as Token).SecretID).toBe(other.SecretID);
      // A token reading itself sees its own secret; writes need acl:write.
      expect(((await (await h.as(readOnly.SecretID, '/v1/acl/token/self')).json()) as Token).SecretID).toBe(readOnly.SecretID);
      const denied = await h.as(readOnly.SecretID, '/v1/acl/token', put({}));
      expect([denied.status, await denied.text()]).toEqual([403, `Permission denied: token with AccessorID '${readOnly.AccessorID}' lacks permission 'acl:write'`]);
      expect((await h.as(other.SecretID, '/v1/acl/tokens')).status).toBe(403);
    });

    it('filters token lists by policy and role, and expands a token on request', async () => {
      const p = (await (await create('/v1/acl/policy', { Name: 'p1', Rules: '' })).json()) as Policy;
      const role = (await (await create('/v1/acl/role', { Name: 'r1', Policies: [{ Name: 'p1' }] })).json()) as { ID: string };
      const a = await tokenWith([p.ID]);
      const b = (await (await create('/v1/acl/token', { Roles: [{ Name: 'r1' }] })).json()) as Token;
      const ids = async (q: string): Promise<string[]> => ((await (await h.as(root, `/v1/acl/tokens?${q}`)).json()) as Token[]).map((t) => t.AccessorID);
      expect(await ids(`policy=${p.ID}`)).toEqual([a.AccessorID]);
      expect(await ids(`role=${role.ID}`)).toEqual([b.AccessorID]);
      const both = await h.as(root, `/v1/acl/tokens?policy=${p.ID}&role=${role.ID}`);
      expect([both.status, await both.text()]).toEqual([500, 'can only filter by one of policy, role, or auth method at once']);
      const expanded = (await (await h.as(root, `/v1/acl/token/${b.AccessorID}?expanded`)).json()) as { ExpandedPolicies: Policy[]; ExpandedRoles: { Name: string }[]; AgentACLDefaultPolicy: string };
      expect(expanded.ExpandedPolicies.map((x) => x.Name)).toEqual(['p1']);
      expect(expanded.ExpandedRoles.map((x) => x.Name)).toEqual(['r1']);
      expect(expanded.AgentACLDefaultPolicy).toBe('deny');
    });
  });

  describe('policies and roles', () => {
    it('creates, reads by ID and name, updates, lists and deletes policies', async () => {
      const res = await create('/v1/acl/policy', { Name: 'kv', Description: 'd', Rules: 'key_prefix "" { policy = "read" }', Datacenters: ['dc1'] });
      expect(res.status).toBe(200);
      const p = (await res.json()) as Policy;
      expect(await (await h.as(root, `/v1/acl/policy/${p.ID}`)).json()).toEqual(p);
      expect(await (await h.as(root, '/v1/acl/policy/name/kv')).json()).toEqual(p);
      const updated = (await (await h.as(root, `/v1/acl/policy/${p.ID}`, put({ Name: 'kv2', Rules: '' }))).json()) as Policy;
      expect(updated).toMatchObject({ ID: p.ID, Name: 'kv2', Rules: '', CreateIndex: p.CreateIndex });
      const list = (await (await h.as(root, '/v1/acl/policies')).json()) as Record<string, unknown>[];
      expect(list.map((x) => x['Name'])).toEqual(['global-management', 'builtin/global-read-only', 'kv2']);
      expect(list[2]).not.toHaveProperty('Rules');
      expect(await (await h.as(root, `/v1/acl/policy/${p.ID}`, { method: 'DELETE' })).json()).toBe(true);
      const again = await h.as(root, `/v1/acl/policy/${p.ID}`, { method: 'DELETE' });
      expect([again.status, await again.text()]).toEqual([404, 'Cannot find policy to delete']);
      const read = await h.as(root, '/v1/acl/policy/name/kv2');
      expect([read.status, await read.text()]).toEqual([404, 'Requested policy does not exist: ACL not found']);
    });

    it('validates names, rules and the built-ins with Consul\'s texts', async () => {
      const cases: [string, unknown, number, string][] = [
        ['/v1/acl/policy', { ID: 'x', Name: 'a' }, 400, 'Cannot specify the ID when creating a new policy'],
        ['/v1/acl/policy', { Name: '' }, 500, 'Invalid Policy: no Name is set'],
        ['/v1/acl/policy', { Name: 'a b' }, 500, "Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed"],
        ['/v1/acl/policy', { Name: 'GLOBAL-management' }, 500, 'Invalid Policy: A Policy with Name "GLOBAL-management" already exists'],
        ['/v1/acl/policy', { Name: 'bad', Rules: 'key "a" { policy = "sometimes" }' }, 500, 'Invalid key policy: &acl.KeyRule{Prefix:"a", Policy:"sometimes", EnterpriseRule:acl.EnterpriseRule{}}'],
        ['/v1/acl/policy', { Name: 'bad', Rules: 'key "a" {' }, 500, 'Failed to parse ACL rules: At 1:10: object expected closing RBRACE got: EOF'],
        ['/v1/acl/policy', { Name: 'x', Syntax: 1 }, 400, 'Policy decoding failed: json: unknown field "Syntax"'],
        [`/v1/acl/policy/${GLOBAL_MANAGEMENT_POLICY_ID}`, { Name: 'global-management', Rules: 'acl = "read"' }, 500, 'Changing the Rules for the builtin global-management policy is not permitted'],
        ['/v1/acl/role', { Name: 'r', Policies: [{ Name: 'nope' }] }, 500, 'No such ACL policy with name "nope"'],
        ['/v1/acl/role', { Name: '' }, 500, 'Invalid Role: no Name is set'],
        ['/v1/acl/role', { Name: 'r', ServiceIdentities: [{}] }, 500, 'Service identity is missing the service name field on this role'],
      ];
      for (const [path, body, status, text] of cases) {
        const res = await create(path, body);
        expect([path, status, text]).toEqual([path, res.status, await res.text()]);
      }
      const del = await h.as(root, `/v1/acl/policy/${GLOBAL_MANAGEMENT_POLICY_ID}`, { method: 'DELETE' });
      expect([del.status, await del.text()]).toEqual([500, 'Delete operation not permitted on the builtin global-management policy']);
    });

    it('links roles to policies and lists them by policy', async () => {
      const p = (await (await create('/v1/acl/policy', { Name: 'p', Rules: 'service_prefix "" { policy = "read" }' })).json()) as Policy;
      const res = await create('/v1/acl/role', { Name: 'svc', Policies: [{ Name: 'p' }], NodeIdentities: [{ NodeName: 'n1', Datacenter: 'dc1' }] });
      expect(res.status).toBe(200);
      const role = (await res.json()) as { ID: string; Policies: { ID: string; Name: string }[]; NodeIdentities: unknown[] };
      expect(role.Policies).toEqual([{ ID: p.ID, Name: 'p' }]);
      expect(role.NodeIdentities).toEqual([{ NodeName: 'n1', Datacenter: 'dc1' }]);
      expect(await (await h.as(root, '/v1/acl/role/name/svc')).json()).toEqual(role);
      expect(((await (await h.as(root, `/v1/acl/roles?policy=${p.ID}`)).json()) as unknown[]).length).toBe(1);
      expect(await (await h.as(root, `/v1/acl/roles?policy=${GLOBAL_MANAGEMENT_POLICY_ID}`)).json()).toEqual([]);
      // A token holding the role gets the role's policy and the node identity's rights.
      const t = (await (await create('/v1/acl/token', { Roles: [{ ID: role.ID }] })).json()) as Token;
      expect((await h.as(t.SecretID, '/v1/session/create', put())).status).toBe(403);
      expect(h.resolver.resolve(t.SecretID)).toMatchObject({ ok: true });
      const authz = h.acl.resolve(t.SecretID);
      expect(authz.ok && authz.identity.authorizer.serviceRead('web') && authz.identity.authorizer.nodeWrite('n1')).toBe(true);
      expect(await (await h.as(root, `/v1/acl/role/${role.ID}`, { method: 'DELETE' })).json()).toBe(true);
      const gone = await h.as(root, `/v1/acl/role/${role.ID}`, { method: 'DELETE' });
      expect([gone.status, await gone.text()]).toEqual([404, 'Cannot find role to delete']);
    });
  });

  describe('blocking reads', () => {
    it('a policy list blocks until a policy changes, and its index moves', async () => {
      const first = await h.as(root, '/v1/acl/policies');
      const index = Number(first.headers.get('x-consul-index'));
      const watching = h.state.hub.size();
      const pending = h.as(root, `/v1/acl/policies?index=${index}&wait=30s`);
      await waitFor(() => (h.state.hub.size() > watching ? true : undefined), { timeoutMs: 5_000, intervalMs: 5, what: 'the blocking read to wait' });
      await create('/v1/acl/policy', { Name: 'later' });
      const res = await pending;
      expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(index);
      expect(((await res.json()) as Policy[]).map((p) => p.Name)).toContain('later');
    });

    it('a token deleted while its request waits ends the wait with "ACL not found"', async () => {
      await create('/v1/acl/policy', { Name: 'kv', Rules: 'key_prefix "" { policy = "read" }' });
      const t = (await (await create('/v1/acl/token', { Policies: [{ Name: 'kv' }] })).json()) as Token;
      await h.as(root, '/v1/kv/k', put('v'));
      const first = await h.as(t.SecretID, '/v1/kv/k');
      expect(first.status).toBe(200);
      const watching = h.state.hub.size();
      const started = Date.now();
      const pending = h.as(t.SecretID, `/v1/kv/k?index=${first.headers.get('x-consul-index')}&wait=30s`);
      // Only once the request is parked in its blocking wait is the token deleted.
      await waitFor(() => (h.state.hub.size() > watching ? true : undefined), { timeoutMs: 5_000, intervalMs: 5, what: 'the blocking read to wait' });
      await h.as(root, `/v1/acl/token/${t.AccessorID}`, { method: 'DELETE' });
      const res = await pending;
      expect([res.status, await res.text()]).toEqual([403, 'ACL not found']);
      // Woken by the deletion itself, not by the 30 s wait running out.
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
