// Server liveness without gossip, on 3 real processes: members come from the Raft
// configuration; killing a server turns its serfHealth critical (seen through another server),
// marks it failed in agent/members and invalidates the sessions tied to it; a restarted server
// passes again and re-registers its persisted local services; `cairn leave` removes a server
// from the peers and the catalog.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);
const CLI = join(resolve(import.meta.dirname, '../..'), 'app/cli.ts');
/** The leader declares a server failed after 5 s of silence; allow for an election too. */
const FAILURE_WAIT_MS = 20_000;

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ size: 3 });
  await cluster.leader();
});

afterAll(async () => {
  await cluster?.stop();
});

async function json<T>(server: AgentProcess, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(server.url(path), init);
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

interface Member { Name: string; Status: number; Tags: Record<string, string> }
const serfStatus = async (via: AgentProcess, node: string): Promise<string | undefined> =>
  (await json<{ CheckID: string; Status: string }[]>(via, `/v1/health/node/${node}`)).find((c) => c.CheckID === 'serfHealth')?.Status;

describe('members and failure detection', () => {
  it('lists the three servers as alive consul members', async () => {
    const members = await waitFor(async () => {
      const m = await json<Member[]>(cluster.servers[0]!, '/v1/agent/members');
      // Names come from the catalog (or a hello) once each server has registered itself.
      return m.length === 3 && m.every((x) => x.Status === 1 && /^s\d$/.test(x.Name)) ? m : undefined;
    }, { timeoutMs: 10_000, what: 'three alive, named members' });
    expect(members.map((m) => m.Name)).toEqual(['s1', 's2', 's3']);
    expect(members.every((m) => m.Tags['role'] === 'consul' && m.Tags['dc'] === 'dc1')).toBe(true);
  });

  it('a killed server turns serfHealth critical, fails in members, loses its sessions; a restart heals it and restores its services', async () => {
    const [victim] = await cluster.followers();
    const observer = cluster.servers.find((s) => s !== victim)!;
    const name = victim!.options.name;
    // A service registered through the victim's own agent, and a default session (serfHealth) on its node.
    const registered = await fetch(victim!.url('/v1/agent/service/register'), { method: 'PUT', body: JSON.stringify({ Name: 'cache', Port: 6379 }) });
    expect(registered.status).toBe(200);
    const { ID } = await waitFor(async () => {
      const res = await fetch(victim!.url('/v1/session/create'), { method: 'PUT' });
      return res.status === 200 ? ((await res.json()) as { ID: string }) : undefined;
    }, { timeoutMs: 10_000, what: 'a default session on the victim' });

    await victim!.kill();
    await waitFor(async () => ((await serfStatus(observer, name)) === 'critical' ? true : undefined), { timeoutMs: FAILURE_WAIT_MS, what: `${name}'s serfHealth to go critical` });
    expect(await json(observer, `/v1/session/info/${ID}`)).toEqual([]);
    const members = await json<Member[]>(observer, '/v1/agent/members');
    expect(members.find((m) => m.Name === name)!.Status).toBe(4);

    // While it is down, its service disappears from the catalog; its agent must bring it back.
    await json(observer, '/v1/catalog/deregister', { method: 'PUT', body: JSON.stringify({ Node: name, ServiceID: 'cache' }) });
    await victim!.start();
    await waitFor(async () => ((await serfStatus(observer, name)) === 'passing' ? true : undefined), { timeoutMs: FAILURE_WAIT_MS, what: `${name}'s serfHealth to pass again` });
    const cache = await waitFor(async () => {
      const list = await json<{ Node: string }[]>(observer, '/v1/catalog/service/cache');
      return list.length === 1 ? list : undefined;
    }, { timeoutMs: FAILURE_WAIT_MS, what: 'the restarted server to re-register its service' });
    expect(cache[0]!.Node).toBe(name);
  });

  it('`cairn leave` on one server removes it from the peers, the members and the catalog', async () => {
    const [leaver] = await cluster.followers();
    const stayer = cluster.servers.find((s) => s !== leaver && s.running)!;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, 'leave', `-http-addr=${leaver!.httpAddress}`], { cwd: resolve(import.meta.dirname, '../..') });
    expect(stdout).toContain('Graceful leave complete');
    await waitFor(async () => (leaver!.running ? undefined : true), { timeoutMs: 20_000, what: 'the leaver to exit' });
    const peers = await json<string[]>(stayer, '/v1/status/peers');
    expect(peers).toHaveLength(2);
    expect(peers).not.toContain(leaver!.clusterAddress);
    expect((await json<Member[]>(stayer, '/v1/agent/members')).map((m) => m.Name)).not.toContain(leaver!.options.name);
    await waitFor(async () => ((await json<unknown>(stayer, `/v1/catalog/node/${leaver!.options.name}`)) === null ? true : undefined), {
      timeoutMs: 10_000, what: 'the leader to deregister the server that left',
    });
  });
});
