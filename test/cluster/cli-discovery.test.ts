// `cairn services`, `catalog`, `watch`, `lock`, `members`, `info` and `leave` end to end against
// a live single-server cluster (a real `cairn agent` process). Lock runs as the real binary: its
// child, its exit code and its signal handling are the point.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../app/commands/http-api.ts';
import { watchCommand } from '../../app/commands/watch.ts';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';
import { cli, spawnCli } from './cli-harness.ts';

/** Waits on another process's state (a handler's output file, a lock key). */
const WAIT_MS = 30_000;

let cluster: Cluster;
let server: AgentProcess;
let dir: string;
let addr: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-discovery-'));
  cluster = await startCluster({ size: 1 });
  server = await cluster.leader();
  addr = `-http-addr=${server.httpAddress}`;
});

afterAll(async () => {
  await cluster?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const getJson = async <T>(path: string): Promise<T> => (await (await fetch(server.url(path))).json()) as T;

describe('cairn services and catalog', () => {
  it('registers from flags, a JSON file and an HCL file, lists, and deregisters', async () => {
    const byFlags = await cli(['services', 'register', addr, '-name=db', '-id=db-1', '-port=5432', '-tag=pg', '-tag=primary', '-meta=version=16']);
    expect(byFlags).toEqual({ code: 0, stdout: 'Registered service: db\n', stderr: '' });
    const json = file('web.json', JSON.stringify({ service: { name: 'web', id: 'web-1', port: 8080, tags: ['v1'], check: { ttl: '30s' } } }));
    expect((await cli(['services', 'register', addr, json])).stdout).toBe('Registered service: web\n');
    const hcl = file('more.hcl', 'services {\n  name = "api"\n  port = 9000\n  tags = ["blue", "green"]\n}\nservices {\n  name = "cache"\n  port = 6379\n}\n');
    expect((await cli(['services', 'register', addr, hcl])).stdout).toBe('Registered service: api\nRegistered service: cache\n');

    const db = await getJson<Record<string, { Port: number; Tags: string[]; Meta: Record<string, string> }>>('/v1/agent/services');
    expect(db['db-1']).toMatchObject({ Port: 5432, Tags: ['pg', 'primary'], Meta: { version: '16' } });
    const checks = await getJson<Record<string, { ServiceID: string }>>('/v1/agent/checks');
    expect(Object.values(checks).map((c) => c.ServiceID)).toContain('web-1');

    expect((await cli(['catalog', 'services', addr])).stdout).toBe('api\ncache\nconsul\ndb\nweb\n');
    expect((await cli(['catalog', 'services', addr, '-tags'])).stdout).toBe('api     blue,green\ncache\nconsul\ndb      pg,primary\nweb     v1\n');
    const node = (await getJson<{ Node: string; ID: string }[]>('/v1/catalog/nodes'))[0]!;
    expect((await cli(['catalog', 'services', addr, `-node=${node.Node}`])).stdout).toBe('api\ncache\nconsul\ndb\nweb\n');
    expect((await cli(['catalog', 'nodes', addr])).stdout).toBe(`Node  ID        Address    DC\n${node.Node}    ${node.ID.slice(0, 8)}  127.0.0.1  dc1\n`.replace(`${node.Node}    `, `${node.Node.padEnd(4)}  `));
    const detailed = await cli(['catalog', 'nodes', addr, '-service=web', '-detailed']);
    expect(detailed.stdout).toMatch(/^Node\s+ID\s+Address\s+DC\s+TaggedAddresses\s+Meta\n/);
    expect(detailed.stdout).toContain(node.ID);
    const none = await cli(['catalog', 'nodes', addr, '-service=nothing']);
    expect(none).toEqual({ code: 0, stdout: '', stderr: 'No nodes match the given query - try expanding your search.\n' });

    expect((await cli(['services', 'deregister', addr, '-id=db-1'])).stdout).toBe('Deregistered service: db-1\n');
    expect((await cli(['services', 'deregister', addr, hcl])).stdout).toBe('Deregistered service: api\nDeregistered service: cache\n');
    expect((await cli(['catalog', 'services', addr])).stdout).toBe('consul\nweb\n');
  });

  it('refuses bad definitions and arguments with exit 1', async () => {
    expect(await cli(['services', 'register', addr])).toEqual({ code: 1, stdout: '', stderr: 'Error! Missing -name or FILE argument\n' });
    const bad = await cli(['services', 'register', addr, file('bad.json', '{"nothing": 1}')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error! .*bad\.json: expected \{"service"/);
    const badHcl = await cli(['services', 'register', addr, file('bad.hcl', 'service {\n  name = \n}\n')]);
    expect(badHcl.code).toBe(1);
    expect(badHcl.stderr).toMatch(/^Error! .*bad\.hcl: At \d+:\d+: /);
    const refused = await cli(['services', 'register', addr, file('ttl.json', '{"service": {"name": "x", "check": {"ttl": "bogus"}}}')]);
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'Error registering service: Unexpected response code: 400 (Request decode failed: time: invalid duration "bogus")\n' });
  });
});

describe('cairn watch', () => {
  it('prints the current value of each watch type as JSON and exits', async () => {
    await fetch(server.url('/v1/kv/w/k?flags=3304740253564472344'), { method: 'PUT', body: 'one' });
    const key = await cli(['watch', addr, '-type=key', '-key=w/k']);
    expect(key.code, key.stderr).toBe(0);
    expect(key.stdout).toContain('    "Flags": 3304740253564472344,\n');
    expect(JSON.parse(key.stdout)).toMatchObject({ Key: 'w/k', Value: Buffer.from('one').toString('base64') });
    expect((await cli(['watch', addr, '-type=key', '-key=w/absent'])).stdout).toBe('null\n');
    expect(JSON.parse((await cli(['watch', addr, '-type=keyprefix', '-prefix=w/'])).stdout)).toHaveLength(1);
    expect(Object.keys(JSON.parse((await cli(['watch', addr, '-type=services'])).stdout) as object)).toContain('web');
    expect(JSON.parse((await cli(['watch', addr, '-type=nodes'])).stdout)).toHaveLength(1);
    const instances = JSON.parse((await cli(['watch', addr, '-type=service', '-service=web'])).stdout) as { Service: { ID: string } }[];
    expect(instances.map((i) => i.Service.ID)).toEqual(['web-1']);
    expect(JSON.parse((await cli(['watch', addr, '-type=service', '-service=web', '-passingonly'])).stdout)).toEqual([]);
    const checks = JSON.parse((await cli(['watch', addr, '-type=checks', '-service=web'])).stdout) as { Status: string }[];
    expect(checks.map((c) => c.Status)).toEqual(['critical']);
    expect(await cli(['watch', addr])).toEqual({ code: 1, stdout: '', stderr: 'Watch type must be specified\n' });
    expect((await cli(['watch', addr, '-type=key'])).stderr).toBe('Must specify a single key to watch\n');
  });

  it('runs the handler with the data on stdin on every change, until stopped', async () => {
    const out = join(dir, 'handler.out');
    const stop = new AbortController();
    let stderr = '';
    const io: Io = { out: () => undefined, err: (t) => void (stderr += t), env: { ...process.env, CONSUL_HTTP_ADDR: server.httpAddress } };
    const running = watchCommand(['-type=key', '-key=w/k', `cat >> ${out}; echo "@@$CONSUL_INDEX" >> ${out}`], io, stop.signal);
    const handled = (n: number) => waitFor(() => (existsSync(out) && readFileSync(out, 'utf8').split('@@').length > n ? readFileSync(out, 'utf8') : undefined), { timeoutMs: WAIT_MS, what: `handler run ${n}` });
    const first = await handled(1);
    expect(first).toContain(`"Value": "${Buffer.from('one').toString('base64')}"`);
    await fetch(server.url('/v1/kv/w/k'), { method: 'PUT', body: 'two' });
    const second = await handled(2);
    expect(second).toContain(`"Value": "${Buffer.from('two').toString('base64')}"`);
    const [, index] = /@@(\d+)\n$/.exec(second)!;
    const [pair] = await getJson<{ ModifyIndex: number }[]>('/v1/kv/w/k');
    expect(Number(index)).toBe(pair!.ModifyIndex);
    stop.abort();
    expect(await running).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('cairn lock', () => {
  it('runs children one at a time with CONSUL_LOCK_HELD, and releases and cleans up after', async () => {
    const log = join(dir, 'lock.log');
    const child = `echo "start $CONSUL_LOCK_HELD" >> ${log}; sleep 1; echo end >> ${log}`;
    const env = { CONSUL_HTTP_ADDR: server.httpAddress };
    const [a, b] = await Promise.all([spawnCli(['lock', 'locks/shared', child], { env }).done, spawnCli(['lock', 'locks/shared', child], { env }).done]);
    expect(a, a.stderr).toMatchObject({ code: 0 });
    expect(b, b.stderr).toMatchObject({ code: 0 });
    expect(readFileSync(log, 'utf8')).toBe('start true\nend\nstart true\nend\n');
    expect((await fetch(server.url('/v1/kv/locks/shared/.lock'))).status).toBe(404);
    expect(await getJson<unknown[]>('/v1/session/list')).toEqual([]);
  });

  it('on SIGTERM kills the child and releases the lock', async () => {
    const pidFile = join(dir, 'child.pid');
    const { child, done } = spawnCli(['lock', `-http-addr=${server.httpAddress}`, 'locks/signal', `echo $$ > ${pidFile}; exec sleep 60`]);
    await waitFor(async () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n') ? true : undefined), { timeoutMs: WAIT_MS, what: 'the lock child' });
    const [held] = await getJson<{ Session?: string }[]>('/v1/kv/locks/signal/.lock');
    expect(held?.Session).toBeDefined();
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
    expect((await fetch(server.url('/v1/kv/locks/signal/.lock'))).status).toBe(404);
    expect(await getJson<unknown[]>('/v1/session/list')).toEqual([]);
  });

  it('reports the child\'s failure with -child-exit-code, and refuses bad arguments', async () => {
    expect((await cli(['lock', addr, '-child-exit-code', 'locks/code', 'exit 3'])).code).toBe(2);
    expect((await cli(['lock', addr, 'locks/code', 'exit 3'])).code).toBe(0);
    expect(await cli(['lock', addr, 'locks/code'])).toEqual({ code: 1, stdout: '', stderr: 'Key prefix and child command must be specified\n' });
    expect((await cli(['lock', addr, '-n=0', 'locks/code', 'true'])).stderr).toBe('Lock holder limit must be positive\n');
    await fetch(server.url('/v1/kv/locks/plain/.lock'), { method: 'PUT', body: 'not a lock' });
    const misuse = await cli(['lock', addr, 'locks/plain', 'true']);
    expect(misuse).toEqual({ code: 1, stdout: '', stderr: 'Lock acquisition failed: Existing key does not match lock use\n' });
  });
});

describe('cairn members, info and leave', () => {
  it('lists the members and prints the agent\'s statistics', async () => {
    const members = await cli(['members', addr]);
    expect(members.stdout).toMatch(/^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Partition\s+Segment\ns1\s+127\.0\.0\.1:\d+\s+alive\s+server\s/);
    const info = await cli(['info', addr]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^agent:\n\t/);
    expect(info.stdout).toMatch(/\nraft:\n(\t.+\n)*\tstate = Leader\n/);
    expect((await cli(['info', addr, 'extra'])).stderr).toBe('This command takes no arguments\n');
  });

  it('leaves gracefully: the agent exits', async () => {
    const left = await cli(['leave', addr]);
    expect(left).toEqual({ code: 0, stdout: 'Graceful leave complete\n', stderr: '' });
    await waitFor(() => (server.running ? undefined : true), { timeoutMs: WAIT_MS, what: 'the agent to exit' });
    const after = await cli(['leave', addr]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^Error leaving: Put "http:\/\/127\.0\.0\.1:\d+\/v1\/agent\/leave": dial tcp 127\.0\.0\.1:\d+: connect: connection refused\n$/);
  });
});
