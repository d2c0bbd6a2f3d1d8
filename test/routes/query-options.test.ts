// Consul's query-string conventions (consul-api.md §1.2, §1.6-1.9): parsing, wait clamping
// and jitter, conflicts, token resolution, datacenter, pretty.
import { createRoute, z } from '@hono/zod-openapi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../routes/create-router.ts';
import { HttpError } from '../../routes/lib/errors.ts';
import { effectiveWaitMs, parseQueryOptions, resolveToken } from '../../routes/middleware/query-options.ts';
import { DEFAULT_HTTP_LIMITS } from '../../routes/services.ts';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

const MIN = 60_000;
const parse = (q: string, random = () => 0) => parseQueryOptions(new URLSearchParams(q), DEFAULT_HTTP_LIMITS, random);

describe('parseQueryOptions', () => {
  it('treats consistency flags as presence flags', () => {
    for (const q of ['stale', 'stale=', 'stale=false', 'stale=0']) expect(parse(q)).toMatchObject({ consistency: 'stale' });
    expect(parse('consistent=1')).toMatchObject({ consistency: 'consistent' });
    expect(parse('leader')).toMatchObject({ consistency: 'default' });
    expect(parse('')).toMatchObject({ consistency: 'default', minIndex: 0n });
  });

  it('turns a positive max_stale into stale', () => {
    expect(parse('max_stale=5s')).toMatchObject({ consistency: 'stale', maxStaleNs: 5_000_000_000n });
    expect(parse('max_stale=0')).toMatchObject({ consistency: 'default', maxStaleNs: 0n });
  });

  it.each([
    ['stale&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['max_stale=1s&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['cached&consistent', 'Cannot specify ?cached with ?consistent, conflicting semantics.'],
    ['max_stale=abc', 'Invalid max_stale value "abc"'],
    ['wait=60', 'Invalid wait time'],
    ['wait=abc&index=1', 'Invalid wait time'],
    ['index=-1', 'Invalid index'],
    ['index=1.5', 'Invalid index'],
    ['index=18446744073709551616', 'Invalid index'],
    ['index=x&wait=bad', 'Invalid wait time'],
  ])('refuses %j with 400 %j', (q, text) => {
    const out = parse(q);
    expect(out).toBeInstanceOf(HttpError);
    expect(out).toMatchObject({ status: 400, body: text });
  });

  it('accepts a uint64 index and Go durations for wait', () => {
    expect(parse('index=18446744073709551615&wait=1.5s')).toMatchObject({ minIndex: 18446744073709551615n, waitMs: 1500 });
    expect(parse('index=3&wait=120000ms')).toMatchObject({ minIndex: 3n, waitMs: 120_000 });
  });
});

describe('effectiveWaitMs', () => {
  const none = () => 0;
  it('defaults absent, zero and negative waits to 5 minutes', () => {
    expect(effectiveWaitMs(0n, DEFAULT_HTTP_LIMITS, none)).toBe(5 * MIN);
    expect(effectiveWaitMs(-1_000_000_000n, DEFAULT_HTTP_LIMITS, none)).toBe(5 * MIN);
  });

  it('clamps to 10 minutes and keeps sub-millisecond waits positive', () => {
    expect(effectiveWaitMs(3600n * 1_000_000_000n, DEFAULT_HTTP_LIMITS, none)).toBe(10 * MIN);
    expect(effectiveWaitMs(500_000n, DEFAULT_HTTP_LIMITS, none)).toBe(0.5);
  });

  it('adds jitter in [0, wait/16)', () => {
    const wait = 16_000_000_000n; // 16 s
    expect(effectiveWaitMs(wait, DEFAULT_HTTP_LIMITS, () => 0)).toBe(16_000);
    expect(effectiveWaitMs(wait, DEFAULT_HTTP_LIMITS, () => 0.5)).toBe(16_500);
    expect(effectiveWaitMs(wait, DEFAULT_HTTP_LIMITS, () => 0.999999)).toBeLessThan(17_000);
    expect(effectiveWaitMs(3600n * 1_000_000_000n, DEFAULT_HTTP_LIMITS, () => 0.999999)).toBeLessThan(10 * MIN + (10 * MIN) / 16);
    expect(() => effectiveWaitMs(wait, DEFAULT_HTTP_LIMITS, () => 1)).toThrow(/\[0, 1\)/);
  });
});

describe('resolveToken', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it('prefers ?token, then X-Consul-Token, then Authorization: Bearer', () => {
    const all = headers({ 'x-consul-token': 'hdr', authorization: 'Bearer auth' });
    expect(resolveToken(new URLSearchParams('token=q'), all)).toBe('q');
    expect(resolveToken(new URLSearchParams('token='), all)).toBe('hdr');
    expect(resolveToken(new URLSearchParams(''), headers({ authorization: 'bEaReR  tok  extra' }))).toBe('tok');
    expect(resolveToken(new URLSearchParams(''), headers({ authorization: 'Basic abc' }))).toBe('');
    expect(resolveToken(new URLSearchParams(''), headers({ authorization: 'Bearer' }))).toBe('');
  });
});

describe('over HTTP', () => {
  let h: RoutesHarness;
  beforeEach(() => {
    h = startRoutesHarness();
  });
  afterEach(() => h.close());

  it('answers parse errors with 400 text on reads', async () => {
    const res = await h.request('/v1/kv/foo?index=abc');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-consul-default-acl-policy')).toBe('allow');
    expect(await res.text()).toBe('Invalid index');
    expect(await (await h.request('/v1/session/list?stale&consistent')).text()).toBe('Cannot specify ?stale with ?consistent, conflicting semantics.');
  });

  it('checks them on KV writes too (Consul parses before the method switch), never proposing', async () => {
    const before = h.applier.log.length;
    const res = await h.request('/v1/kv/foo?wait=60', { method: 'PUT', body: 'x' });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Invalid wait time');
    expect(h.applier.log.length).toBe(before);
  });

  it('ignores them where Consul does not parse them (session create)', async () => {
    const res = await h.request('/v1/session/create?index=abc&stale&consistent', { method: 'PUT' });
    expect(res.status).toBe(200);
  });

  it('passes the consistency mode to the read barrier', async () => {
    await h.request('/v1/kv/foo?stale');
    await h.request('/v1/kv/foo?consistent');
    await h.request('/v1/kv/foo');
    await h.request('/v1/kv/foo?max_stale=2s');
    expect(h.barriers).toEqual(['stale', 'consistent', 'default', 'stale']);
  });

  it('serves its own datacenter and refuses others with 500', async () => {
    expect((await h.request('/v1/kv/foo?dc=dc1')).status).toBe(404);
    const res = await h.request('/v1/kv/foo?dc=dc2');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('No path to datacenter');
    const write = await h.request('/v1/kv/foo?dc=other', { method: 'PUT', body: 'x' });
    expect(await write.text()).toBe('No path to datacenter');
    expect((await h.request('/v1/status/leader?dc=dc2')).status).toBe(500);
  });

  it('refuses Enterprise namespaces and partitions as Consul CE does', async () => {
    expect((await h.request('/v1/kv/foo?ns=default')).status).toBe(404);
    const res = await h.request('/v1/kv/foo?ns=team');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature');
    const hdr = await h.request('/v1/kv/foo', { headers: { 'X-Consul-Namespace': 'team' } });
    expect(await hdr.text()).toBe('Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature');
  });

  it('pretty-prints with four spaces and a trailing newline', async () => {
    await h.request('/v1/kv/p', { method: 'PUT', body: 'v' });
    const body = await (await h.request('/v1/kv/?keys&pretty=false')).text();
    expect(body).toBe('[\n    "p"\n]\n');
    expect(await (await h.request('/v1/kv/?keys')).text()).toBe('["p"]');
  });

  it('answers 500 "No cluster leader" when no leader can be found', async () => {
    h.leaderless = true;
    for (const [path, init] of [['/v1/kv/foo', {}], ['/v1/kv/foo', { method: 'PUT', body: 'x' }], ['/v1/session/list', {}]] as const) {
      const res = await h.request(path, init);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('No cluster leader');
    }
    expect(await (await h.request('/v1/status/leader')).json()).toBe('');
  });
});

describe('schema validation failures', () => {
  it('answer with Consul-style 400 text through the shared defaultHook', async () => {
    const route = createRoute({
      method: 'get',
      path: '/probe',
      request: { query: z.object({ n: z.string().regex(/^[0-9]+$/, 'not a number') }) },
      responses: { 200: { description: 'ok' } },
    });
    const router = createRouter().openapi(route, (c) => c.body(null, 200));
    const res = await router.request('/probe?n=x');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('Request decode failed: n: not a number');
  });
});
