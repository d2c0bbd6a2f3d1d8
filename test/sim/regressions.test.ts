// Minimal reproductions of bugs the simulation found in consensus/ and raft-wal-ts, kept as
// regression tests of their fixes (the findings table in DESIGN.md names the commits).
import { openWal } from 'raft-wal-ts';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../consensus/raft/index.ts';
import { ManualScheduler } from './manual-scheduler.ts';
import { Scenario } from './scenario.ts';
import { SimDisk } from './sim-disk.ts';

describe('findings of the simulation, fixed', () => {
  it('raft-wal-ts: openWal after a crash during the very first meta write (only wal-meta.tmp on disk) opens an empty log', async () => {
    const m = new ManualScheduler();
    const disk = new SimDisk(m, 0, createRng('wal-meta-tmp'), { syncLatencyUs: [10, 10], writeFailPpm: 0, syncFailPpm: 0, crashDuringSyncPpm: 0, reorderDirOps: false });
    const vfs = disk.vfs();
    await vfs.mkdirp('wal');
    await vfs.create('wal', 'wal-meta.tmp'); // the temp file's directory entry reached the disk...
    await m.settle(vfs.syncDir('wal'));
    disk.crash('lose'); // ...and the process died before wal-meta existed
    const wal = await m.settle(openWal('wal', { vfs: disk.vfs(), preallocate: false }));
    expect(wal.lastIndex()).toBe(0);
  });

  it('consensus/host: a failed background snapshot write stops the host without an unhandled rejection', async () => {
    const t = Scenario.start({
      name: 'snapshot write EIO',
      nodes: 1,
      profile: (p) => ({ ...p, raft: { ...p.raft, snapshotThreshold: 8, snapshotTrailing: 2 }, faults: { ...p.faults, downMs: [10, 10] } }),
    });
    await t.elect();
    t.node(0).disk.failNextWrite(/raft\/snapshots\/snap-.*\.tmp$/);
    await t.writes(20);
    const r = await t.finish();
    expect(r.violation?.message).toBeUndefined();
  });

  it('consensus/host: a follower whose snapshot chunk was lost to a partition catches up soon after the partition heals', async () => {
    // The chunk (or its answer) vanishes in a short partition. The leader's core gives up on
    // the snapshot after snapshotSendTimeoutTicks and asks again; RaftHost used to refuse a new
    // stream while the old one waited out the chunk's timeout (then 30 s) on the lost request.
    // Now a stream whose chunk went unanswered for the core's timeout is restarted at once.
    const t = Scenario.start({
      name: 'lost snapshot chunk',
      nodes: 3,
      clients: false,
      profile: (p) => ({ ...p, raft: { ...p.raft, snapshotThreshold: 16, snapshotTrailing: 2, snapshotSendTimeoutTicks: 20 } }),
    });
    const l = await t.elect();
    const f = (l + 1) % 3;
    t.isolate(f, 'both');
    for (let i = 0; i < 40; i++) expect((await t.op(l, 'put', 'k', `v${i}`)).status).toBe('ok');
    const requests = t.sim.net.stats.requests;
    t.heal();
    await t.until('the leader streams a snapshot', () => t.sim.net.stats.requests > requests, 2_000);
    t.isolate(f, 'both'); // the chunk in flight is lost
    await t.runFor(50);
    t.heal();
    const target = t.node(l).host!.status().commitIndex;
    // 20 ticks for the core to give up, then a fresh stream: far below the chunk timeout (1 000 ticks).
    await t.until('the follower caught up', () => (t.node(f).host?.status().appliedIndex ?? 0) >= target, 300);
  });

  it('consensus/raft: a lease read stays linearizable when a follower restarts within the lease', async () => {
    // Three servers, no drift, bounded delays. L leads with A and B; B is cut off from L and
    // campaigns, but A (in L's lease) refuses it. A then crashes and restarts at once. The
    // restarted A had forgotten it heard from L and granted B's (pre-)vote while L's lease
    // (granted by A's last acknowledgement) still ran: B was elected and committed v2, and L
    // answered a lease read with v1. Now a restarted voter refuses votes for an election timeout.
    const t = Scenario.start({ name: 'lease restart a', nodes: 3, clients: false, profile: (p) => ({ ...p, raft: { ...p.raft, leaseTicks: 9 } }) });
    const l = await t.elect();
    const a = (l + 1) % 3;
    const b = (l + 2) % 3;
    expect((await t.op(l, 'put', 'k', 'v1')).status).toBe('ok');
    t.sim.net.block(l, b);
    t.sim.net.block(b, l);
    await t.until('B campaigns', () => t.node(b).host?.status().role === 'preCandidate', 2_000);
    await t.runFor(95);
    t.sim.net.block(l, a); // L's next heartbeat would renew A's memory of L after the restart
    t.crash(a, 'keep');
    await t.restart(a);
    // Now A or B leads only once A has waited an election timeout, after L's lease ended.
    const leads = (n: number): boolean => t.node(n).host?.status().role === 'leader';
    await t.until('A or B leads', () => leads(a) || leads(b), 1_000);
    expect((await t.op(leads(a) ? a : b, 'put', 'k', 'v2')).status).toBe('ok');
    const read = await t.op(l, 'lease', 'k');
    t.heal();
    const r = await t.finish();
    expect(read.output).not.toEqual({ kind: 'get', value: 'v1' });
    expect(r.violation?.message).toBeUndefined();
  });
});
