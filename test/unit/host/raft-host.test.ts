// The Raft driver on one server: a real WAL and snapshot store in a temp dir, the real core,
// the tiny KV FSM. Multi-server behaviour is in test/cluster/host.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeVfs, type Vfs } from 'raft-wal-ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FatalStorageError, NotLeaderError, RejectedError, ShutdownError } from '../../../consensus/host/errors.ts';
import { createNode, listen, startNode, stopNode, voters, waitForApplied, waitForLeader, type TestNode } from './harness.ts';
import { KvFsm, put, type KvResult } from './kv-fsm.ts';
import { within } from './support.ts';
import { SyncHookVfs } from './sync-hook-vfs.ts';

let dir: string;
const running: TestNode[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-host-'));
});
afterEach(async () => {
  for (const n of running.splice(0)) await stopNode(n).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function single(opts: { fsm?: KvFsm; port?: number; raft?: object; vfs?: Vfs } = {}): Promise<TestNode> {
  const t = await listen('n1', opts.port ?? 0);
  const n = await startNode({ id: 'n1', dir, bootstrap: voters({ id: 'n1', address: t.localAddress }), ...opts }, t);
  running.push(n);
  await waitForLeader(n.host, (i) => i.isLeader);
  return n;
}

async function restart(n: TestNode, fsm: KvFsm): Promise<TestNode> {
  running.splice(running.indexOf(n), 1);
  await stopNode(n);
  return single({ fsm, port: n.port });
}

describe('RaftHost (single server)', () => {
  it('bootstraps, elects itself and applies proposals with their FSM results', async () => {
    const n = await single();
    const a = await n.host.propose(put('k', 'v1'));
    const b = await n.host.propose(put('k', 'v2'));
    expect(b.index).toBe(a.index + 1);
    expect(a.result).toEqual({ index: a.index, prev: null } satisfies KvResult);
    expect(b.result).toEqual({ index: b.index, prev: 'v1' } satisfies KvResult);
    expect(n.fsm.data.get('k')).toBe('v2');
    const s = n.host.status();
    expect(s).toMatchObject({ role: 'leader', leaderId: 'n1', leaderAddress: n.transport.localAddress, appliedIndex: b.index, commitIndex: b.index });
    expect(s.configuration.servers.map((x) => x.id)).toEqual(['n1']);
    expect(s.progress?.map((p) => p.id)).toEqual(['n1']);
  });

  it('resolves concurrent proposals in log order (one group-committed batch)', async () => {
    const n = await single();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => n.host.propose(put(`k${i % 7}`, String(i)))));
    const indexes = results.map((r) => r.index);
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
    expect(new Set(indexes).size).toBe(200);
    expect(n.fsm.data.get('k6')).toBe('195');
  });

  it('serves read barriers of both kinds at or after the last write', async () => {
    const n = await single();
    const w = await n.host.propose(put('a', '1'));
    expect(await n.host.readBarrier('readIndex')).toBeGreaterThanOrEqual(w.index);
    expect(await n.host.readBarrier('lease')).toBeGreaterThanOrEqual(w.index);
  });

  it('replays only the entries after fsm.applied() on restart', async () => {
    let n = await single();
    await n.host.propose(put('a', '1'));
    const durable = n.fsm.clone(); // the FSM's durable state stops here ...
    const cut = durable.applied().index;
    await n.host.propose(put('b', '2'));
    const last = await n.host.propose(put('c', '3')); // ... while the log goes on
    n = await restart(n, durable);
    await waitForApplied(n.host, last.index);
    expect(n.fsm.history[0]).toBe(cut + 1);
    expect(n.fsm.history.every((i) => i > cut)).toBe(true);
    expect([...n.fsm.data]).toEqual([['a', '1'], ['b', '2'], ['c', '3']]);
    // A bootstrapped server never bootstraps again: its configuration is still entry 1's.
    expect(n.host.status().configurationIndex).toBe(1);
    expect(n.host.status().term).toBeGreaterThan(1);
  });

  it('snapshots and compacts the log, and a fresh FSM restarts from the snapshot plus the tail', async () => {
    let n = await single({ raft: { snapshotThreshold: 20, snapshotTrailing: 5 } });
    for (let i = 0; i < 60; i++) await n.host.propose(put(`k${i % 10}`, String(i)));
    await within(
      (async () => {
        // Bounded by the deadline: snapshots are taken in the background after the threshold.
        while (n.host.status().firstIndex <= 1) await n.host.propose(put('tick', 'x'));
      })(),
      10_000,
      'log compaction',
    );
    const before = new Map(n.fsm.data);
    const status = n.host.status();
    expect(status.snapshotIndex).toBeGreaterThan(0);
    expect(status.firstIndex).toBeLessThanOrEqual(status.snapshotIndex + 1);
    const fresh = new KvFsm();
    n = await restart(n, fresh);
    await waitForApplied(n.host, status.appliedIndex);
    expect(fresh.restores).toBe(1);
    expect(fresh.history[0]).toBeLessThan(0); // the restore came first ...
    expect(fresh.history[1]).toBe(-(fresh.history[0] as number) + 1); // ... then the tail only
    expect(fresh.data).toEqual(before);
  });

  it('refuses to start when neither a snapshot nor the log can rebuild the FSM', async () => {
    const n = await single({ raft: { snapshotThreshold: 20, snapshotTrailing: 5 } });
    await within(
      (async () => {
        // Bounded by the deadline: write until the log has been compacted.
        while (n.host.status().firstIndex <= 1) await n.host.propose(put('k', 'v'));
      })(),
      10_000,
      'log compaction',
    );
    running.splice(running.indexOf(n), 1);
    await stopNode(n);
    for (const name of readdirSync(join(dir, 'raft', 'snapshots'))) rmSync(join(dir, 'raft', 'snapshots', name));
    const t = await listen('n1', n.port);
    const again = await createNode({ id: 'n1', dir, fsm: new KvFsm() }, t);
    running.push(again);
    const fatal = new Promise<Error>((resolve) => again.host.onFatal(resolve));
    await expect(again.host.start()).rejects.toThrow(/cannot replay/);
    expect(await fatal).toBeInstanceOf(FatalStorageError);
    expect(again.host.status().state).toBe('failed');
  });

  it('refuses a second membership change while one is in flight, and rejects bad changes', async () => {
    const n = await single();
    await n.host.propose(put('a', '1')); // the new leader has committed an entry of its term
    await expect(n.host.removeServer('nobody')).rejects.toMatchObject({ code: 'notFound' });
    await expect(n.host.removeServer('n1')).rejects.toMatchObject({ code: 'noVoters' });
    const first = n.host.addNonvoter('x', '127.0.0.1:9');
    const second = n.host.addNonvoter('y', '127.0.0.1:10');
    await expect(second).rejects.toBeInstanceOf(RejectedError);
    await expect(second).rejects.toMatchObject({ code: 'confChangeInFlight' });
    const index = await first;
    expect(n.host.status().configuration.servers.map((s) => s.id)).toEqual(['n1', 'x']);
    expect(n.host.status().configurationIndex).toBe(index);
  });

  it('reports a status before it is started', async () => {
    const n = await createNode({ id: 'n0', dir });
    running.push(n);
    expect(n.host.status()).toMatchObject({ id: 'n0', state: 'new', role: 'follower', leaderId: null });
    await expect(n.host.propose(put('a', '1'))).rejects.toBeInstanceOf(ShutdownError);
  });

  it('rejects everything with ShutdownError after stop()', async () => {
    const n = await single();
    running.splice(running.indexOf(n), 1);
    await stopNode(n);
    await expect(n.host.propose(put('a', '1'))).rejects.toBeInstanceOf(ShutdownError);
    await expect(n.host.readBarrier('lease')).rejects.toBeInstanceOf(ShutdownError);
  });

  it('stops on an fsync failure instead of retrying, failing pending and later proposals', async () => {
    const faulty = new SyncHookVfs(new NodeVfs());
    const n = await single({ vfs: faulty });
    await n.host.propose(put('a', '1'));
    const fatal = new Promise<Error>((resolve) => n.host.onFatal(resolve));
    faulty.beforeSync = (what) => Promise.reject(new Error(`EIO: injected ${what === 'dir' ? 'dir ' : ''}fsync failure`));
    await expect(n.host.propose(put('b', '2'))).rejects.toBeInstanceOf(FatalStorageError);
    expect(await within(fatal, 5_000, 'the fatal event')).toBeInstanceOf(FatalStorageError);
    expect(n.host.status().state).toBe('failed');
    await expect(n.host.propose(put('c', '3'))).rejects.toBeInstanceOf(FatalStorageError);
    expect(n.fsm.data.has('b')).toBe(false);
  });

  it('answers NotLeaderError while it has no leader', async () => {
    // A server configured into a cluster of three whose peers never start cannot be elected.
    const t = await listen('lonely');
    const n = await startNode(
      {
        id: 'lonely',
        dir,
        bootstrap: voters({ id: 'lonely', address: t.localAddress }, { id: 'x', address: '127.0.0.1:1' }, { id: 'y', address: '127.0.0.1:2' }),
      },
      t,
    );
    running.push(n);
    const err = await n.host.propose(put('a', '1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leaderId).toBeUndefined();
    await expect(n.host.readBarrier('readIndex')).rejects.toBeInstanceOf(NotLeaderError);
  });
});
