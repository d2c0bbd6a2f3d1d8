// ACL enforcement matrix: tokens with no rules, read, write, deny and prefix rules, under
// acl.default_policy allow and deny, against KV single-key reads and writes, listings
// (silently filtered, with X-Consul-Results-Filtered-By-ACLs), recursive deletes
// (KeyWritePrefix), sessions and transactions — each expectation a status or a visible set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

const RULES = {
  none: '',
  read: 'key_prefix "" { policy = "read" }\nsession_prefix "" { policy = "read" }',
  write: 'key_prefix "" { policy = "write" }\nsession_prefix "" { policy = "write" }',
  deny: 'key_prefix "" { policy = "deny" }\nsession_prefix "" { policy = "deny" }',
  prefix: 'key_prefix "app/" { policy = "write" }\nkey "app/secret" { policy = "deny" }\nsession "node1" { policy = "write" }',
} as const;
type Kind = keyof typeof RULES;

interface Expect {
  readKey: number;
  writeKey: number;
  readSecret: number;
  /** Keys a recurse listing of "" shows (404 when none). */
  listed: string[];
  deleteTree: number;
  sessionCreate: number;
}

const ALL = ['app/secret', 'app/x', 'other'];
const MATRIX: Record<'allow' | 'deny', Record<Kind, Expect>> = {
  allow: {
    none: { readKey: 200, writeKey: 200, readSecret: 200, listed: ALL, deleteTree: 200, sessionCreate: 200 },
    read: { readKey: 200, writeKey: 403, readSecret: 200, listed: ALL, deleteTree: 403, sessionCreate: 403 },
    write: { readKey: 200, writeKey: 200, readSecret: 200, listed: ALL, deleteTree: 200, sessionCreate: 200 },
    deny: { readKey: 403, writeKey: 403, readSecret: 403, listed: [], deleteTree: 403, sessionCreate: 403 },
    prefix: { readKey: 200, writeKey: 200, readSecret: 403, listed: ['app/x', 'other'], deleteTree: 403, sessionCreate: 200 },
  },
  deny: {
    none: { readKey: 403, writeKey: 403, readSecret: 403, listed: [], deleteTree: 403, sessionCreate: 403 },
    read: { readKey: 200, writeKey: 403, readSecret: 200, listed: ALL, deleteTree: 403, sessionCreate: 403 },
    write: { readKey: 200, writeKey: 200, readSecret: 200, listed: ALL, deleteTree: 200, sessionCreate: 200 },
    deny: { readKey: 403, writeKey: 403, readSecret: 403, listed: [], deleteTree: 403, sessionCreate: 403 },
    prefix: { readKey: 200, writeKey: 200, readSecret: 403, listed: ['app/x'], deleteTree: 403, sessionCreate: 200 },
  },
};

for (const policy of ['allow', 'deny'] as const) {
  describe(`acl.default_policy = ${policy}`, () => {
    let h: AclHarness;
    let root: string;
    const secrets = {} as Record<Kind, string>;

    beforeAll(async () => {
      h = await startAclHarness({ defaultPolicy: policy });
      root = await h.bootstrap();
      for (const key of ALL) expect((await h.as(root, `/v1/kv/${key}`, { method: 'PUT', body: key })).status).toBe(200);
      for (const kind of Object.keys(RULES) as Kind[]) {
        const links = [];
        if (RULES[kind] !== '') {
          const res = await h.as(root, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: `p-${kind}`, Rules: RULES[kind] }) });
          expect(res.status).toBe(200);
          links.push({ Name: `p-${kind}` });
        }
        const res = await h.as(root, '/v1/acl/token', { method: 'PUT', body: JSON.stringify({ Description: kind, Policies: links }) });
        expect(res.status).toBe(200);
        secrets[kind] = ((await res.json()) as { SecretID: string }).SecretID;
      }
    });
    afterAll(() => h.close());

    it('sends X-Consul-Default-ACL-Policy on every response, even a 404', async () => {
      for (const path of ['/v1/kv/missing', '/v1/status/leader', '/v1/acl/token/self']) {
        expect((await h.request(path)).headers.get('x-consul-default-acl-policy')).toBe(policy);
      }
    });

    describe.each(Object.keys(RULES) as Kind[])('token with %s rules', (kind) => {
      const want = MATRIX[policy][kind];

      it('single-key reads and writes answer 200 or 403 with Consul\'s text', async () => {
        const read = await h.as(secrets[kind], '/v1/kv/app/x');
        expect(read.status).toBe(want.readKey);
        if (read.status === 403) expect(await read.text()).toMatch(/^Permission denied: token with AccessorID '[0-9a-f-]+' lacks permission 'key:read' on "app\/x"$/);
        expect((await h.as(secrets[kind], '/v1/kv/app/secret')).status).toBe(want.readSecret);
        const write = await h.as(secrets[kind], '/v1/kv/app/x', { method: 'PUT', body: 'v' });
        expect(write.status).toBe(want.writeKey);
        if (write.status === 403) expect(await write.text()).toContain("lacks permission 'key:write' on \"app/x\"");
      });

      it('listings drop what the token may not read, and say so', async () => {
        const res = await h.as(secrets[kind], '/v1/kv/?recurse');
        const filtered = want.listed.length < ALL.length;
        expect(res.headers.get('x-consul-results-filtered-by-acls')).toBe(filtered ? 'true' : null);
        if (want.listed.length === 0) {
          expect(res.status).toBe(404);
        } else {
          expect(res.status).toBe(200);
          expect(((await res.json()) as { Key: string }[]).map((e) => e.Key)).toEqual(want.listed);
        }
        const keys = await h.as(secrets[kind], '/v1/kv/?keys&separator=/');
        const expected = [...new Set(want.listed.map((k) => (k.includes('/') ? k.slice(0, k.indexOf('/') + 1) : k)))];
        expect(keys.status).toBe(200);
        expect(await keys.json()).toEqual(expected);
      });

      it('a recursive delete needs write on everything under the prefix', async () => {
        const res = await h.as(secrets[kind], '/v1/kv/app?recurse', { method: 'DELETE' });
        expect(res.status).toBe(want.deleteTree);
        // Put back what a permitted delete removed, for the next token.
        for (const key of ALL) await h.as(root, `/v1/kv/${key}`, { method: 'PUT', body: key });
      });

      it('session create needs session:write on the node', async () => {
        const res = await h.as(secrets[kind], '/v1/session/create', { method: 'PUT' });
        expect(res.status).toBe(want.sessionCreate);
        if (res.status === 403) expect(await res.text()).toContain("lacks permission 'session:write' on \"node1\"");
      });
    });

    it('an unknown secret is "ACL not found", never the anonymous token', async () => {
      const res = await h.as('5b0a3f0e-0000-4000-8000-000000000000', '/v1/kv/app/x');
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('ACL not found');
      expect((await h.as('manage', '/v1/kv/app/x')).status).toBe(403);
    });

    it('masks the filtered header for requests without a token', async () => {
      const res = await h.request('/v1/kv/?recurse');
      expect(res.headers.get('x-consul-results-filtered-by-acls')).toBeNull();
      expect(res.status).toBe(policy === 'allow' ? 200 : 404);
    });
  });
}

describe('sessions and transactions', () => {
  let h: AclHarness;
  let root: string;
  let reader: string;
  let sessionId: string;

  const token = async (name: string, rules: string): Promise<string> => {
    await h.as(root, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: name, Rules: rules }) });
    const res = await h.as(root, '/v1/acl/token', { method: 'PUT', body: JSON.stringify({ Policies: [{ Name: name }] }) });
    return ((await res.json()) as { SecretID: string }).SecretID;
  };

  beforeAll(async () => {
    h = await startAclHarness({ defaultPolicy: 'deny' });
    root = await h.bootstrap();
    reader = await token('reader', 'key_prefix "pub/" { policy = "read" }\nkey_prefix "rw/" { policy = "write" }');
    await h.as(root, '/v1/kv/pub/a', { method: 'PUT', body: 'a' });
    await h.as(root, '/v1/kv/secret/b', { method: 'PUT', body: 'b' });
    sessionId = ((await (await h.as(root, '/v1/session/create', { method: 'PUT' })).json()) as { ID: string }).ID;
  });
  afterAll(() => h.close());

  it('filters session reads by session:read on the node', async () => {
    const list = await h.as(reader, '/v1/session/list');
    expect(await list.json()).toEqual([]);
    expect(list.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect(await (await h.as(reader, `/v1/session/info/${sessionId}`)).json()).toEqual([]);
    expect(await (await h.as(root, `/v1/session/info/${sessionId}`)).json()).toHaveLength(1);
    const sessionReader = await token('sessions', 'session_prefix "" { policy = "read" }');
    expect(await (await h.as(sessionReader, '/v1/session/node/node1')).json()).toHaveLength(1);
    expect((await h.as(sessionReader, `/v1/session/destroy/${sessionId}`, { method: 'PUT' })).status).toBe(403);
    expect((await h.as(sessionReader, `/v1/session/renew/${sessionId}`, { method: 'PUT' })).status).toBe(403);
  });

  it('refuses a write transaction op by op, before anything is applied', async () => {
    const before = h.applier.log.length;
    const body = JSON.stringify([
      { KV: { Verb: 'set', Key: 'rw/ok', Value: 'eA==' } },
      { KV: { Verb: 'set', Key: 'pub/a', Value: 'eA==' } },
      { KV: { Verb: 'check-index', Key: 'secret/b', Index: 1 } },
    ]);
    const res = await h.as(reader, '/v1/txn', { method: 'PUT', body });
    expect(res.status).toBe(409);
    const out = (await res.json()) as { Errors: { OpIndex: number; What: string }[] };
    expect(out.Errors.map((e) => e.OpIndex)).toEqual([1, 2]);
    expect(out.Errors[0]?.What).toContain("lacks permission 'key:write' on \"pub/a\"");
    expect(out.Errors[1]?.What).toContain("lacks permission 'key:read' on \"secret/b\"");
    expect(h.applier.log.length).toBe(before);
  });

  it('drops results the token may not read', async () => {
    const body = JSON.stringify([{ KV: { Verb: 'get', Key: 'pub/a' } }, { KV: { Verb: 'get', Key: 'secret/b' } }]);
    const read = (await (await h.as(reader, '/v1/txn', { method: 'PUT', body })).json()) as { Results: { KV: { Key: string } }[]; ResultsFilteredByACLs: boolean };
    expect(read.Results.map((r) => r.KV.Key)).toEqual(['pub/a']);
    expect(read.ResultsFilteredByACLs).toBe(true);
    const write = JSON.stringify([{ KV: { Verb: 'set', Key: 'rw/x', Value: 'eA==' } }, { KV: { Verb: 'get-tree', Key: '' } }]);
    const wrote = (await (await h.as(reader, '/v1/txn', { method: 'PUT', body: write })).json()) as { Results: { KV: { Key: string } }[] };
    expect(wrote.Results.map((r) => r.KV.Key)).toEqual(['rw/x', 'pub/a', 'rw/x']);
  });

  it('enforces key:list on listings when acl.enable_key_list_policy is set', async () => {
    const listed = await startAclHarness({ defaultPolicy: 'deny', enableKeyListPolicy: true });
    try {
      const mgmt = await listed.bootstrap();
      await listed.as(mgmt, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: 'r', Rules: 'key_prefix "a/" { policy = "read" }' }) });
      await listed.as(mgmt, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: 'l', Rules: 'key_prefix "a/" { policy = "list" }' }) });
      const mk = async (name: string) =>
        ((await (await listed.as(mgmt, '/v1/acl/token', { method: 'PUT', body: JSON.stringify({ Policies: [{ Name: name }] }) })).json()) as { SecretID: string }).SecretID;
      await listed.as(mgmt, '/v1/kv/a/1', { method: 'PUT', body: '1' });
      const res = await listed.as(await mk('r'), '/v1/kv/a/?recurse');
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("lacks permission 'key:list' on \"a/\"");
      expect((await listed.as(await mk('l'), '/v1/kv/a/?keys')).status).toBe(200);
    } finally {
      listed.close();
    }
  });
});
