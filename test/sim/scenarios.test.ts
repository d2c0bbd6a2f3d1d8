// Named scenarios on the simulator (TigerBeetle's replica_test style): each scripts one kind of
// fault against the real host, WAL and snapshot store, asserts what must happen, and ends with
// the full checks (convergence, acknowledged writes everywhere, linearizable history).
import { describe, expect, it } from 'vitest';
import { MAX_SAFE_DRIFT_PPM } from './sim-clock.ts';
import { Scenario } from './scenario.ts';
import type { CrashMode } from './sim-disk.ts';

/** The path of a WAL segment in a fsync's description. */
const WAL_SEGMENT = /raft\/wal\/\d{20}-[0-9a-f]{16}\.wal$/;

function roleOf(t: Scenario, i: number): string | undefined {
  return t.node(i).host?.status().role;
}

describe('recovery', () => {
  it('leader crash mid-append: a new leader takes over, the old one restarts from a torn tail and catches up', async () => {
    const t = Scenario.start({ name: 'leader crash mid-append', nodes: 3, profile: (p) => ({ ...p, faults: { ...p.faults, downMs: [200, 200] } }) });
    const l = await t.elect();
    await t.writes(20);
    t.crashDuringNextSync(l, WAL_SEGMENT, 'torn');
    await t.until('the leader crashed during a WAL fsync', () => t.node(l).state === 'down');
    const next = await t.elect();
    expect(next).not.toBe(l);
    await t.writes(20);
    await t.until('the old leader restarted', () => t.node(l).state === 'up' && t.node(l).incarnation === 2);
    t.expectOk(await t.finish());
    expect(t.node(l).host!.status().appliedIndex).toBeGreaterThanOrEqual(t.sim.history.maxAcked);
  });

  it.each<CrashMode>(['torn', 'sectors', 'bitflip', 'lose'])('torn WAL tail on restart (%s): the follower recovers its durable log and catches up', async (mode) => {
    const t = Scenario.start({ name: `torn tail ${mode}`, nodes: 3, profile: (p) => ({ ...p, faults: { ...p.faults, downMs: [50, 50] } }) });
    const l = await t.elect();
    const f = (l + 1) % 3;
    await t.writes(10);
    t.crashDuringNextSync(f, WAL_SEGMENT, mode);
    await t.until('the follower crashed during a WAL fsync', () => t.node(f).state === 'down');
    expect(t.node(f).disk.stats.unsyncedBytesAtCrash).toBeGreaterThan(0);
    await t.until('the follower restarted', () => t.node(f).state === 'up');
    await t.writes(10);
    t.expectOk(await t.finish());
  });

  it('a whole-cluster power loss keeps every acknowledged write', async () => {
    const t = Scenario.start({ name: 'power loss', nodes: 5 });
    await t.elect();
    await t.writes(30);
    for (let i = 0; i < 5; i++) t.crash(i, 'lose');
    for (let i = 0; i < 5; i++) await t.restart(i);
    await t.elect();
    await t.writes(10);
    t.expectOk(await t.finish());
  });
});

describe('network', () => {
  it('isolate the leader (symmetric): the rest elect a leader, the old one steps down and catches up', async () => {
    const t = Scenario.start({ name: 'isolate leader', nodes: 3 });
    const l = await t.elect();
    await t.writes(10);
    t.isolate(l, 'both');
    await t.until('a new leader among the rest', () => t.leader() !== undefined && t.leader() !== l);
    await t.until('the old leader stepped down (check-quorum)', () => roleOf(t, l) !== 'leader');
    await t.writes(10);
    t.heal();
    t.expectOk(await t.finish());
  });

  it('isolate the leader one way (it hears nothing): it steps down and the rest take over', async () => {
    const t = Scenario.start({ name: 'isolate leader inbound', nodes: 3 });
    const l = await t.elect();
    await t.writes(10);
    t.isolate(l, 'inbound');
    await t.until('the old leader stepped down', () => roleOf(t, l) !== 'leader');
    await t.until('a new leader among the rest', () => t.leader() !== undefined && t.leader() !== l);
    await t.writes(10);
    t.heal();
    t.expectOk(await t.finish());
  });

  it('isolate the leader one way (nothing it sends arrives): the rest elect a leader whose term deposes it', async () => {
    const t = Scenario.start({ name: 'isolate leader outbound', nodes: 5 });
    const l = await t.elect();
    await t.writes(10);
    t.isolate(l, 'outbound');
    await t.until('a new leader among the rest', () => t.leader() !== undefined && t.leader() !== l);
    await t.until('the old leader stepped down', () => roleOf(t, l) !== 'leader');
    await t.writes(10);
    t.heal();
    t.expectOk(await t.finish());
  });
});

describe('snapshots', () => {
  it.each([
    ['one chunk', 0],
    ['several chunks', 2_500_000],
  ])('snapshot install to a lagging follower (%s)', async (_name, pad) => {
    const t = Scenario.start({
      name: `snapshot install ${pad}`,
      nodes: 3,
      profile: (p) => ({ ...p, snapshotPadBytes: pad, raft: { ...p.raft, snapshotThreshold: 16, snapshotTrailing: 4 } }),
    });
    const l = await t.elect();
    const f = (l + 2) % 3;
    await t.writes(5);
    t.isolate(f, 'both');
    await t.writes(80, 20_000);
    expect(t.node(l).host!.status().firstIndex).toBeGreaterThan(t.node(f).host!.status().lastIndex + 1);
    t.heal();
    const target = t.node(l).host!.status().commitIndex;
    await t.until('the follower caught up', () => (t.node(f).host?.status().appliedIndex ?? 0) >= target, 20_000);
    expect(t.sim.checker.restores[f]).toBeGreaterThanOrEqual(1);
    t.expectOk(await t.finish());
  });
});

describe('membership and leadership', () => {
  it('membership change during a partition: remove a cut-off voter, then add it back and promote it', async () => {
    const t = Scenario.start({ name: 'membership partition', nodes: 5 });
    const l = await t.elect();
    const cut = (l + 1) % 5;
    const majority = [0, 1, 2, 3, 4].filter((i) => i !== cut && i !== (l + 2) % 5);
    t.partition(majority, [cut, (l + 2) % 5]);
    await t.writes(5);
    await t.settle('remove the cut-off voter', t.node(t.leader()!).call((h) => h.removeServer(`n${cut}`)));
    t.heal();
    await t.writes(5);
    await t.settle('add it back as a nonvoter', t.node(t.leader()!).call((h) => h.addNonvoter(`n${cut}`, t.node(cut).address)));
    await t.until('it caught up', () => (t.node(cut).host?.status().appliedIndex ?? 0) >= t.node(t.leader()!).host!.status().commitIndex);
    await t.settle('promote it', t.node(t.leader()!).call((h) => h.promote(`n${cut}`)));
    await t.writes(5);
    t.expectOk(await t.finish());
    const servers = t.node(t.leader()!).host!.status().configuration.servers;
    expect(servers.find((s) => s.id === `n${cut}`)?.suffrage).toBe(1);
  });

  it('leadership transfer under load: the target leads, no acknowledged write is lost', async () => {
    const t = Scenario.start({ name: 'transfer under load', nodes: 5, profile: (p) => ({ ...p, workload: { ...p.workload, clients: 5, thinkMs: [0, 2] } }) });
    const l = await t.elect();
    await t.writes(20);
    for (const step of [1, 2, 3]) {
      const from = t.leader()!;
      const target = (l + step) % 5;
      const moved = await t.settle(`transfer to n${target}`, t.node(from).call((h) => h.transferLeadership(`n${target}`)));
      expect(moved).toBe(`n${target}`);
      await t.until(`n${target} leads`, () => t.leader() === target);
      await t.writes(20);
    }
    t.expectOk(await t.finish());
  });
});

describe('clocks and lease reads', () => {
  /**
   * Puts v1, cuts the leader off, puts v2 through the new leader, then asks the old leader for a
   * lease read. Linearizable only if the old leader's lease ran out before the rest could elect.
   */
  async function staleLeaseProbe(name: string, drift: (leader: number, node: number) => number): Promise<{ ok: boolean; check: string | undefined; lease: string }> {
    const t = Scenario.start({
      name,
      nodes: 3,
      clients: false,
      profile: (p) => ({ ...p, raft: { ...p.raft, leaseTicks: 9, preVote: true, checkQuorum: true } }),
    });
    const l = await t.elect();
    for (const n of t.sim.nodes) n.hw.setDrift(drift(l, n.index), t.sim.now());
    expect((await t.op(l, 'put', 'k', 'v1')).status).toBe('ok');
    await t.runFor(30);
    t.isolate(l, 'both');
    const next = await t.elect(5_000).then(async () => {
      await t.until('a new leader', () => t.leader() !== undefined && t.leader() !== l, 5_000);
      return t.leader()!;
    });
    const put = await t.op(next, 'put', 'k', 'v2');
    expect(put.status).toBe('ok');
    const read = await t.op(l, 'lease', 'k');
    t.heal();
    const r = await t.finish();
    return { ok: r.ok, check: r.violation?.check, lease: read.status === 'ok' ? String(read.output?.kind === 'get' ? read.output.value : '') : read.status };
  }

  it('clock drift within the lease bound: lease reads stay linearizable through leader changes', async () => {
    const t = Scenario.start({
      name: 'skew with lease reads',
      nodes: 3,
      profile: (p) => ({
        ...p,
        drift: [MAX_SAFE_DRIFT_PPM, -MAX_SAFE_DRIFT_PPM, 0],
        workload: { ...p.workload, clients: 4, mix: { put: 3, cas: 1, get: 0, readIndex: 1, lease: 5 } },
      }),
    });
    for (let round = 0; round < 5; round++) {
      const l = await t.elect();
      await t.writes(5);
      t.isolate(l, round % 2 === 0 ? 'both' : 'inbound');
      await t.runFor(300);
      t.heal();
      await t.runFor(200);
    }
    const r = await t.finish();
    t.expectOk(r);
    expect(r.history.ops.filter((o) => o.kind === 'lease' && o.status === 'ok').length).toBeGreaterThan(50);
    const probe = await staleLeaseProbe('stale lease probe, bounded drift', (l, n) => (n === l ? -MAX_SAFE_DRIFT_PPM : MAX_SAFE_DRIFT_PPM));
    expect(probe.ok).toBe(true);
    expect(probe.lease).not.toBe('v1');
  });

  it('negative control: followers' + "'" + ' clocks 4x fast break the lease assumption and the checker catches the stale read', async () => {
    const probe = await staleLeaseProbe('stale lease probe, broken clocks', (l, n) => (n === l ? 0 : 3_000_000));
    expect(probe.lease).toBe('v1');
    expect(probe.ok).toBe(false);
    expect(probe.check).toBe('linearizability');
  });
});
