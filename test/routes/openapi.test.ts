// The OpenAPI 3.1 document at /openapi.json is built from the same createRoute objects that
// route requests, so it must list exactly the endpoints the server answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

interface Operation { responses: Record<string, { content?: Record<string, unknown> }>; parameters?: { name: string; in: string }[] }
interface Doc { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } }

let h: RoutesHarness;
let doc: Doc;
beforeAll(async () => {
  h = startRoutesHarness();
  const res = await h.request('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  doc = (await res.json()) as Doc;
});
afterAll(() => h.close());

/** Every method+path Hono routes, in OpenAPI form ("/v1/kv/:key{.*}" → "/v1/kv/{key}"). */
function servedOperations(): string[] {
  const ops = h.app.routes
    .filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json')
    .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
  return [...new Set(ops)].sort(); // a route's validators and handler are separate entries
}

function collectRefs(node: unknown, out: string[]): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document carrying the server version', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.1.0-test');
  });

  it('lists every served route, and only those', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort();
    expect(documented).toEqual(servedOperations());
    expect(documented).toEqual(expect.arrayContaining([
      'get /v1/kv/{key}', 'put /v1/kv/{key}', 'delete /v1/kv/{key}',
      'put /v1/session/create', 'put /v1/session/destroy/{id}', 'put /v1/session/renew/{id}',
      'get /v1/session/info/{id}', 'get /v1/session/node/{node}', 'get /v1/session/list',
      'put /v1/txn', 'get /v1/status/leader', 'get /v1/status/peers',
    ]));
  });

  it('shows Hono\'s rest-of-path parameters as plain path parameters', () => {
    for (const path of Object.keys(doc.paths)) expect(path).not.toMatch(/\{\w+\{/);
    const params = doc.paths['/v1/kv/{key}']?.['get']?.parameters ?? [];
    expect(params).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'key', in: 'path' }), expect.objectContaining({ name: 'recurse', in: 'query' })]));
  });

  it('documents Consul\'s plain-text errors on every operation', () => {
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const status of ['400', '403', '405', '500']) expect(op.responses[status]?.content).toHaveProperty(['text/plain']);
      }
    }
  });

  it('resolves every $ref to a component schema', () => {
    const refs = collectRefs(doc, []);
    expect(refs).toEqual(expect.arrayContaining(['#/components/schemas/SessionCreateRequest', '#/components/schemas/TxnRequest']));
    for (const ref of refs) expect(Object.keys(doc.components.schemas)).toContain(ref.replace('#/components/schemas/', ''));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['DirEntry', 'Session', 'TxnResponse']));
  });
});
