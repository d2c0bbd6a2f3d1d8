// The operator CLI end to end against a live single-server cluster (a real `cairn agent`; the
// commands run as the real binary where the test is about it, else as the same modules in-process):
// snapshot save → inspect → restore, autopilot get-config/set-config/state, raft list-peers and
// remove-peer errors, members, -http-addr versus CONSUL_HTTP_ADDR; and the leader's tombstone
// reaping with a short tombstone_ttl from the config file.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../app/commands/http-api.ts';
import { membersCommand } from '../../app/commands/members.ts';
import { operatorCommand } from '../../app/commands/operator.ts';
import { snapshotCommand } from '../../app/commands/snapshot.ts';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';
import { parsePrometheusText, sampleValue } from '../unit/app/prometheus-text.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'app/cli.ts');
const execFileP = promisify(execFile);
/** Tombstones older than this are reaped; the leader looks every granularity step. */
const TOMBSTONE_TTL_MS = 1_500;

let cluster: Cluster;
let server: AgentProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ tombstone_ttl: `${TOMBSTONE_TTL_MS}ms`, tombstone_ttl_granularity: '250ms' }));
  cluster = await startCluster({ size: 1, extraArgs: ['-config-file', config] });
  server = await cluster.leader();
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Through the real `cairn` binary (a child process): the command table and exit codes. */
async function spawned(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const COMMANDS: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = { snapshot: snapshotCommand, operator: operatorCommand, members: membersCommand };

/** The same command modules in this process (no start-up cost), still over HTTP to the live server. */
async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  const [name, ...rest] = args;
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (t) => void (stdout += t), err: (t) => void (stderr += t), env: { ...process.env, CONSUL_HTTP_ADDR: undefined, ...env } };
  const code = await COMMANDS[name!]!(rest, io);
  return { code, stdout, stderr };
}

const put = async (key: string, value: string) => expect((await fetch(server.url(`/v1/kv/${key}`), { method: 'PUT', body: value })).status).toBe(200);

describe('cairn snapshot', () => {
  it('saves, inspects and restores through the CLI', async () => {
    for (let i = 0; i < 5; i++) await put(`cli/k${i}`, `v${i}`);
    const file = join(dir, 'backup.snap');
    const saved = await spawned(['snapshot', 'save', `-http-addr=${server.httpAddress}`, file]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/^Saved and verified snapshot to index \d+\n$/);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    const index = Number(/index (\d+)/.exec(saved.stdout)![1]);

    const inspected = await cli(['snapshot', 'inspect', file]);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(new RegExp(`Index\\s+${index}\\n`));
    expect(inspected.stdout).toMatch(/ kvs\s+5\n/);
    expect(inspected.stdout).toMatch(/ Total\s+\d+\n/);

    await put('cli/k0', 'changed');
    await put('cli/extra', 'gone after restore');
    // CONSUL_HTTP_ADDR is honoured when -http-addr is absent.
    const restored = await cli(['snapshot', 'restore', file], { CONSUL_HTTP_ADDR: server.httpAddress, CONSUL_HTTP_TOKEN: 'ignored-without-acls' });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toBe('Restored snapshot\n');
    const [k0] = (await (await fetch(server.url('/v1/kv/cli/k0'))).json()) as { Value: string }[];
    expect(Buffer.from(k0!.Value, 'base64').toString()).toBe('v0');
    expect((await fetch(server.url('/v1/kv/cli/extra'))).status).toBe(404);
  });

  it('refuses a damaged file with the server\'s error and a non-zero exit', async () => {
    const file = join(dir, 'damaged.snap');
    writeFileSync(file, 'not a snapshot');
    const inspected = await cli(['snapshot', 'inspect', file]);
    expect(inspected.code).toBe(1);
    expect(inspected.stderr).toBe('Error inspecting snapshot: failed to decompress snapshot: gzip: invalid header\n');
    const restored = await cli(['snapshot', 'restore', `-http-addr=${server.httpAddress}`, file]);
    expect(restored.code).toBe(1);
    expect(restored.stderr).toBe('Error restoring snapshot: Unexpected response code: 500 (failed to decompress snapshot: gzip: invalid header)\n');
  });
});

describe('cairn operator and members', () => {
  it('reads and changes the autopilot configuration, and shows its state', async () => {
    const before = await cli(['operator', 'autopilot', 'get-config', `-http-addr=${server.httpAddress}`]);
    expect(before.stdout).toContain('CleanupDeadServers = true\nLastContactThreshold = 200ms\nMaxTrailingLogs = 250\n');
    const set = await cli(['operator', 'autopilot', 'set-config', '-cleanup-dead-servers=false', '-max-trailing-logs=500', '-last-contact-threshold=1s', `-http-addr=${server.httpAddress}`]);
    expect(set.stdout).toBe('Configuration updated!\n');
    const after = await cli(['operator', 'autopilot', 'get-config', `-http-addr=${server.httpAddress}`]);
    expect(after.stdout).toContain('CleanupDeadServers = false\nLastContactThreshold = 1s\nMaxTrailingLogs = 500\n');
    const state = await cli(['operator', 'autopilot', 'state', '-format=json', `-http-addr=${server.httpAddress}`]);
    const parsed = JSON.parse(state.stdout) as { Healthy: boolean; Voters: string[]; Servers: Record<string, { Status: string; Name: string }> };
    expect(parsed.Healthy).toBe(true);
    expect(Object.values(parsed.Servers)).toEqual([expect.objectContaining({ Status: 'leader', Name: 's1' })]);
  });

  it('lists peers and members, and reports a removal of an unknown peer as Consul does', async () => {
    const peers = await cli(['operator', 'raft', 'list-peers', `-http-addr=${server.httpAddress}`]);
    expect(peers.stdout.split('\n')[0]).toMatch(/^Node\s+ID\s+Address\s+State\s+Voter\s+RaftProtocol\s+Commit Index\s+Trails Leader By$/);
    expect(peers.stdout).toMatch(new RegExp(`s1\\s+[0-9a-f-]{36}\\s+${server.clusterAddress.replace(/\./g, '\\.')}\\s+leader\\s+true\\s+3`));
    const removal = await cli(['operator', 'raft', 'remove-peer', '-address=127.0.0.9:1', `-http-addr=${server.httpAddress}`]);
    expect(removal.code).toBe(1);
    expect(removal.stderr).toBe('Error removing peer: Unexpected response code: 500 (address "127.0.0.9:1" was not found in the Raft configuration)\n');
    const neither = await cli(['operator', 'raft', 'remove-peer', `-http-addr=${server.httpAddress}`]);
    expect(neither.stderr).toBe('Error removing peer: Must specify either -id or -address\n');
    const members = await spawned(['members', `-http-addr=${server.httpAddress}`]);
    expect(members.stdout).toMatch(/^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Partition\s+Segment\n/);
    expect(members.stdout).toMatch(/s1\s+127\.0\.0\.1:\d+\s+alive\s+server\s+\S+\s+2\s+dc1\s+default\s+<all>/);
    const unreachable = await spawned(['members', '-http-addr=127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^Error retrieving members: /);
  });
});

describe('tombstone reaping on the leader', () => {
  it('reaps tombstones through Raft once they are older than tombstone_ttl', async () => {
    const tombstones = async () => sampleValue(parsePrometheusText(await (await fetch(server.url('/v1/agent/metrics?format=prometheus'))).text()), 'cairn_state_tombstones');
    await put('reap/a', 'x');
    const deleted = await fetch(server.url('/v1/kv/reap/a'), { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    const deletedAt = Date.now();
    expect(await tombstones()).toBeGreaterThanOrEqual(1);
    await waitFor(async () => ((await tombstones()) === 0 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100, what: 'the tombstone to be reaped' });
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(TOMBSTONE_TTL_MS);
  });
});
