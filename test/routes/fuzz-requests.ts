// Hostile HTTP requests for the route fuzzer, as raw bytes: every route of the committed OpenAPI
// document, with random methods, mangled paths, hostile query strings and headers, and bodies
// that are shaped like the route's schema but carry wrong types, huge or negative numbers,
// invalid JSON, non-UTF-8 bytes, deep nesting or more bytes than any limit allows.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';

export interface RawRequest {
  readonly method: string;
  /** The request-target as bytes on the wire (latin1: one char per byte). */
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer | null;
  /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
  readonly chunked: boolean;
}

type Schema = Record<string, unknown>;

interface RouteShape {
  readonly template: string;
  readonly methods: readonly string[];
  readonly queryNames: readonly string[];
  readonly body: Schema | null;
}

const doc = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../openapi/consul-api.json'), 'utf8')) as {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'head', 'options', 'patch'];

/** Every route of the committed OpenAPI document. */
export const ROUTES: readonly RouteShape[] = Object.entries(doc.paths).map(([template, item]) => {
  const ops = Object.entries(item).filter(([m]) => HTTP_METHODS.includes(m));
  const queryNames = new Set<string>();
  let body: Schema | null = null;
  for (const [, op] of ops) {
    for (const p of op.parameters ?? []) if (p.in === 'query') queryNames.add(p.name);
    body ??= op.requestBody?.content?.['application/json']?.schema ?? null;
  }
  return { template, methods: ops.map(([m]) => m.toUpperCase()), queryNames: [...queryNames], body };
});

/** Strings the parsers meet at their edges. */
const EDGE_STRINGS = [
  '', ' ', '-1', '0', '1', '-0', '007', '1.5', '1e3', '1e309', 'NaN', 'Infinity', '0x10', 'true', 'false', 'null',
  '18446744073709551615', '18446744073709551616', '-9223372036854775809', '99999999999999999999999999999',
  '10s', '-5s', '1h', '999999999h', '0.5ms', '1ns', 'set', 'get', 'cas', 'lock', 'unlock', 'delete', 'delete-tree',
  'check-session', 'passing', 'critical', 'warning', 'release', 'delete-cas', 'get-tree', 'check-index', 'dc1', 'dc2',
  'default', '..', '.', '/', '//', '%', '%zz', '%00', '%ff', '\u0000', '\t', 'é', '💥', '\ud800', '00000000-0000-0000-0000-000000000000',
];

const edgeString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
);

/** Percent-encodes a string byte by byte, sometimes leaving bytes raw (invalid on the wire). */
function encodeComponent(s: string, raw: boolean): string {
  if (raw) return Buffer.from(s, 'utf8').toString('latin1');
  return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'));
}

const pathValue = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(edgeString, fc.boolean()).map(([s, raw]) => encodeComponent(s, raw && s !== '')) },
  // Escapes of bytes that are not UTF-8, broken escapes, and segments that need cleaning.
  { weight: 1, arbitrary: fc.constantFrom('%ff%fe', '%c3%28', '%e2%82', '%', '%2', '%2f', 'a/../b', './x', 'x//y', '%2e%2e', '\xff') },
);

function fillTemplate(template: string): fc.Arbitrary<string> {
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  if (names.length === 0) return fc.constant(template);
  return fc.array(pathValue, { minLength: names.length, maxLength: names.length }).map((values) => {
    let i = 0;
    return template.replace(/\{\w+\}/g, () => values[i++] as string);
  });
}

const COMMON_QUERY = ['index', 'wait', 'dc', 'stale', 'consistent', 'cached', 'recurse', 'keys', 'separator', 'cas', 'flags', 'acquire', 'release', 'filter', 'token', 'ns', 'partition', 'pretty', 'near', 'node-meta', 'tag', 'passing', 'raw', 'max_stale', 'replace-existing-checks'];

function queryString(route: RouteShape): fc.Arbitrary<string> {
  const names = [...new Set([...route.queryNames, ...COMMON_QUERY])];
  const pair = fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: edgeString }), fc.option(edgeString, { nil: undefined }), fc.boolean());
  return fc.array(pair, { maxLength: 6 }).map((pairs) => {
    if (pairs.length === 0) return '';
    const parts = pairs.map(([k, v, raw]) => (v === undefined ? encodeComponent(k, false) : `${encodeComponent(k, false)}=${encodeComponent(v, raw && v !== '')}`));
    return `?${parts.join('&')}`;
  });
}

/** A JSON value's text (numbers as written, so huge ones survive) of a given depth at most. */
const hostileJsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('0', '-1', '1e400', '-1e400', '18446744073709551616', '-18446744073709551616', '1.5', '123456789012345678901234567890', 'true', 'null', '""', '"\\ud800"', '{}', '[]'),
    edgeString.map((s) => JSON.stringify(s)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc.dictionary(edgeString, tie('value'), { maxKeys: 3 }).map((o) => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

function deref(schema: Schema): Schema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string') return schema;
  return doc.components.schemas[ref.replace('#/components/schemas/', '')] ?? {};
}

/** JSON text shaped like `schema`, with a hostile value in place of any part of it. */
function shaped(schema: Schema, depth: number): fc.Arbitrary<string> {
  const s = deref(schema);
  const types = Array.isArray(s['type']) ? (s['type'] as string[]) : typeof s['type'] === 'string' ? [s['type']] : [];
  const well = (): fc.Arbitrary<string> => {
    if (depth > 4) return fc.constant('null');
    if (types.includes('object') && typeof s['properties'] === 'object' && s['properties'] !== null) {
      const props = Object.entries(s['properties'] as Record<string, Schema>);
      return fc.subarray(props).chain((chosen) =>
        fc.tuple(...chosen.map(([k, v]) => shaped(v, depth + 1).map((t) => `${JSON.stringify(k)}:${t}`))).map((kv) => `{${kv.join(',')}}`),
      );
    }
    if (types.includes('object')) return fc.dictionary(edgeString, edgeString.map((x) => JSON.stringify(x)), { maxKeys: 3 }).map((o) => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
    if (types.includes('array')) return fc.array(shaped((s['items'] as Schema | undefined) ?? {}, depth + 1), { maxLength: 3 }).map((a) => `[${a.join(',')}]`);
    if (types.includes('integer') || types.includes('number')) return fc.oneof(fc.integer({ min: -5, max: 100 }).map(String), fc.constantFrom('18446744073709551615', '9007199254740993'));
    if (types.includes('boolean')) return fc.boolean().map(String);
    if (types.includes('string') && s['format'] === 'byte') return fc.oneof(fc.uint8Array({ maxLength: 16 }).map((b) => JSON.stringify(Buffer.from(b).toString('base64'))), edgeString.map((x) => JSON.stringify(x)));
    return edgeString.map((x) => JSON.stringify(x));
  };
  return fc.oneof({ weight: 6, arbitrary: well() }, { weight: 1, arbitrary: hostileJsonText });
}

const KIB = 1024;

/** Bodies that are not JSON at all, or JSON no parser should have to hold. */
const brokenBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 128 }).map((b) => Buffer.from(b)),
  fc.constantFrom('{', '[', '{"Key":', '{"a":1,}', '[1 2]', 'nul', '"\\x"', '{"a":1}{"b":2}', '\ufeff{}', '{"a":"\\ud800"}').map((t) => Buffer.from(t)),
  // Non-UTF-8 bytes inside a JSON string.
  fc.constant(Buffer.concat([Buffer.from('{"Name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')])),
  // Deep nesting, up to far past any recursion limit.
  fc.tuple(fc.integer({ min: 64, max: 200_000 }), fc.boolean()).map(([n, obj]) => Buffer.from(obj ? `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` : `${'['.repeat(n)}${']'.repeat(n)}`)),
  // Past the 512 KiB limits of KV values, txn bodies and JSON bodies.
  fc.constantFrom(513 * KIB, 2048 * KIB).map((n) => Buffer.alloc(n, 0x61)),
);

function body(route: RouteShape): fc.Arbitrary<Buffer | null> {
  const options: fc.WeightedArbitrary<Buffer | null>[] = [
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: brokenBody },
    { weight: 1, arbitrary: hostileJsonText.map((t) => Buffer.from(t)) },
  ];
  if (route.body !== null) options.push({ weight: 5, arbitrary: shaped(route.body, 0).map((t) => Buffer.from(t)) });
  return fc.oneof(...options);
}

const headerValue = fc.oneof(
  { weight: 20, arbitrary: edgeString.map((s) => Buffer.from(s, 'utf8').toString('latin1')) },
  { weight: 10, arbitrary: fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'Bearer x') },
  // Past the header limit (431 from the HTTP parser).
  { weight: 1, arbitrary: fc.constant('x'.repeat(70 * KIB)) },
);
const headerName = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('X-Consul-Token', 'Content-Type', 'Authorization', 'X-Consul-Namespace', 'Accept-Encoding', 'Cache-Control', 'X-Forwarded-For') },
  // Any expectation but 100-continue is refused (417) before the route sees the request.
  { weight: 1, arbitrary: fc.constant('Expect') },
);
const headers = fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 });

const method = (route: RouteShape): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...route.methods) }, { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH') }, { weight: 1, arbitrary: fc.constantFrom('FOO', 'TRACE', 'CONNECT') });

/** A hostile request to one route of the document, or to a path that is none of them. */
export const rawRequest: fc.Arbitrary<RawRequest> = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...ROUTES) },
  { weight: 1, arbitrary: fc.constantFrom<RouteShape>({ template: '/v1/{a}/{b}', methods: ['GET', 'PUT'], queryNames: [], body: null }, { template: '/{a}', methods: ['GET'], queryNames: [], body: null }) },
).chain((route) =>
  fc.record({
    method: method(route),
    target: fc.tuple(fillTemplate(route.template), queryString(route)).map(([p, q]) => p + q),
    headers,
    body: body(route),
    chunked: fc.boolean(),
  }),
);
