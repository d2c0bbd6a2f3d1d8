// PUT /v1/agent/token/<name> in Consul's order: 401 with ACLs off, agent:write before the body
// is read, Consul's 400/404 texts, the tokens in force at once (a default token for requests
// without one, a recovery token the resolver honours), acl-tokens.json with persistence on,
// and a 500 with Consul's text when the file cannot be written.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS_FILE } from '../../app/acl/agent-tokens.ts';
import { startRoutesHarness } from '../support/routes-harness.ts';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

const put = (token: string, init: { body?: string } = {}): RequestInit => ({
  method: 'PUT', headers: { 'X-Consul-Token': token, ...(init.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(init.body)) }) }, ...init,
});

describe('PUT /v1/agent/token with ACLs disabled', () => {
  it('answers 401 "ACL support disabled"', async () => {
    const h = startRoutesHarness();
    try {
      const res = await h.request('/v1/agent/token/default', { method: 'PUT', body: '{"Token":"x"}' });
      expect([res.status, await res.text()]).toEqual([401, 'ACL support disabled']);
    } finally {
      h.close();
    }
  });
});

describe('PUT /v1/agent/token with ACLs (default deny, persistence on)', () => {
  let h: AclHarness;
  let root: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-agent-tokens-'));
    h = await startAclHarness({ defaultPolicy: 'deny', tokensFile: join(dir, TOKENS_FILE) });
    root = await h.bootstrap();
  });
  afterAll(() => {
    h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('needs agent:write before it reads the body', async () => {
    const anonymous = await h.request('/v1/agent/token/agent', { method: 'PUT', body: 'not json' });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain("lacks permission 'agent:write' on \"node1\"");
    const unknown = await h.request('/v1/agent/token/agent', put('1e2d3c4b-0000-4000-8000-000000000000', { body: '{}' }));
    expect([unknown.status, await unknown.text()]).toEqual([403, 'ACL not found']);
  });

  it('refuses a bad body (400) and an unknown token name (404) with Consul\'s texts', async () => {
    const bad = await h.as(root, '/v1/agent/token/agent', put(root, { body: '{"Token": 5}' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^Request decode failed: /);
    const name = await h.as(root, '/v1/agent/token/bogus', put(root, { body: '{"Token":"x"}' }));
    expect([name.status, await name.text()]).toEqual([404, 'Token "bogus" is unknown']);
  });

  it('sets tokens that are in force at once and persists them in acl-tokens.json', async () => {
    const res = await h.request('/v1/agent/token/agent_recovery', put(root, { body: '{"Token":"recovery-secret-1"}' }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    // Consul's agent recovery identity: agent:write on this agent, nothing on keys.
    expect((await h.as('recovery-secret-1', '/v1/agent/self')).status).toBe(200);
    expect((await h.as('recovery-secret-1', '/v1/kv/x')).status).toBe(403);
    expect((await h.request('/v1/agent/token/acl_agent_token', put(root, { body: '{"Token":"agent-secret-1"}' }))).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dir, TOKENS_FILE), 'utf8'))).toEqual({ agent_recovery: 'recovery-secret-1', agent: 'agent-secret-1' });
    // Replacing the recovery token retires the old one.
    expect((await h.request('/v1/agent/token/agent_master', put(root, { body: '{"Token":"recovery-secret-2"}' }))).status).toBe(200);
    expect((await h.as('recovery-secret-1', '/v1/agent/self')).status).toBe(403);
    expect((await h.as('recovery-secret-2', '/v1/agent/self')).status).toBe(200);
  });

  it('answers 500 with Consul\'s text when the tokens file cannot be written', async () => {
    const broken = join(dir, 'not-a-dir');
    writeFileSync(broken, '');
    const b = await startAclHarness({ defaultPolicy: 'deny', tokensFile: join(broken, TOKENS_FILE) });
    try {
      const mgmt = await b.bootstrap();
      const res = await b.request('/v1/agent/token/default', put(mgmt, { body: '{"Token":"whatever"}' }));
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/^Failed to persist tokens - /);
    } finally {
      b.close();
    }
  });
});
