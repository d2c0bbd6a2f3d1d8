// A server that autopilot removes while it is paused (alive, but silent for longer than the
// failure time) is never replicated to again once it resumes. Found by the 30-minute Jepsen run:
// the stranded server campaigned for ever. It must ask to be re-admitted by itself
// (app/stranded-rejoin.ts) and end up a voter with the cluster's latest writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

/** Autopilot declares a server failed after max(3 × stabilization, 10 × threshold) = 3 s here. */
const AUTOPILOT = { server_stabilization_time: '1s', last_contact_threshold: '300ms' };
/** Failure time, reconcile rounds and an election on a loaded machine. */
const REMOVAL_BUDGET_MS = 30_000;
/** An election timeout, the 100 leaderless ticks before the rejoin, admission and promotion. */
const READMISSION_BUDGET_MS = 60_000;

let cluster: Cluster;
let configDir: string;

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'cairn-stranded-'));
  const configFile = join(configDir, 'autopilot.json');
  writeFileSync(configFile, JSON.stringify({ autopilot: AUTOPILOT }));
  cluster = await startCluster({ size: 3, extraArgs: ['-config-file', configFile] });
  await cluster.leader();
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

interface RaftServer { readonly Node: string; readonly Voter: boolean }
async function servers(s: AgentProcess): Promise<RaftServer[]> {
  const res = await fetch(s.url('/v1/operator/raft/configuration'));
  expect(res.status).toBe(200);
  return ((await res.json()) as { Servers: RaftServer[] }).Servers;
}

it('a server removed by autopilot while paused asks to be re-admitted and catches up', { timeout: 150_000 }, async () => {
  const leader = await cluster.leader();
  // A server of the bootstrap may still be joining: start from three voters.
  await waitFor(async () => (await servers(leader)).filter((s) => s.Voter).length === 3 || undefined, { timeoutMs: REMOVAL_BUDGET_MS, what: 'three voters' });
  const [stranded] = await cluster.followers();
  expect(stranded).toBeDefined();
  const name = stranded!.options.name;

  stranded!.pause();
  try {
    await waitFor(async () => !(await servers(leader)).some((s) => s.Node === name) || undefined, { timeoutMs: REMOVAL_BUDGET_MS, what: `autopilot removes ${name}` });
    const put = await fetch(leader.url('/v1/kv/stranded/after-removal'), { method: 'PUT', body: 'written-while-removed' });
    expect(await put.text()).toBe('true');
  } finally {
    stranded!.resume();
  }

  await waitFor(async () => (await servers(leader)).some((s) => s.Node === name && s.Voter) || undefined, { timeoutMs: READMISSION_BUDGET_MS, what: `${name} back as a voter` });
  await waitFor(
    async () => {
      const res = await fetch(stranded!.url('/v1/kv/stranded/after-removal?stale&raw'));
      return (res.status === 200 && (await res.text()) === 'written-while-removed') || undefined;
    },
    { timeoutMs: READMISSION_BUDGET_MS, what: `${name} applies the write made while it was out` },
  );
  expect(stranded!.tail(400)).toContain('asking to be re-admitted');
});
