// The committed OpenAPI document and SDK types are what the routes produce today (drift fails
// here with the command that fixes it), and the document is valid OpenAPI 3.1 for a real
// validator — which, as the negative controls show, does refuse broken documents.
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDocument, DOCUMENT_PATH, SCHEMA_TYPES_PATH, schemaTypes, serializeDocument } from '../../openapi/generate.ts';

type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const committedText = readFileSync(DOCUMENT_PATH, 'utf8');
const committed = JSON.parse(committedText) as Doc;
const FIX = 'the committed document is stale: run `npm run openapi` and commit openapi/';

describe('openapi/consul-api.json', () => {
  let built: string;
  beforeAll(() => {
    built = serializeDocument(buildDocument());
  });

  it('is exactly what the route schemas generate', () => {
    expect(committedText === built, FIX).toBe(true);
  });

  it('has SDK types generated from it', async () => {
    const types = await schemaTypes(committed as unknown as Record<string, unknown>);
    expect(readFileSync(SCHEMA_TYPES_PATH, 'utf8') === types, 'openapi/sdk/schema.d.ts is stale: run `npm run openapi`').toBe(true);
  });

  it('lists paths and components in sorted order', () => {
    const paths = Object.keys(committed.paths);
    expect(paths).toEqual([...paths].sort());
    const schemas = Object.keys(committed.components.schemas);
    expect(schemas).toEqual([...schemas].sort());
  });

  it('validates as OpenAPI 3.1 with swagger-parser', async () => {
    const api = (await SwaggerParser.validate(structuredClone(committed) as never)) as { openapi: string };
    expect(api.openapi).toBe('3.1.0');
  });

  it('is refused by the validator when broken (negative controls)', async () => {
    const danglingRef = structuredClone(committed);
    delete danglingRef.components.schemas['DirEntry'];
    await expect(SwaggerParser.validate(danglingRef as never)).rejects.toThrow(/DirEntry/);
    const badParameter = structuredClone(committed);
    badParameter.paths['/v1/kv/{key}']!['get']!.parameters!.push({ name: 'recurse', in: 'nowhere' });
    await expect(SwaggerParser.validate(badParameter as never)).rejects.toThrow();
  });

  it('documents the query-meta headers on blocking reads, 404s included', () => {
    const kv = committed.paths['/v1/kv/{key}']!['get']!;
    for (const status of ['200', '404']) expect(Object.keys(kv.responses[status]?.headers ?? {})).toEqual(expect.arrayContaining(['X-Consul-Index', 'X-Consul-KnownLeader', 'X-Consul-LastContact']));
    // The families whose reads block on the Raft index (operator and status reads take the
    // common query parameters but answer at once, as in Consul).
    const blockingFamily = /^\/v1\/(kv|catalog|health|session|acl|coordinate|event)\//;
    const blocking = Object.entries(committed.paths).filter(([path]) => blockingFamily.test(path)).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => method === 'get' && (op.parameters ?? []).some((p) => p.name === 'index' && p.in === 'query'))
        .map(([m, op]) => ({ at: `${m} ${path}`, op })),
    );
    expect(blocking.length).toBeGreaterThan(20);
    for (const { at, op } of blocking) expect(Object.keys(op.responses['200']?.headers ?? {}), at).toContain('X-Consul-Index');
  });
});
