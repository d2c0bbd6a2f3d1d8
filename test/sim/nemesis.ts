// The fault scheduler of the fault phase. Each kind of fault the profile enables recurs at
// random intervals around its mean: network partitions (random halves, the leader isolated
// both ways or one way, one server isolated, random one-way links, FoundationDB's
// swizzle-clog), crashes with a restart after a random downtime (the leader often), membership
// changes and leadership transfers through the current leader, and clock drift changes.
// Disk faults (EIO, crashes during fsync) live in the disk model itself.
import type { Rng } from '../../consensus/raft/index.ts';
import type { FaultProfile, PartitionMode } from './profile.ts';
import type { Scheduler } from './sim-clock.ts';
import type { CrashMode } from './sim-disk.ts';
import type { SimNetwork } from './sim-network.ts';
import type { SimNode } from './sim-node.ts';

/** What the nemesis may do to the cluster (implemented by the simulator). */
export interface ClusterControl extends Scheduler {
  readonly nodes: readonly SimNode[];
  readonly net: SimNetwork;
  note(text: string): void;
  /** The running server that leads in the highest term, if any. */
  leader(): number | undefined;
  crash(node: number, mode: CrashMode, why: string): void;
  /** Restarts `node` after `delayMs` if it is still down then. */
  restartLater(node: number, delayMs: number): void;
}

export class Nemesis {
  private running = false;
  private partitioned = false;

  constructor(
    private readonly c: ClusterControl,
    private readonly p: FaultProfile,
    private readonly rng: Rng,
  ) {}

  start(): void {
    this.running = true;
    this.every(this.p.partitionEveryMs, 'partition', () => this.partition());
    this.every(this.p.crashEveryMs, 'crash', () => this.crash());
    this.every(this.p.membershipEveryMs, 'membership', () => this.membership());
    this.every(this.p.transferEveryMs, 'transfer', () => this.transfer());
    this.every(this.p.driftEveryMs, 'drift', () => this.drift());
  }

  stop(): void {
    this.running = false;
  }

  /** Runs `act` again and again, each gap uniform in [mean/2, 3·mean/2). */
  private every(meanMs: number, kind: string, act: () => void): void {
    if (meanMs <= 0) return;
    const gapUs = (meanMs * 1000) / 2 + this.rng.int(meanMs * 1000);
    this.c.at(this.c.now() + gapUs, -1, 'nemesis', () => kind, () => {
      if (!this.running) return;
      act();
      this.every(meanMs, kind, act);
    });
  }

  /** A step of a fault already under way; dropped once the fault phase ended. */
  private later(delayUs: number, what: string, act: () => void): void {
    this.c.at(this.c.now() + delayUs, -1, 'nemesis', () => what, () => {
      if (this.running) act();
    });
  }

  private between([lo, hi]: readonly [number, number]): number {
    return lo + this.rng.int(hi - lo + 1);
  }

  // ---- network ---------------------------------------------------------------------------

  private partition(): void {
    if (this.partitioned) return;
    const mode = this.rng.pick(this.p.partitionModes);
    const ms = this.between(this.p.partitionMs);
    this.partitioned = true;
    if (mode === 'swizzle') return this.swizzle(ms);
    this.cut(mode);
    this.c.note(`partition ${mode} for ${ms}ms: ${this.c.net.describe()}`);
    this.later(ms * 1000, 'heal', () => this.heal());
  }

  private cut(mode: Exclude<PartitionMode, 'swizzle'>): void {
    const net = this.c.net;
    const all = this.c.nodes.map((n) => n.index);
    const others = (x: number): number[] => all.filter((n) => n !== x);
    const leader = this.c.leader() ?? this.rng.pick(all);
    switch (mode) {
      case 'halves': {
        const order = this.rng.shuffle([...all]);
        const k = 1 + this.rng.int(all.length - 1);
        net.partition([order.slice(0, k), order.slice(k)]);
        return;
      }
      case 'isolateLeader':
        net.partition([[leader], others(leader)]);
        return;
      case 'isolateLeaderOneWay': {
        const outbound = this.rng.chance(1, 2);
        for (const o of others(leader)) {
          if (outbound) net.block(leader, o);
          else net.block(o, leader);
        }
        return;
      }
      case 'isolateOne': {
        const x = this.rng.pick(all);
        net.partition([[x], others(x)]);
        return;
      }
      case 'oneWay':
        for (const a of all) for (const b of others(a)) if (this.rng.chance(1, 4)) net.block(a, b);
        return;
    }
  }

  /** FoundationDB's swizzle-clog: clog a random subset one at a time, unclog in random order. */
  private swizzle(ms: number): void {
    const subset = this.rng.shuffle(this.c.nodes.map((n) => n.index)).slice(0, 1 + this.rng.int(this.c.nodes.length));
    const stepUs = Math.max(1, Math.floor((ms * 1000) / (2 * subset.length)));
    this.c.note(`swizzle-clog ${subset.map((n) => `n${n}`).join(',')} over ${ms}ms`);
    subset.forEach((n, k) => this.later(k * stepUs, `clog n${n}`, () => this.c.net.clog(n)));
    const unclog = this.rng.shuffle([...subset]);
    unclog.forEach((n, k) => this.later((subset.length + k) * stepUs, `unclog n${n}`, () => this.c.net.unclog(n)));
    this.later(2 * subset.length * stepUs + 1, 'heal', () => this.heal());
  }

  private heal(): void {
    this.c.net.heal();
    this.partitioned = false;
    this.c.note('network healed');
  }

  // ---- processes ---------------------------------------------------------------------------

  private crash(): void {
    const up = this.c.nodes.filter((n) => n.state !== 'down');
    const down = this.c.nodes.length - up.length;
    if (down >= this.p.maxDown || up.length === 0) return;
    const leader = this.c.leader();
    const target = leader !== undefined && this.rng.int(this.p.crashLeaderOneIn) === 0 ? leader : this.rng.pick(up).index;
    const mode = this.rng.pick(this.p.crashModes);
    this.c.crash(target, mode, 'nemesis');
    this.c.restartLater(target, this.between(this.p.downMs));
  }

  private drift(): void {
    const n = this.rng.pick(this.c.nodes);
    const ppm = this.rng.int(2 * this.p.maxDriftPpm + 1) - this.p.maxDriftPpm;
    n.hw.setDrift(ppm, this.c.now());
    this.c.note(`n${n.index} clock drift ${ppm}ppm`);
  }

  // ---- through the leader ------------------------------------------------------------------

  private membership(): void {
    const l = this.c.leader();
    if (l === undefined) return;
    const leader = this.c.nodes[l]!;
    const servers = leader.host!.status().configuration.servers;
    const voters = servers.filter((s) => s.suffrage === 1).map((s) => s.id);
    const nonvoters = servers.filter((s) => s.suffrage === 2).map((s) => s.id);
    const outside = this.c.nodes.filter((n) => !servers.some((s) => s.id === n.id));
    const choices: { what: string; run: () => Promise<number> }[] = [];
    const h = leader.host!;
    for (const n of outside) {
      choices.push({ what: `add voter ${n.id}`, run: () => h.addVoter(n.id, n.address) });
      choices.push({ what: `add nonvoter ${n.id}`, run: () => h.addNonvoter(n.id, n.address) });
    }
    for (const id of nonvoters) {
      choices.push({ what: `promote ${id}`, run: () => h.promote(id) });
      choices.push({ what: `remove ${id}`, run: () => h.removeServer(id) });
    }
    // Shrinking below three voters makes the rest of the run a lot less interesting.
    if (voters.length > 2) {
      for (const id of voters) {
        choices.push({ what: `demote ${id}`, run: () => h.demote(id) });
        choices.push({ what: `remove ${id}`, run: () => h.removeServer(id) });
      }
    }
    if (choices.length === 0) return;
    const c = this.rng.pick(choices);
    this.c.note(`membership via n${l}: ${c.what}`);
    leader.call(() => c.run()).then(
      (index) => this.c.note(`membership ${c.what}: done at ${index}`),
      (err: unknown) => this.c.note(`membership ${c.what}: ${err instanceof Error ? err.name : String(err)}`),
    );
  }

  private transfer(): void {
    const l = this.c.leader();
    if (l === undefined) return;
    const leader = this.c.nodes[l]!;
    const voters = leader.host!.status().configuration.servers.filter((s) => s.suffrage === 1 && s.id !== leader.id);
    const target = voters.length > 0 && this.rng.chance(2, 3) ? this.rng.pick(voters).id : undefined;
    this.c.note(`transfer leadership from n${l} to ${target ?? 'the best voter'}`);
    leader.call((h) => h.transferLeadership(target)).then(
      (to) => this.c.note(`transfer from n${l}: now ${to} leads`),
      (err: unknown) => this.c.note(`transfer from n${l}: ${err instanceof Error ? err.name : String(err)}`),
    );
  }
}
