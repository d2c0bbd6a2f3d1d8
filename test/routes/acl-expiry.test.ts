// Token expiry (consul-api.md §8.3): ExpirationTTL becomes an ExpirationTime chosen by the
// leader; an expired token is "ACL not found" everywhere at once, drops out of listings, and is
// deleted through Raft by the leader's reaper — all on a manual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.ts';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

interface Token { AccessorID: string; SecretID: string; ExpirationTime?: string; CreateTime: string }

let h: AclHarness;
let root: string;
beforeEach(async () => {
  h = await startAclHarness({ defaultPolicy: 'deny' });
  root = await h.bootstrap();
  await h.as(root, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: 'kv', Rules: 'key_prefix "" { policy = "read" }' }) });
  await h.as(root, '/v1/kv/k', { method: 'PUT', body: 'v' });
});
afterEach(() => h.close());

const createToken = (body: Record<string, unknown>): Promise<Response> =>
  h.as(root, '/v1/acl/token', { method: 'PUT', body: JSON.stringify({ Policies: [{ Name: 'kv' }], ...body }) });

describe('ExpirationTTL', () => {
  it('sets ExpirationTime from the leader\'s clock; past it the token is "ACL not found" and unlisted', async () => {
    const res = await createToken({ ExpirationTTL: '2m' });
    expect(res.status).toBe(200);
    const t = (await res.json()) as Token;
    expect(t.CreateTime).toBe('2024-01-01T00:00:00Z');
    expect(t.ExpirationTime).toBe('2024-01-01T00:02:00Z');
    expect((await h.as(t.SecretID, '/v1/kv/k')).status).toBe(200);
    h.clock.advance(119_999);
    expect((await h.as(t.SecretID, '/v1/kv/k')).status).toBe(200);
    h.clock.advance(1);
    const expired = await h.as(t.SecretID, '/v1/kv/k');
    expect([expired.status, await expired.text()]).toEqual([403, 'ACL not found']);
    const ids = ((await (await h.as(root, '/v1/acl/tokens')).json()) as Token[]).map((x) => x.AccessorID);
    expect(ids).not.toContain(t.AccessorID);
    expect((await h.as(root, `/v1/acl/token/${t.AccessorID}`)).status).toBe(404);
    // Still stored until the reaper runs.
    expect(h.aclStore.tokenGet(t.AccessorID).token).not.toBeNull();
  });

  it('accepts a nanosecond number and refuses TTLs outside Consul\'s bounds', async () => {
    const ns = (await (await createToken({ ExpirationTTL: 90e9 })).json()) as Token;
    expect(ns.ExpirationTime).toBe('2024-01-01T00:01:30Z');
    const cases: [Record<string, unknown>, string][] = [
      [{ ExpirationTTL: '30s' }, 'ExpirationTime cannot be less than 1m0s in the future (was 30s)'],
      [{ ExpirationTTL: '25h' }, 'ExpirationTime cannot be more than 24h0m0s in the future (was 25h0m0s)'],
      [{ ExpirationTTL: '-1m' }, "Token Expiration TTL '-1m0s' should be > 0"],
      [{ ExpirationTTL: '1h', ExpirationTime: '2024-01-01T01:00:00Z' }, 'Token Expiration TTL and Expiration Time cannot both be set'],
      [{ ExpirationTime: '2023-12-31T00:00:00Z' }, 'ExpirationTime cannot be before CreateTime'],
    ];
    for (const [body, text] of cases) {
      const res = await createToken(body);
      expect([body, 500, text]).toEqual([body, res.status, await res.text()]);
    }
    const t = (await (await createToken({ ExpirationTime: '2024-01-01T05:00:00Z' })).json()) as Token;
    expect(t.ExpirationTime).toBe('2024-01-01T05:00:00Z');
    const change = await h.as(root, `/v1/acl/token/${t.AccessorID}`, { method: 'PUT', body: JSON.stringify({ ExpirationTTL: '1h' }) });
    expect(await change.text()).toBe(`Cannot change expiration time of ${t.AccessorID}`);
    const same = await h.as(root, `/v1/acl/token/${t.AccessorID}`, { method: 'PUT', body: JSON.stringify({ Description: 'kept', Policies: [{ Name: 'kv' }] }) });
    expect(((await same.json()) as Token).ExpirationTime).toBe('2024-01-01T05:00:00Z');
  });
});

describe('the reaper', () => {
  it('deletes each token through Raft once it has expired, earliest first', async () => {
    const soon = (await (await createToken({ ExpirationTTL: '1m' })).json()) as Token;
    const later = (await (await createToken({ ExpirationTTL: '10m' })).json()) as Token;
    const keeper = (await (await createToken({})).json()) as Token;
    h.reaper.start();
    const stored = (t: Token): boolean => h.aclStore.tokenGet(t.AccessorID).token !== null;
    h.clock.advance(59_000);
    expect([stored(soon), stored(later)]).toEqual([true, true]);
    h.clock.advance(1_000);
    await waitFor(() => (stored(soon) ? undefined : true), { timeoutMs: 5_000, intervalMs: 5, what: 'the first reap' });
    expect(stored(later)).toBe(true);
    const reaps = (): number => h.applier.log.filter((e) => e.command.type === 'acl.token-reap').length;
    expect(reaps()).toBe(1);
    // Re-planned after the first reap; it sleeps in bounded steps until the next expiry.
    h.clock.advance(539_000);
    expect(stored(later)).toBe(true);
    h.clock.advance(1_000);
    await waitFor(() => (stored(later) ? undefined : true), { timeoutMs: 5_000, intervalMs: 5, what: 'the second reap' });
    expect(stored(keeper)).toBe(true);
    expect(reaps()).toBe(2);
    expect(h.reported).toEqual([]);
    h.reaper.stop();
  });
});
