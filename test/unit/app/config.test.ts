import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigSource } from '../../../app/config.ts';
import { parseFlags } from '../../../app/flags.ts';

const source = (argv: string[], files: Record<string, string> = {}): ConfigSource => ({
  argv,
  env: {},
  hostname: 'host-a',
  readFile: (path) => {
    const text = files[path];
    if (text === undefined) throw new Error(`open ${path}: no such file or directory`);
    return text;
  },
});

describe('flag parsing (Go flag package rules)', () => {
  const specs = {
    server: { kind: 'bool', usage: '' },
    node: { kind: 'string', usage: '' },
    'http-port': { kind: 'int', usage: '' },
    'retry-join': { kind: 'list', usage: '' },
  } as const;

  it.each([
    [['-node', 'a'], { node: 'a' }],
    [['-node=a'], { node: 'a' }],
    [['--node', 'a'], { node: 'a' }],
    [['--node=a=b'], { node: 'a=b' }],
    [['-server'], { server: true }],
    [['-server=false'], { server: false }],
    [['-http-port', '8501'], { 'http-port': 8501 }],
    [['-retry-join', 'x', '-retry-join=y'], { 'retry-join': ['x', 'y'] }],
  ])('%j', (argv, expected) => {
    const r = parseFlags(argv, specs);
    expect(r.ok && r.values).toEqual(expected);
  });

  it('a bool flag does not take the next argument as its value', () => {
    const r = parseFlags(['-server', 'true'], specs);
    expect(r.ok && r.rest).toEqual(['true']);
  });

  it.each([
    [['-nope'], 'flag provided but not defined: -nope'],
    [['-node'], 'flag needs an argument: -node'],
    [['-http-port', 'x'], 'invalid value "x" for flag -http-port: parse error'],
    [['-server=maybe'], 'invalid boolean value "maybe" for -server'],
  ])('%j fails with a clear error', (argv, error) => {
    expect(parseFlags(argv, specs)).toEqual({ ok: false, error });
  });

  it('stops at -- and at the first non-flag', () => {
    expect(parseFlags(['-node', 'a', '--', '-server'], specs)).toEqual({ ok: true, values: { node: 'a' }, rest: ['-server'] });
    expect(parseFlags(['x', '-server'], specs)).toEqual({ ok: true, values: {}, rest: ['x', '-server'] });
  });
});

describe('loadConfig', () => {
  it('-dev gives a single self-bootstrapping server on 127.0.0.1:8500 without a data dir', () => {
    const r = loadConfig(source(['-dev']));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({ dev: true, bootstrapExpect: 1, dataDir: null, clientAddr: '127.0.0.1', httpPort: 8500, serverPort: 8300, nodeName: 'host-a', datacenter: 'dc1' });
  });

  it('a non-dev server needs a data dir', () => {
    expect(loadConfig(source(['-server']))).toMatchObject({ ok: false, error: expect.stringContaining('data_dir') });
  });

  it('flags override config files, and later files override earlier ones', () => {
    const files = {
      'a.json': JSON.stringify({ datacenter: 'east', node_name: 'n-a', ports: { http: 9000, server: 9300 }, acl: { enabled: true, tokens: { agent: 'x' } } }),
      'b.json': JSON.stringify({ node_name: 'n-b', ports: { http: 9100 }, acl: { default_policy: 'deny', tokens: { default: 'y' } } }),
    };
    const r = loadConfig(source(['-data-dir', '/d', '-config-file', 'a.json', '-config-file=b.json', '-node', 'flagged'], files));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.nodeName).toBe('flagged');
    expect(r.config.datacenter).toBe('east');
    expect(r.config.httpPort).toBe(9100);
    expect(r.config.serverPort).toBe(9300);
    expect(r.config.acl).toMatchObject({ enabled: true, defaultPolicy: 'deny', tokens: { agent: 'x', default: 'y' } });
  });

  it('rejects unknown config keys and bad JSON with the file name', () => {
    expect(loadConfig(source(['-dev', '-config-file', 'c.json'], { 'c.json': '{"bogus": 1}' }))).toEqual({
      ok: false,
      error: 'Error parsing c.json: invalid config key bogus',
    });
    expect(loadConfig(source(['-dev', '-config-file', 'c.json'], { 'c.json': '{' }))).toMatchObject({ ok: false, error: expect.stringMatching(/^Error parsing c.json: /) });
    expect(loadConfig(source(['-dev', '-config-file', 'missing.json']))).toMatchObject({ ok: false, error: expect.stringMatching(/^Error loading missing.json/) });
  });

  it('validates the cluster key, log level and ports', () => {
    expect(loadConfig(source(['-dev', '-encrypt', 'c2hvcnQ=']))).toMatchObject({ ok: false, error: expect.stringContaining('32 bytes') });
    const key = Buffer.alloc(32, 7).toString('base64');
    const r = loadConfig(source(['-dev', '-encrypt', key]));
    expect(r.ok && r.config.encrypt?.length).toBe(32);
    expect(loadConfig(source(['-dev', '-log-level', 'loud']))).toEqual({ ok: false, error: 'Invalid log level: loud' });
    expect(loadConfig(source(['-dev', '-http-port', '70000']))).toEqual({ ok: false, error: 'Invalid http port: 70000' });
  });

  it('collects repeatable -retry-join, which may include the server itself', () => {
    const r = loadConfig(source(['-data-dir', '/d', '-bind', '127.0.0.2', '-retry-join', '127.0.0.2:8300', '-retry-join', '127.0.0.3:8300']));
    expect(r.ok && r.config.retryJoin).toEqual(['127.0.0.2:8300', '127.0.0.3:8300']);
  });
});
