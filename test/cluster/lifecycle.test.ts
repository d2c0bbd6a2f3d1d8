// Server lifecycle on a real 3-server cluster: a graceful stop of the leader hands leadership
// over, losing quorum gives Consul's "No cluster leader" after a bounded wait (while ?stale
// reads keep working), and restarting with the same command line brings everything back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ size: 3 });
  await cluster.leader();
});

afterAll(async () => {
  await cluster?.stop();
});

const put = (s: AgentProcess, key: string, value: string): Promise<Response> => fetch(s.url(`/v1/kv/${key}`), { method: 'PUT', body: value });

describe('server lifecycle', () => {
  it('SIGTERM on the leader transfers leadership before it exits', async () => {
    const leader = await cluster.leader();
    expect((await put(leader, 'life/a', '1')).status).toBe(200);
    const others = cluster.servers.filter((s) => s !== leader);
    const code = await leader.stop('SIGTERM');
    expect(code).toBe(0);
    expect(leader.tail(200)).toMatch(/leadership transferred|no longer the leader/);
    const next = await cluster.leader(10_000);
    expect(others).toContain(next);
    expect((await put(next, 'life/b', '2')).status).toBe(200);
    await leader.start();
    await waitFor(async () => ((await fetch(leader.url('/v1/kv/life/b?stale'))).status === 200 ? true : undefined), { timeoutMs: 20_000, what: 'catch-up' });
  });

  it('without quorum: writes and default reads fail with "No cluster leader", stale reads still answer', async () => {
    const leader = await cluster.leader();
    expect((await put(leader, 'life/q', 'kept')).status).toBe(200);
    // The survivor is a follower: its writes wait for a leader that never comes. (A leader that
    // loses its quorum answers an in-flight write with "leadership lost" instead, as Consul does.)
    const survivor = cluster.servers.find((s) => s !== leader);
    const rest = cluster.servers.filter((s) => s !== survivor);
    // Make sure the survivor has applied the write before the others go away.
    await waitFor(async () => ((await fetch(survivor!.url('/v1/kv/life/q?stale'))).status === 200 ? true : undefined), { timeoutMs: 10_000 });
    for (const s of rest) await s.kill();

    const write = await put(survivor!, 'life/lost', 'x');
    expect(write.status).toBe(500);
    expect(await write.text()).toBe('No cluster leader');

    const stale = await fetch(survivor!.url('/v1/kv/life/q?stale'));
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-consul-knownleader')).toBe('false');

    const def = await fetch(survivor!.url('/v1/kv/life/q'));
    expect(def.status).toBe(500);
    expect(await def.text()).toBe('No cluster leader');

    for (const s of rest) await s.start();
    const back = await cluster.leader(20_000);
    const res = await fetch(back.url('/v1/kv/life/q'));
    expect(res.status).toBe(200);
    expect((await fetch(back.url('/v1/kv/life/lost'))).status).toBe(404);
  }, 120_000);
});
