// A follower whose Ready loop is stalled — installing a large snapshot, or waiting on a slow
// fsync — still answers the leader's heartbeats, so a leader that needs that follower for its
// quorum does not step down. Two real hosts (WAL, snapshot store, TCP on 127.0.0.1); the
// follower's FSM restore, or its disk's fsync, takes several election timeouts.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeVfs } from 'raft-wal-ts';
import type { LeaderInfo } from '../../../consensus/host/raft-host.ts';
import { listen, startNode, stopNode, voters, waitForApplied, waitForLeader, type TestNode } from './harness.ts';
import { KvFsm, put } from './kv-fsm.ts';
import { SyncHookVfs } from './sync-hook-vfs.ts';

/**
 * Ticks of 40 ms: an election timeout is 400–800 ms, so a 2.5 s install spans several, while a
 * loaded machine's event-loop stalls (100 ms and more) stay well inside one.
 */
const TICK_MS = 40;
const INSTALL_MS = 2_500;

class SlowRestoreFsm extends KvFsm {
  override async restore(source: AsyncIterable<Uint8Array>, at: { index: number; term: number }): Promise<void> {
    await new Promise((r) => setTimeout(r, INSTALL_MS));
    return super.restore(source, at);
  }
}

let root: string;
const nodes: TestNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await stopNode(n).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

describe('a follower whose Ready loop is stalled', () => {
  it('keeps answering heartbeats while it installs a snapshot, so the leader that needs it for quorum keeps leading', async () => {
    root = mkdtempSync(join(tmpdir(), 'cairn-install-'));
    const raft = { snapshotThreshold: 20, snapshotTrailing: 5 };
    const lt = await listen('a');
    mkdirSync(join(root, 'a'));
    const leader = await startNode({ id: 'a', dir: join(root, 'a'), bootstrap: voters({ id: 'a', address: lt.localAddress }), raft, tickMs: TICK_MS }, lt);
    nodes.push(leader);
    await waitForLeader(leader.host, (i) => i.isLeader);
    let last = 0;
    for (let i = 0; i < 60; i++) last = (await leader.host.propose(put(`k${i}`, `v${i}`))).index;
    await waitForApplied(leader.host, last);
    expect(leader.host.status().firstIndex).toBeGreaterThan(1);

    mkdirSync(join(root, 'b'));
    const follower = await startNode({ id: 'b', dir: join(root, 'b'), fsm: new SlowRestoreFsm(), raft, tickMs: TICK_MS });
    nodes.push(follower);
    const changes: LeaderInfo[] = [];
    leader.host.onLeaderChange((i) => changes.push(i));
    const term = leader.host.status().term;
    // From here on the leader's quorum is both servers: it must hear from b while b installs.
    await leader.host.addVoter('b', follower.transport.localAddress);
    const after = await leader.host.propose(put('after', 'x'));
    await waitForApplied(follower.host, after.index);
    expect(follower.fsm.restores).toBe(1);
    expect(follower.fsm.data.get('k59')).toBe('v59');
    expect(changes.filter((c) => !c.isLeader)).toEqual([]);
    expect(leader.host.status()).toMatchObject({ role: 'leader', term });
  });

  it('keeps answering heartbeats while its loop waits on a slow fsync', async () => {
    root = mkdtempSync(join(tmpdir(), 'cairn-slow-sync-'));
    const lt = await listen('a');
    mkdirSync(join(root, 'a'));
    const leader = await startNode({ id: 'a', dir: join(root, 'a'), bootstrap: voters({ id: 'a', address: lt.localAddress }), tickMs: TICK_MS }, lt);
    nodes.push(leader);
    await waitForLeader(leader.host, (i) => i.isLeader);
    const vfs = new SyncHookVfs(new NodeVfs());
    mkdirSync(join(root, 'b'));
    const follower = await startNode({ id: 'b', dir: join(root, 'b'), vfs, tickMs: TICK_MS });
    nodes.push(follower);
    await leader.host.addVoter('b', follower.transport.localAddress);
    await waitForApplied(follower.host, (await leader.host.propose(put('k0', 'v0'))).index);
    const changes: LeaderInfo[] = [];
    leader.host.onLeaderChange((i) => changes.push(i));
    const term = leader.host.status().term;
    // The leader's quorum is both servers; b's next fsync takes several election timeouts.
    vfs.beforeSync = () => new Promise((r) => setTimeout(r, INSTALL_MS));
    const slow = await leader.host.propose(put('k1', 'v1'));
    vfs.beforeSync = async () => {};
    await waitForApplied(follower.host, slow.index);
    expect(changes.filter((c) => !c.isLeader)).toEqual([]);
    expect(leader.host.status()).toMatchObject({ role: 'leader', term });
  });
});
