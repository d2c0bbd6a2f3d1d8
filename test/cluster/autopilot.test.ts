// Operating a 3-server cluster of real processes with short autopilot times (config file):
// health and the Raft configuration, leadership transfer to a named server (HTTP and CLI),
// Prometheus metrics scraped and parsed, a server killed for good removed by autopilot within
// the configured time, and a new server joining as a non-voter and promoted once stable.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, startCluster, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';
import { parsePrometheusText, sampleValue } from '../unit/app/prometheus-text.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'app/cli.ts');
const run = promisify(execFile);
/** Autopilot declares a server failed after max(3 × stabilization, 10 × threshold) = 5 s here. */
const AUTOPILOT = { server_stabilization_time: '1s', last_contact_threshold: '500ms' };
const FAILED_AFTER_MS = 5_000;
/** Reconcile rounds, an election and a loaded 2-core machine on top of the 5 s. */
const REMOVAL_BUDGET_MS = FAILED_AFTER_MS + 10_000;

let cluster: Cluster;
let configDir: string;
let configFile: string;
let joiner: AgentProcess | undefined;

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'cairn-autopilot-'));
  configFile = join(configDir, 'autopilot.json');
  writeFileSync(configFile, JSON.stringify({ autopilot: AUTOPILOT }));
  cluster = await startCluster({ size: 3, extraArgs: ['-config-file', configFile] });
  await cluster.leader();
});

afterAll(async () => {
  await joiner?.stop('SIGKILL');
  await cluster?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

async function json<T>(server: AgentProcess, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(server.url(path), init);
  expect(res.status, `${init?.method ?? 'GET'} ${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

interface RaftServer { ID: string; Node: string; Address: string; Leader: boolean; Voter: boolean; LastIndex: number; ProtocolVersion: string }
const configuration = (s: AgentProcess) => json<{ Servers: RaftServer[]; Index: number }>(s, '/v1/operator/raft/configuration');

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT });
  return stdout;
}

describe('autopilot and the operator surface on a live cluster', () => {
  it('stores the configured autopilot settings and reports every server healthy', async () => {
    const leader = await cluster.leader();
    type AutopilotConfig = { ServerStabilizationTime: string; LastContactThreshold: string; CleanupDeadServers: boolean; ModifyIndex: number };
    // A new leader stores the configured settings through Raft once it has won: wait for that write.
    const config = await waitFor(async () => {
      const c = await json<AutopilotConfig>(leader, '/v1/operator/autopilot/configuration');
      return c.ModifyIndex > 0 ? c : undefined;
    }, { timeoutMs: 15_000, what: 'the stored autopilot configuration' });
    expect(config).toMatchObject({ ServerStabilizationTime: '1s', LastContactThreshold: '500ms', CleanupDeadServers: true });
    const health = await waitFor(async () => {
      const res = await fetch(leader.url('/v1/operator/autopilot/health'));
      const body = (await res.json()) as { Healthy: boolean; FailureTolerance: number; Servers: { Healthy: boolean; Voter: boolean; Name: string }[] };
      return res.status === 200 && body.Healthy ? body : undefined;
    }, { timeoutMs: 15_000, what: 'a healthy cluster' });
    expect(health.FailureTolerance).toBe(1);
    expect(health.Servers.map((s) => s.Name).sort()).toEqual(['s1', 's2', 's3']);
    const raft = await configuration(cluster.servers[1]!);
    expect(raft.Servers).toHaveLength(3);
    expect(raft.Servers.filter((s) => s.Leader)).toHaveLength(1);
    expect(raft.Servers.every((s) => s.Voter && s.ProtocolVersion === '3' && s.LastIndex > 0)).toBe(true);
    expect(raft.Servers.map((s) => s.Node).sort()).toEqual(['s1', 's2', 's3']);
    const list = await cli('operator', 'raft', 'list-peers', `-http-addr=${leader.httpAddress}`);
    for (const s of cluster.servers) expect(list).toContain(s.clusterAddress);
    expect(list).toMatch(/leader\s+true\s+3/);
  });

  it('moves leadership to the named server (HTTP, then the CLI)', async () => {
    const leader = await cluster.leader();
    const ids = new Map((await configuration(leader)).Servers.map((s) => [s.Address, s.ID]));
    const [target, other] = await cluster.followers();
    const res = await json<{ Success: boolean }>(other!, `/v1/operator/raft/transfer-leader?id=${ids.get(target!.clusterAddress)}`, { method: 'POST' });
    expect(res).toEqual({ Success: true });
    expect(await cluster.leader()).toBe(target);
    expect(await cli('operator', 'raft', 'transfer-leader', `-id=${ids.get(leader.clusterAddress)}`, `-http-addr=${other!.httpAddress}`)).toBe('Success\n');
    expect(await cluster.leader()).toBe(leader);
  });

  it('exposes Prometheus metrics that a text-format parser accepts, leader-only values on the leader only', async () => {
    const leader = await cluster.leader();
    const [follower] = await cluster.followers();
    await json(follower!, '/v1/kv/metrics/probe', { method: 'PUT', body: 'x' });
    const scrape = async (s: AgentProcess, init?: RequestInit) => {
      const r = await fetch(s.url('/v1/agent/metrics?format=prometheus'), init);
      expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      return parsePrometheusText(await r.text());
    };
    const onLeader = await waitFor(async () => {
      const f = await scrape(leader);
      return sampleValue(f, 'consul_autopilot_healthy') === 1 ? f : undefined;
    }, { timeoutMs: 10_000, what: 'the leader to report autopilot health' });
    expect(sampleValue(onLeader, 'consul_server_isLeader')).toBe(1);
    expect(sampleValue(onLeader, 'consul_autopilot_failure_tolerance')).toBe(1);
    expect(sampleValue(onLeader, 'cairn_raft_voters')).toBe(3);
    expect(sampleValue(onLeader, 'consul_raft_last_index')).toBeGreaterThan(0);
    expect(sampleValue(onLeader, 'cairn_raft_log_append_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(onLeader, 'consul_raft_fsm_apply_count')).toBeGreaterThan(0);
    expect(sampleValue(onLeader, 'cairn_wal_fsync_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(onLeader, 'consul_state_kv_entries')).toBeGreaterThanOrEqual(1);
    for (const f of await cluster.followers()) {
      const id = (await configuration(leader)).Servers.find((s) => s.Address === f.clusterAddress)!.ID;
      expect(sampleValue(onLeader, 'cairn_raft_replication_lag_entries', { peer_id: id })).toBeGreaterThanOrEqual(0);
    }
    const onFollower = await scrape(follower!, { headers: { Accept: 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1' } });
    expect(sampleValue(onFollower, 'consul_server_isLeader')).toBe(0);
    expect(sampleValue(onFollower, 'consul_autopilot_healthy')).toBeUndefined();
    expect(sampleValue(onFollower, 'cairn_http_request_duration_seconds_count', { route: '/v1/kv/_', method: 'PUT', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(onFollower, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    const summary = await json<{ Gauges: { Name: string; Value: number }[]; Samples: { Name: string; Count: number }[] }>(leader, '/v1/agent/metrics');
    expect(summary.Gauges.find((g) => g.Name === 'consul.server.isLeader')?.Value).toBe(1);
    expect(summary.Samples.find((s) => s.Name === 'consul.raft.fsm.apply')?.Count).toBeGreaterThan(0);
  });

  it('removes a server killed for good within the configured time', async () => {
    const [victim] = await cluster.followers();
    const leader = await cluster.leader();
    const killedAt = Date.now();
    await victim!.kill();
    await waitFor(async () => {
      const servers = (await configuration(leader)).Servers;
      return servers.length === 2 && !servers.some((s) => s.Address === victim!.clusterAddress) ? true : undefined;
    }, { timeoutMs: REMOVAL_BUDGET_MS, intervalMs: 100, what: 'autopilot to remove the killed server' });
    const elapsed = Date.now() - killedAt;
    expect(elapsed).toBeGreaterThanOrEqual(FAILED_AFTER_MS);
    expect(elapsed).toBeLessThan(REMOVAL_BUDGET_MS);
    const state = await json<{ Voters: string[]; Servers: Record<string, unknown> }>(leader, '/v1/operator/autopilot/state');
    expect(state.Voters).toHaveLength(2);
    expect(Object.keys(state.Servers)).toHaveLength(2);
  });

  it('adds a new server as a non-voter and promotes it once it has been stable', async () => {
    const leader = await cluster.leader();
    // A longer stabilisation time (set atomically through the CLI) leaves time to see the non-voter.
    expect(await cli('operator', 'autopilot', 'set-config', '-server-stabilization-time=4s', `-http-addr=${leader.httpAddress}`)).toBe('Configuration updated!\n');
    const running = cluster.servers.filter((s) => s.running);
    joiner = new AgentProcess({
      name: 's4',
      dataDir: join(cluster.root, 's4'),
      httpPort: await getPort({ host: '127.0.0.1' }),
      serverPort: await getPort({ host: '127.0.0.1' }),
      bootstrapExpect: 3,
      retryJoin: running.map((s) => s.clusterAddress),
      extraArgs: ['-config-file', configFile],
    });
    await joiner.start();
    const asNonvoter = await waitFor(async () => (await configuration(leader)).Servers.find((s) => s.Address === joiner!.clusterAddress), {
      timeoutMs: 20_000, intervalMs: 50, what: 'the new server in the configuration',
    });
    expect(asNonvoter.Voter).toBe(false);
    const promoted = await waitFor(async () => {
      const s = (await configuration(leader)).Servers.find((x) => x.Address === joiner!.clusterAddress);
      return s?.Voter === true ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'autopilot to promote the new server' });
    expect(promoted.Node).toBe('s4');
    const health = await waitFor(async () => {
      const res = await fetch(leader.url('/v1/operator/autopilot/health'));
      const body = (await res.json()) as { Healthy: boolean; FailureTolerance: number; Servers: unknown[] };
      return res.status === 200 && body.Servers.length === 3 ? body : undefined;
    }, { timeoutMs: 15_000, what: 'three healthy servers again' });
    expect(health).toMatchObject({ Healthy: true, FailureTolerance: 1 });
    const members = await cli('members', `-http-addr=${joiner.httpAddress}`);
    expect(members).toMatch(/s4\s+127\.0\.0\.1:\d+\s+alive\s+server/);
  });
});
