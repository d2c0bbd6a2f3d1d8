// Three (and four) Raft hosts in one process over real TCP on 127.0.0.1, each with a real WAL
// and snapshot store in a temp dir and the tiny KV FSM. Every wait is an awaited event with a
// deadline; nothing sleeps.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotLeaderError } from '../../../consensus/host/errors.ts';
import type { RaftHost } from '../../../consensus/host/raft-host.ts';
import { listen, startNode, stopNode, voters, waitForApplied, waitForLeader, type NodeOptions, type TestNode } from '../../unit/host/harness.ts';
import { type KvFsm, put } from '../../unit/host/kv-fsm.ts';

/** Small thresholds so a few hundred writes exercise snapshots and compaction. */
const RAFT = { snapshotThreshold: 50, snapshotTrailing: 10 };

let root: string;
const nodes = new Map<string, TestNode>();

function opts(id: string, extra: Partial<NodeOptions> = {}): NodeOptions {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  return { id, dir, raft: RAFT, ...extra };
}

function running(): TestNode[] {
  return [...nodes.values()].filter((n) => n.host.status().state === 'running');
}

/** The leader among running nodes, once one is known to all of them. */
async function leader(): Promise<TestNode> {
  const hosts = running();
  const info = await Promise.any(hosts.map((n) => waitForLeader(n.host, (i) => i.isLeader)));
  const l = hosts.find((n) => n.id === info.leaderId);
  if (l === undefined) throw new Error(`leader ${info.leaderId} is not running`);
  await Promise.all(hosts.map((n) => waitForLeader(n.host, (i) => i.leaderId === l.id)));
  return l;
}

function followers(l: TestNode): TestNode[] {
  return running().filter((n) => n !== l);
}

async function writes(host: RaftHost, prefix: string, count: number): Promise<number> {
  let last = 0;
  // Sequential on purpose: each write's index is the next one's lower bound.
  for (let i = 0; i < count; i++) last = (await host.propose(put(`${prefix}${i % 17}`, `${prefix}-${i}`))).index;
  return last;
}

async function converged(index: number, among = running()): Promise<void> {
  await Promise.all(among.map((n) => waitForApplied(n.host, index)));
  const [first, ...rest] = among;
  for (const n of rest) expect([...n.fsm.data].sort()).toEqual([...first!.fsm.data].sort());
}

async function stop(id: string): Promise<TestNode> {
  const n = nodes.get(id)!;
  await stopNode(n);
  return n;
}

async function restart(old: TestNode, fsm: KvFsm): Promise<TestNode> {
  const n = await startNode(opts(old.id, { port: old.port, fsm }));
  nodes.set(old.id, n);
  return n;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-cluster-'));
  const transports = await Promise.all(['a', 'b', 'c'].map((id) => listen(id)));
  const config = voters(...transports.map((t, i) => ({ id: ['a', 'b', 'c'][i]!, address: t.localAddress })));
  for (const [i, t] of transports.entries()) {
    const id = ['a', 'b', 'c'][i]!;
    nodes.set(id, await startNode(opts(id, { bootstrap: config }), t));
  }
});

afterAll(async () => {
  for (const n of nodes.values()) await stopNode(n).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

describe('a three-server cluster over loopback TCP', () => {
  it('elects one leader and replicates proposals to every FSM', async () => {
    const l = await leader();
    const last = await writes(l.host, 'k', 40);
    await converged(last);
    expect(l.fsm.data.size).toBe(17);
    const progress = l.host.status().progress ?? [];
    expect(progress.map((p) => [p.id, p.voter])).toEqual([['a', true], ['b', true], ['c', true]]);
    expect(progress.find((p) => p.id === l.id)?.match).toBeGreaterThanOrEqual(last);
    expect(progress.every((p) => p.match > 0 && p.address !== undefined)).toBe(true);
  });

  it('answers NotLeaderError with the leader address on a follower', async () => {
    const l = await leader();
    const f = followers(l)[0]!;
    const err = await f.host.propose(put('x', 'y')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect(err).toMatchObject({ leaderId: l.id, leaderAddress: l.transport.localAddress });
  });

  it('serves read barriers on a follower at or after the leader’s last write', async () => {
    const l = await leader();
    const last = await writes(l.host, 'r', 5);
    for (const f of followers(l)) {
      for (const kind of ['readIndex', 'lease'] as const) {
        const index = await f.host.readBarrier(kind);
        expect(index).toBeGreaterThanOrEqual(last);
        expect(f.host.status().appliedIndex).toBeGreaterThanOrEqual(index);
        expect(f.fsm.data.get('r4')).toBe('r-4');
      }
    }
  });

  it('restarts a stopped follower from its data dir, replaying only the tail after fsm.applied()', async () => {
    const l = await leader();
    const f = followers(l)[0]!;
    const durable = f.fsm.clone(); // what the follower's FSM had made durable when it died
    const cut = durable.applied().index;
    await stop(f.id);
    const last = await writes(l.host, 'd', 20); // the two remaining servers are a quorum
    const back = await restart(f, durable);
    await converged(last);
    expect(back.fsm.restores).toBe(0);
    expect(back.fsm.history[0]).toBe(cut + 1);
    expect(back.fsm.history.every((i) => i > cut)).toBe(true);
  });

  it('brings a follower that fell behind the compacted log back with InstallSnapshot', async () => {
    const l = await leader();
    const f = followers(l)[0]!;
    const durable = f.fsm.clone();
    const stale = f.host.status().lastIndex;
    await stop(f.id);
    // Enough writes for the leader to snapshot and compact past the follower's last entry.
    let last = await writes(l.host, 's', 3 * RAFT.snapshotThreshold);
    // Bounded: the snapshot is written in the background; a few more writes let it land.
    for (let i = 0; i < 100 && l.host.status().firstIndex <= stale + 1; i++) last = await writes(l.host, 't', 1);
    expect(l.host.status().firstIndex).toBeGreaterThan(stale + 1);
    const back = await restart(f, durable);
    await converged(last);
    expect(back.fsm.restores).toBe(1);
    expect(back.host.status().snapshotIndex).toBeGreaterThan(stale);
  });

  it('adds a server as non-voter, promotes it, then removes it', async () => {
    const l = await leader();
    const t = await listen('d');
    const d = await startNode(opts('d'), t); // no bootstrap: it waits to hear from the leader
    nodes.set('d', d);
    await l.host.addNonvoter('d', t.localAddress);
    const last = await writes(l.host, 'm', 5);
    await waitForApplied(d.host, last);
    expect(d.fsm.data.get('m4')).toBe('m-4');
    await l.host.promote('d');
    expect(l.host.status().configuration.servers.find((s) => s.id === 'd')?.suffrage).toBe(1);
    await waitForLeader(d.host, (i) => i.leaderId === l.id);
    await l.host.removeServer('d');
    expect(l.host.status().configuration.servers.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    await stopNode(d);
    nodes.delete('d');
    await converged(await writes(l.host, 'n', 3));
  });

  it('transfers leadership to a chosen follower', async () => {
    const l = await leader();
    const target = followers(l)[0]!;
    const newLeader = await l.host.transferLeadership(target.id);
    expect(newLeader).toBe(target.id);
    const now = await leader();
    expect(now.id).toBe(target.id);
    expect(l.host.isLeader()).toBe(false);
    await converged(await writes(now.host, 'x', 5));
  });
});
