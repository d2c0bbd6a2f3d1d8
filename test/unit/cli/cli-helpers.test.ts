// The CLI's pure pieces: uint64 KV flags through JSON, the watch views, service definition files
// (JSON and HCL), and the Go-style wording of network errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeError, HttpApi, kvPath, parseJson, toJson } from '../../../app/commands/http-api.ts';
import { definitionsFromFile } from '../../../app/commands/service-definitions.ts';
import { viewFor } from '../../../app/commands/watch.ts';

const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('KV flags as uint64', () => {
  it('keeps flags past 2^53 exact through parse and stringify', () => {
    const text = '[{"Key":"a","Flags":3304740253564472344,"Value":null},{"Key":"b","Flags":0,"Value":"eA=="}]';
    const parsed = parseJson<{ Key: string; Flags: string }[]>(text);
    expect(parsed.map((p) => p.Flags)).toEqual(['3304740253564472344', '0']);
    expect(toJson(parsed, 0)).toBe(text);
    expect(toJson([{ key: 'k', flags: '18446744073709551615' }], '\t')).toBe('[\n\t{\n\t\t"key": "k",\n\t\t"flags": 18446744073709551615\n\t}\n]');
  });

  it('leaves "Flags" inside keys and values alone', () => {
    const text = '[{"Key":"x\\"Flags\\":1","Flags":7,"Value":null}]';
    const [pair] = parseJson<{ Key: string; Flags: string }[]>(text);
    expect(pair).toEqual({ Key: 'x"Flags":1', Flags: '7', Value: null });
  });

  it('escapes each key segment but keeps the slashes', () => {
    expect(kvPath('a b/c?d/')).toBe('/v1/kv/a%20b/c%3Fd/');
  });
});

describe('watch views', () => {
  it('maps each type and its flags to a query', () => {
    expect(viewFor('key', { key: 'a/b' })).toMatchObject({ path: '/v1/kv/a/b', params: {} });
    expect(viewFor('keyprefix', { prefix: 'a/' })).toMatchObject({ path: '/v1/kv/a/', params: { recurse: '' } });
    expect(viewFor('service', { service: 'web', passingonly: true, tag: ['v1', 'eu'] })).toMatchObject({ path: '/v1/health/service/web', params: { passing: '' }, tags: ['v1', 'eu'] });
    expect(viewFor('checks', { state: 'critical' })).toMatchObject({ path: '/v1/health/state/critical' });
    expect(viewFor('checks', {})).toMatchObject({ path: '/v1/health/state/any' });
    expect(viewFor('checks', { service: 'a', state: 'passing' })).toBe('Cannot specify service and state');
    expect(viewFor('key', {})).toBe('Must specify a single key to watch');
    expect(viewFor('event', {})).toMatch(/^Unsupported watch type: event/);
  });

  it('a key view yields the entry itself, or null', () => {
    const view = viewFor('key', { key: 'k' });
    if (typeof view === 'string') throw new Error(view);
    expect(view.shape([{ Key: 'k' }])).toEqual({ Key: 'k' });
    expect(view.shape(null)).toBeNull();
  });
});

describe('service definition files', () => {
  it('reads JSON with one service or many', () => {
    expect(definitionsFromFile(file('one.json', '{"service": {"name": "web", "port": 80}}'))).toEqual([{ name: 'web', port: 80 }]);
    expect(definitionsFromFile(file('many.json', '{"Services": [{"Name": "a"}, {"Name": "b"}]}'))).toEqual([{ Name: 'a' }, { Name: 'b' }]);
  });

  it('reads HCL: blocks are objects, repeated blocks a list, literals typed', () => {
    const hcl = 'service {\n  name = "web"\n  port = 8080\n  enable_tag_override = true\n  tags = ["a", "b"]\n  meta {\n    version = "2"\n  }\n  checks = [{ ttl = "5s" }]\n}\nservice {\n  name = "db"\n}\n';
    expect(definitionsFromFile(file('svc.hcl', hcl))).toEqual([
      { name: 'web', port: 8080, enable_tag_override: true, tags: ['a', 'b'], meta: { version: '2' }, checks: [{ ttl: '5s' }] },
      { name: 'db' },
    ]);
  });

  it('names the file and the problem', () => {
    expect(() => definitionsFromFile(file('empty.json', '{}'))).toThrow(/empty\.json: expected \{"service"/);
    expect(() => definitionsFromFile(file('broken.hcl', 'service {'))).toThrow(/broken\.hcl: At \d+:\d+: /);
  });
});

describe('network errors', () => {
  it('read as the Go client words them', async () => {
    // A port nothing listens on: bind and close an ephemeral one.
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const api = new HttpApi({ 'http-addr': `127.0.0.1:${port}` }, {});
    const err = await api.request('DELETE', '/v1/kv/x').then(() => undefined, (e: unknown) => e);
    expect(describeError(err)).toBe(`Delete "http://127.0.0.1:${port}/v1/kv/x": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });
});
