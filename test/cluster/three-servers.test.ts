// A 3-server cluster of real `cairn agent` processes on 127.0.0.1: formation with
// -bootstrap-expect, replication, writes and reads through followers, and surviving the
// SIGKILL of any one server (including the leader) without losing an acknowledged write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ size: 3 });
});

afterAll(async () => {
  await cluster?.stop();
});

async function put(server: AgentProcess, key: string, value: string): Promise<boolean> {
  const res = await fetch(server.url(`/v1/kv/${key}`), { method: 'PUT', body: value });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as boolean;
}

async function get(server: AgentProcess, key: string, query = ''): Promise<{ status: number; value: string | null; index: string | null }> {
  const res = await fetch(server.url(`/v1/kv/${key}${query}`));
  if (res.status !== 200) return { status: res.status, value: null, index: res.headers.get('x-consul-index') };
  const [entry] = (await res.json()) as { Value: string | null }[];
  return { status: 200, value: entry?.Value == null ? '' : Buffer.from(entry.Value, 'base64').toString(), index: res.headers.get('x-consul-index') };
}

describe('a 3-server cluster of real processes', () => {
  it('forms with -bootstrap-expect 3 and agrees on one leader and three peers', async () => {
    const leader = await cluster.leader();
    const all = cluster.servers.map((x) => x.clusterAddress).sort();
    // A server that started empty learns the configuration from the leader's first append.
    for (const s of cluster.servers) {
      await waitFor(
        async () => {
          const peers = ((await (await fetch(s.url('/v1/status/peers'))).json()) as string[]).sort();
          return JSON.stringify(peers) === JSON.stringify(all) ? true : undefined;
        },
        { timeoutMs: 10_000, what: `${s.options.name} to list all three peers` },
      );
    }
    expect(cluster.servers).toContain(leader);
  });

  it('writes through a follower and reads them back from every server', async () => {
    const [follower] = await cluster.followers();
    expect(await put(follower!, 'cluster/a', 'one')).toBe(true);
    for (const s of cluster.servers) expect((await get(s, 'cluster/a')).value).toBe('one');
    for (const s of cluster.servers) expect((await get(s, 'cluster/a', '?consistent')).value).toBe('one');
  });

  it('every server registers its own node with a passing serfHealth check, so default sessions work', async () => {
    // A session without explicit checks needs the serving node's serfHealth (Consul answers
    // "Missing node registration" otherwise); each server syncs its own node once it knows a leader.
    for (const s of cluster.servers) {
      const id = await waitFor(
        async () => {
          const res = await fetch(s.url('/v1/session/create'), { method: 'PUT' });
          return res.status === 200 ? ((await res.json()) as { ID: string }).ID : undefined;
        },
        { timeoutMs: 15_000, what: `a default session on ${s.options.name}` },
      );
      const info = (await (await fetch(s.url(`/v1/session/info/${id}`))).json()) as { Node: string; NodeChecks: string[] }[];
      expect(info[0]).toMatchObject({ Node: s.options.name, NodeChecks: ['serfHealth'] });
    }
  });

  it('a blocking query on a follower wakes when the key changes through another server', async () => {
    const followers = await cluster.followers();
    const watcher = followers[0]!;
    const writer = followers[1]!;
    await put(writer, 'cluster/watched', 'v1');
    const first = await get(watcher, 'cluster/watched');
    const blocked = fetch(watcher.url(`/v1/kv/cluster/watched?index=${first.index}&wait=30s`));
    await put(writer, 'cluster/watched', 'v2');
    const res = await blocked;
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(Number(first.index));
    const [entry] = (await res.json()) as { Value: string }[];
    expect(Buffer.from(entry!.Value, 'base64').toString()).toBe('v2');
  });

  it('survives SIGKILL of the leader: a new leader, no acknowledged write lost, the old one rejoins', async () => {
    const leader = await cluster.leader();
    const acknowledged: string[] = [];
    const survivors = cluster.servers.filter((s) => s !== leader);
    for (let i = 0; i < 20; i++) {
      if (await put(survivors[i % 2]!, `kill/${i}`, `v${i}`)) acknowledged.push(`kill/${i}`);
    }
    await leader.kill();
    const next = await cluster.leader();
    expect(next).not.toBe(leader);
    for (let i = 20; i < 30; i++) if (await put(next, `kill/${i}`, `v${i}`)) acknowledged.push(`kill/${i}`);
    for (const key of acknowledged) expect((await get(next, key)).status).toBe(200);

    await leader.start();
    await waitFor(async () => ((await get(leader, 'kill/29', '?stale')).status === 200 ? true : undefined), { timeoutMs: 20_000, what: 'the restarted server to catch up' });
    for (const key of acknowledged) expect((await get(leader, key, '?stale')).status).toBe(200);
  });

  it('survives SIGKILL of a follower and keeps serving writes', async () => {
    const [victim] = await cluster.followers();
    await victim!.kill();
    const leader = await cluster.leader();
    expect(await put(leader, 'after-follower-kill', 'x')).toBe(true);
    await victim!.start();
    await waitFor(async () => ((await get(victim!, 'after-follower-kill', '?stale')).status === 200 ? true : undefined), { timeoutMs: 20_000, what: 'the follower to catch up' });
  });
});
