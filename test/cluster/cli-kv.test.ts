// `cairn kv` end to end against a live single-server cluster (a real `cairn agent` process):
// every verb and flag, Consul's output lines, error messages and exit codes, export/import
// round trips, and the binary itself for stdin, exit codes and help.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { cli, spawned } from './cli-harness.ts';

/** The Go API's lock flag: a uint64 past 2^53 that must survive every round trip. */
const LOCK_FLAG = '3304740253564472344';

let cluster: Cluster;
let server: AgentProcess;
let dir: string;
let addr: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-kv-'));
  cluster = await startCluster({ size: 1 });
  server = await cluster.leader();
  addr = `-http-addr=${server.httpAddress}`;
});

afterAll(async () => {
  await cluster?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** `cairn kv SUB [flags…] [args…]` with -http-addr placed among the flags. */
const run = (sub: string, ...rest: string[]) => cli(['kv', sub, addr, ...rest]);

async function modifyIndex(key: string): Promise<number> {
  const [pair] = (await (await fetch(server.url(`/v1/kv/${key}`))).json()) as { ModifyIndex: number }[];
  return pair!.ModifyIndex;
}

describe('cairn kv put and get', () => {
  it('writes and reads values, flags, base64 and the detailed view', async () => {
    expect(await run('put', 'app/name', 'cairn')).toEqual({ code: 0, stdout: 'Success! Data written to: app/name\n', stderr: '' });
    expect(await run('get', 'app/name')).toEqual({ code: 0, stdout: 'cairn\n', stderr: '' });
    expect((await run('put', '-flags=42', 'app/flagged', 'x')).code).toBe(0);
    expect((await run('put', `-flags=${LOCK_FLAG}`, 'app/big', 'y')).code).toBe(0);
    expect((await run('put', '-base64', 'app/b64', Buffer.from('hello\x00world').toString('base64'))).code).toBe(0);
    expect((await run('get', '-base64', 'app/b64')).stdout).toBe(`${Buffer.from('hello\x00world').toString('base64')}\n`);
    const index = await modifyIndex('app/big');
    const detailed = await run('get', '-detailed', 'app/big');
    expect(detailed.stdout).toBe(
      `CreateIndex      ${index}\nFlags            ${LOCK_FLAG}\nKey              app/big\nLockIndex        0\nModifyIndex      ${index}\nSession          -\nValue            y\n`,
    );
    // A leading "/" is stripped for reads, as Consul does.
    expect((await run('get', '/app/name')).stdout).toBe('cairn\n');
  });

  it('reads DATA from a file with @ and from stdin with -', async () => {
    const file = join(dir, 'value.txt');
    writeFileSync(file, 'from a file\n');
    expect((await run('put', 'data/file', `@${file}`)).code).toBe(0);
    expect((await run('get', 'data/file')).stdout).toBe('from a file\n\n');
    expect((await cli(['kv', 'put', addr, 'data/stdin', '-'], { stdin: 'piped in' })).code).toBe(0);
    expect((await run('get', 'data/stdin')).stdout).toBe('piped in\n');
    // An empty DATA writes an empty value.
    expect((await run('put', 'data/empty')).code).toBe(0);
    expect((await run('get', 'data/empty')).stdout).toBe('\n');
    const missing = await run('put', 'data/x', `@${join(dir, 'absent')}`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error! Failed to read file: ENOENT/);
  });

  it('lists with -recurse and -keys (with -separator)', async () => {
    for (const k of ['tree/a', 'tree/b/c', 'tree/b/d', 'tree/e']) expect((await run('put', k, k.toUpperCase())).code).toBe(0);
    expect((await run('get', '-recurse', 'tree')).stdout).toBe('tree/a:TREE/A\ntree/b/c:TREE/B/C\ntree/b/d:TREE/B/D\ntree/e:TREE/E\n');
    expect((await run('get', '-keys', 'tree/')).stdout).toBe('tree/a\ntree/b/\ntree/e\n');
    expect((await run('get', '-keys', '-separator=', 'tree/')).stdout).toBe('tree/a\ntree/b/c\ntree/b/d\ntree/e\n');
    const both = await run('get', '-recurse', '-detailed', 'tree/b');
    expect(both.stdout.split('\n\n')).toHaveLength(2);
    expect(both.stdout).toContain('Key              tree/b/c\n');
    expect((await run('get', '-recurse', 'no-such-prefix')).stdout).toBe('');
  });

  it('a missing key is exit 1 with Consul\'s message', async () => {
    expect(await run('get', 'nope/not-here')).toEqual({ code: 1, stdout: '', stderr: 'Error! No key exists at: nope/not-here\n' });
    expect(await run('get')).toEqual({ code: 1, stdout: '', stderr: 'Error! Missing KEY argument\n' });
    expect((await run('get', 'a', 'b')).stderr).toBe('Too many arguments (expected 1, got 2)\n');
  });
});

describe('cairn kv check-and-set and delete', () => {
  it('writes with the current ModifyIndex and refuses a stale one', async () => {
    await run('put', 'cas/k', 'v1');
    const index = await modifyIndex('cas/k');
    await run('put', 'cas/k', 'v2');
    const stale = await run('put', '-cas', `-modify-index=${index}`, 'cas/k', 'v3');
    expect(stale).toEqual({ code: 1, stdout: '', stderr: 'Error! Did not write to cas/k: CAS failed\n' });
    expect((await run('get', 'cas/k')).stdout).toBe('v2\n');
    const fresh = await run('put', '-cas', `-modify-index=${await modifyIndex('cas/k')}`, 'cas/k', 'v3');
    expect(fresh).toEqual({ code: 0, stdout: 'Success! Data written to: cas/k\n', stderr: '' });
    expect((await run('put', '-cas', 'cas/k', 'v4')).stderr).toBe('Must specify -modify-index with -cas!\n');
  });

  it('deletes a key, a prefix, and with -cas only at the right index', async () => {
    await run('put', 'del/a', '1');
    await run('put', 'del/b/c', '2');
    await run('put', 'del/b/d', '3');
    const stale = await run('delete', '-cas', '-modify-index=1', 'del/a');
    expect(stale).toEqual({ code: 1, stdout: '', stderr: 'Error! Did not delete key del/a: CAS failed\n' });
    const ok = await run('delete', '-cas', `-modify-index=${await modifyIndex('del/a')}`, 'del/a');
    expect(ok).toEqual({ code: 0, stdout: 'Success! Deleted key: del/a\n', stderr: '' });
    expect((await run('get', 'del/a')).code).toBe(1);
    expect(await run('delete', '-recurse', 'del/b')).toEqual({ code: 0, stdout: 'Success! Deleted keys with prefix: del/b\n', stderr: '' });
    expect((await run('get', '-recurse', 'del')).stdout).toBe('');
    // Deleting what is not there succeeds, as in Consul.
    expect((await run('delete', 'del/never')).code).toBe(0);
    expect((await run('delete', '-cas', '-recurse', '-modify-index=3', 'del')).stderr).toBe('Cannot specify both -cas and -recurse!\n');
    expect((await run('delete', '-modify-index=3', 'del')).stderr).toBe('Cannot specify -modify-index without -cas!\n');
    expect((await run('delete')).stderr).toBe('Error! Missing KEY argument\n');
  });
});

describe('cairn kv locks', () => {
  it('acquires and releases with -session, and refuses a second holder', async () => {
    const session = async () => ((await (await fetch(server.url('/v1/session/create'), { method: 'PUT', body: '{"LockDelay":"0s"}' })).json()) as { ID: string }).ID;
    const [first, second] = [await session(), await session()];
    expect(await run('put', '-acquire', `-session=${first}`, 'locked/k', 'mine')).toEqual({ code: 0, stdout: 'Success! Lock acquired on: locked/k\n', stderr: '' });
    expect(await run('put', '-acquire', `-session=${second}`, 'locked/k', 'theirs')).toEqual({ code: 1, stdout: '', stderr: 'Error! Did not acquire lock\n' });
    expect((await run('get', '-detailed', 'locked/k')).stdout).toContain(`Session          ${first}\n`);
    expect(await run('put', '-release', `-session=${first}`, 'locked/k')).toEqual({ code: 0, stdout: 'Success! Lock released on: locked/k\n', stderr: '' });
    expect((await run('get', '-detailed', 'locked/k')).stdout).toContain('Session          -\n');
    expect((await run('put', '-acquire', 'locked/k')).stderr).toBe('Error! Missing -session (required with -acquire and -release)\n');
    // A release writes DATA like any put (none here: an empty value), as Consul's does.
    expect((await run('get', 'locked/k')).stdout).toBe('\n');
    // -stale reads from any server; the datacenter list comes from the catalog.
    await run('put', 'locked/plain', 'stale ok');
    expect((await run('get', '-stale', 'locked/plain')).stdout).toBe('stale ok\n');
    expect(await cli(['catalog', 'datacenters', addr])).toEqual({ code: 0, stdout: 'dc1\n', stderr: '' });
  });
});

describe('cairn kv export and import', () => {
  it('round-trips a tree (binary values, uint64 flags, more keys than one transaction)', async () => {
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    await fetch(server.url('/v1/kv/exp/bin'), { method: 'PUT', body: binary });
    await run('put', `-flags=${LOCK_FLAG}`, 'exp/flagged', 'f');
    for (let i = 0; i < 150; i++) await fetch(server.url(`/v1/kv/exp/many/${String(i).padStart(3, '0')}`), { method: 'PUT', body: `v${i}` });
    const exported = await run('export', 'exp/');
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`"flags": ${LOCK_FLAG},`);
    const entries = JSON.parse(exported.stdout) as { key: string; flags: number; value: string }[];
    expect(entries).toHaveLength(152);
    expect(entries[0]).toEqual({ key: 'exp/bin', flags: 0, value: binary.toString('base64') });

    const file = join(dir, 'export.json');
    writeFileSync(file, exported.stdout);
    const imported = await cli(['kv', 'import', addr, '-prefix=copy', `@${file}`]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout.split('\n')).toContain('Imported: copy/exp/many/149');
    const again = await run('export', 'copy/');
    const copied = JSON.parse(again.stdout) as { key: string; value: string }[];
    expect(copied.map((e) => e.key)).toEqual(entries.map((e) => `copy/${e.key}`));
    expect(again.stdout.replaceAll('copy/', '')).toBe(exported.stdout);
    expect((await run('get', '-detailed', 'copy/exp/flagged')).stdout).toContain(`Flags            ${LOCK_FLAG}\n`);
    const raw = await fetch(server.url('/v1/kv/copy/exp/bin?raw'));
    expect(Buffer.from(await raw.arrayBuffer())).toEqual(binary);
  });

  it('imports from stdin and refuses bad data before writing anything', async () => {
    const data = JSON.stringify([{ key: 'stdin/a', flags: 0, value: Buffer.from('A').toString('base64') }]);
    expect(await cli(['kv', 'import', addr, '-'], { stdin: data })).toEqual({ code: 0, stdout: 'Imported: stdin/a\n', stderr: '' });
    expect((await run('get', 'stdin/a')).stdout).toBe('A\n');
    const notJson = await cli(['kv', 'import', addr, '-'], { stdin: '{nope' });
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^Cannot unmarshal data: /);
    const badValue = await run('import', JSON.stringify([{ key: 'stdin/ok', flags: 0, value: 'QQ==' }, { key: 'stdin/bad', flags: 0, value: '!!' }]));
    expect(badValue).toEqual({ code: 1, stdout: '', stderr: 'Error base 64 decoding value for key stdin/bad: illegal base64 data\n' });
    expect((await run('get', 'stdin/ok')).code).toBe(1);
    expect((await run('import')).stderr).toBe('Error! Missing DATA argument\n');
    expect(await run('export', 'nothing-here/')).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('cairn kv errors a script can rely on', () => {
  it('a bad flag is exit 1 with Go\'s message and the usage', async () => {
    const unknown = await run('get', '-nope', 'k');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^flag provided but not defined: -nope\n\nUsage: cairn kv get/);
    const badFlags = await run('put', '-flags=abc', 'k', 'v');
    expect(badFlags).toEqual({ code: 1, stdout: '', stderr: 'invalid value "abc" for flag -flags: parse error\n' });
    expect((await run('put', '-flags=18446744073709551616', 'k', 'v')).code).toBe(1);
  });

  it('an unreachable server is exit 1 with the dial error', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const down = await cli(['kv', 'get', `-http-addr=127.0.0.1:${port}`, 'k']);
    expect(down).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error querying Consul agent: Get "http://127.0.0.1:${port}/v1/kv/k": dial tcp 127.0.0.1:${port}: connect: connection refused\n`,
    });
    const write = await cli(['kv', 'put', 'k', 'v'], { env: { CONSUL_HTTP_ADDR: `127.0.0.1:${port}` } });
    expect(write.stderr).toBe(`Error! Failed writing data: Put "http://127.0.0.1:${port}/v1/kv/k": dial tcp 127.0.0.1:${port}: connect: connection refused\n`);
  });

  it('CONSUL_HTTP_ADDR is used when -http-addr is absent, and -http-addr wins over it', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    expect((await cli(['kv', 'get', 'app/name'], { env: { CONSUL_HTTP_ADDR: server.httpAddress } })).stdout).toBe('cairn\n');
    expect((await cli(['kv', 'get', addr, 'app/name'], { env: { CONSUL_HTTP_ADDR: `127.0.0.1:${port}` } })).stdout).toBe('cairn\n');
    expect((await cli(['kv', 'get', 'app/name'], { env: { CONSUL_HTTP_ADDR: `http://${server.httpAddress}/` } })).stdout).toBe('cairn\n');
  });
});

describe('the cairn binary', () => {
  it('reads stdin, exits 0 on success and 1 on a missing key, and 0 for help', async () => {
    const env = { CONSUL_HTTP_ADDR: server.httpAddress };
    const [put, help] = await Promise.all([spawned(['kv', 'put', 'bin/stdin', '-'], { env, stdin: 'through a pipe' }), spawned(['kv', 'put', '--help'])]);
    expect(put).toEqual({ code: 0, stdout: 'Success! Data written to: bin/stdin\n', stderr: '' });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cairn kv put \[options\] KEY \[DATA\]/);
    expect(help.stdout).toContain('  -http-addr <value>\n');
    expect((await run('get', 'bin/stdin')).stdout).toBe('through a pipe\n');
    const missing = await spawned(['kv', 'get', 'bin/absent'], { env });
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'Error! No key exists at: bin/absent\n' });
  });

  it('refuses an unknown command with exit 1 and the usage', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^Unknown command: frobnicate\n\nUsage: cairn/);
    expect((await cli(['--version'])).stdout).toMatch(/^Cairn v\d+\.\d+\.\d+ \(Consul API \d+\.\d+\.\d+\)\n$/);
  });
});

// Every command and subcommand answers -h, -help and --help with its usage on stdout, exit 0.
describe('--help everywhere', () => {
  const commands = [
    ['kv', 'get'], ['kv', 'put'], ['kv', 'delete'], ['kv', 'export'], ['kv', 'import'], ['kv'],
    ['catalog', 'services'], ['catalog', 'nodes'], ['catalog', 'datacenters'], ['catalog'],
    ['services', 'register'], ['services', 'deregister'], ['services'],
    ['acl', 'bootstrap'], ['acl', 'token', 'create'], ['acl', 'token', 'read'], ['acl', 'token', 'list'], ['acl', 'token', 'update'], ['acl', 'token', 'delete'],
    ['acl', 'policy', 'create'], ['acl', 'policy', 'list'], ['acl', 'role', 'create'], ['acl', 'role', 'delete'], ['acl', 'token'], ['acl'],
    ['snapshot', 'save'], ['snapshot', 'restore'], ['snapshot', 'inspect'], ['snapshot'],
    ['operator', 'raft', 'list-peers'], ['operator', 'raft', 'remove-peer'], ['operator', 'raft', 'transfer-leader'], ['operator', 'raft'],
    ['operator', 'autopilot', 'get-config'], ['operator', 'autopilot', 'set-config'], ['operator', 'autopilot', 'state'], ['operator'],
    ['lock'], ['watch'], ['members'], ['info'], ['leave'],
  ];
  it.each(commands.map((c) => [c.join(' ')]))('cairn %s --help', async (line) => {
    for (const flag of ['--help', '-h', '-help']) {
      const result = await cli([...line.split(' '), flag]);
      expect(result.code, `${line} ${flag}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/^Usage: cairn /);
      expect(result.stderr).toBe('');
    }
  });
});
