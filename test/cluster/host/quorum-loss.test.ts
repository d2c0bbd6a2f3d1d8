// What a leader's callers see when it loses its quorum: proposals fail with
// LeadershipLostError when check-quorum makes it step down, or with TimeoutError when their
// deadline comes first. Real hosts over loopback TCP; the followers are stopped, not mocked.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LeadershipLostError, NotLeaderError, TimeoutError } from '../../../consensus/host/errors.ts';
import { listen, startNode, stopNode, voters, waitForLeader, type NodeOptions, type TestNode } from '../../unit/host/harness.ts';
import { put } from '../../unit/host/kv-fsm.ts';

let root: string | undefined;
let nodes: TestNode[] = [];

afterEach(async () => {
  for (const n of nodes) await stopNode(n).catch(() => {});
  nodes = [];
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

async function cluster(extra: Partial<NodeOptions>): Promise<{ leader: TestNode; others: TestNode[] }> {
  root = mkdtempSync(join(tmpdir(), 'cairn-quorum-'));
  const ids = ['a', 'b', 'c'];
  const transports = await Promise.all(ids.map((id) => listen(id)));
  const config = voters(...transports.map((t, i) => ({ id: ids[i]!, address: t.localAddress })));
  for (const [i, t] of transports.entries()) {
    const dir = join(root, ids[i]!);
    mkdirSync(dir);
    nodes.push(await startNode({ id: ids[i]!, dir, bootstrap: config, ...extra }, t));
  }
  const info = await Promise.any(nodes.map((n) => waitForLeader(n.host, (i) => i.isLeader)));
  const leader = nodes.find((n) => n.id === info.leaderId)!;
  await leader.host.propose(put('warm', 'up'));
  return { leader, others: nodes.filter((n) => n !== leader) };
}

describe('a leader that loses its quorum', () => {
  it('fails pending proposals and reads with LeadershipLostError when it steps down', async () => {
    const { leader, others } = await cluster({ operationTimeoutMs: 10_000 });
    for (const f of others) await stopNode(f);
    const proposal = leader.host.propose(put('k', 'v'));
    const read = leader.host.readBarrier('readIndex');
    await expect(proposal).rejects.toBeInstanceOf(LeadershipLostError);
    await expect(read).rejects.toBeInstanceOf(LeadershipLostError);
    await waitForLeader(leader.host, (i) => !i.isLeader);
    await expect(leader.host.propose(put('k', 'v'))).rejects.toBeInstanceOf(NotLeaderError);
    expect(leader.fsm.data.has('k')).toBe(false);
  });

  it('fails a proposal with TimeoutError when its deadline passes first', async () => {
    // Election timeout 1-2 s, operation deadline 50 ms: the deadline always comes first.
    const { leader, others } = await cluster({ operationTimeoutMs: 50, raft: { electionTicks: 100, heartbeatTicks: 5, leaseTicks: 60 } });
    for (const f of others) await stopNode(f);
    await expect(leader.host.propose(put('k', 'v'))).rejects.toBeInstanceOf(TimeoutError);
    expect(leader.host.isLeader()).toBe(true);
  });
});
