// Bugs the route fuzzer (fuzz.test.ts) found, each pinned by the request that showed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, type HttpListener } from '../../app/http-server.ts';
import { parseGoJson } from '../../routes/lib/go-json.ts';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';
import { sendRaw } from './fuzz-client.ts';

let h: RoutesHarness;
let http: HttpListener;
beforeAll(async () => {
  h = startRoutesHarness();
  http = await listenHttp(h.app, '127.0.0.1', 0);
});
afterAll(async () => {
  await http.close();
  h.close();
});

const nested = (depth: number, object: boolean): string => (object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('deeply nested JSON (was: "Maximum call stack size exceeded", a 500)', () => {
  it('parses up to Go\'s 10000 levels and refuses the next with Go\'s text', () => {
    for (const object of [false, true]) {
      expect(parseGoJson(nested(10_000, object)).ok).toBe(true);
      expect(parseGoJson(nested(10_001, object))).toEqual({ ok: false, error: `invalid character '${object ? '{' : '['}' exceeded max depth` });
    }
  });

  it('answers 400 on every JSON endpoint, and the agent endpoints too', async () => {
    for (const [path, prefix] of [['/v1/coordinate/update', 'Request decode failed: '], ['/v1/session/create', 'Request decode failed: '], ['/v1/agent/service/register', 'Request decode failed: ']] as const) {
      for (const depth of [9_000, 50_000]) {
        const res = await h.request(path, { method: 'PUT', body: nested(depth, false) });
        expect(res.status, `${path} at depth ${depth}`).toBe(400);
        expect(await res.text()).toMatch(new RegExp(`^${prefix}`));
      }
    }
    expect(h.reported).toEqual([]);
  });
});

describe('numbers JSON text cannot hold (was: "json: unsupported value: Infinity", a 500)', () => {
  it('an agent check registration with 1e400 in a field is a 400 decode failure', async () => {
    const res = await h.request('/v1/agent/check/register', { method: 'PUT', body: '{"Name":"x","TTL":"10s","GRPC":1e400}' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Request decode failed: json: cannot unmarshal number into Go struct field/);
    expect(h.agent.checks()).toEqual([]);
    expect(h.reported).toEqual([]);
  });
});

describe('the CONNECT method (was: the connection dropped without an answer)', () => {
  it('is answered 405 like any method no endpoint allows', async () => {
    const answer = await sendRaw(http.port, { method: 'CONNECT', target: '/v1/kv/x', headers: [], body: null, chunked: false }, 5_000);
    expect(answer.kind === 'response' && answer.status).toBe(405);
  });
});
