// The nemesis: faults on a seeded schedule. Each round draws one enabled kind and a variant,
// injects it for a few seconds, heals it, and leaves the cluster alone for a little while. Every
// fault is logged with its start and end on the run's timeline, which the timing checks use to
// find quiet windows. A seed fixes the schedule (kinds, variants, targets' positions and
// durations), not the interleaving of real processes.
import type { Rng } from '../../consensus/raft/index.ts';
import type { JepsenCluster, JepsenServer } from './cluster.ts';
import type { Timeline } from './history.ts';
import { describeResult, request } from './http.ts';
import type { Quiet } from './lock-check.ts';
import { sleep } from './workload.ts';

export const NEMESES = ['partition', 'slow', 'kill', 'pause', 'transfer', 'membership'] as const;
export type NemesisKind = (typeof NEMESES)[number];

export interface FaultEvent {
  readonly kind: NemesisKind;
  readonly variant: string;
  detail: string;
  readonly startMs: number;
  endMs: number;
  /** A server was killed, paused, restarted or replaced (not just cut off or slowed). */
  readonly processes: boolean;
}

export interface NemesisOptions {
  readonly kinds: readonly NemesisKind[];
  /** How long a fault lasts, [min, max] ms. */
  readonly faultMs: readonly [number, number];
  /** The calm between two faults, [min, max] ms. */
  readonly calmMs: readonly [number, number];
}

/** After a fault heals, elections and stale leaders settle within this (raft_multiplier 1). */
export const SETTLE_MS = 3_000;
/** A restarted or replaced server must be a voter again within this. */
const REJOIN_MS = 60_000;
/** Nemesis requests (status, operator endpoints) give up after this. */
const NEMESIS_REQUEST_MS = 5_000;
/** The leader is killed at most this many times in one "kill the leader repeatedly" fault. */
const MAX_LEADER_KILLS = 4;

export class QuietWindows implements Quiet {
  constructor(private readonly events: readonly FaultEvent[]) {}

  quiet(fromMs: number, toMs: number): boolean {
    return !this.events.some((e) => overlaps(e, fromMs, toMs));
  }

  processesUndisturbed(fromMs: number, toMs: number): boolean {
    return !this.events.some((e) => e.processes && overlaps(e, fromMs, toMs));
  }
}

const overlaps = (e: FaultEvent, fromMs: number, toMs: number): boolean => e.startMs <= toMs && e.endMs + SETTLE_MS >= fromMs;

export class Nemesis {
  readonly events: FaultEvent[] = [];
  readonly notes: string[] = [];

  constructor(
    private readonly cluster: JepsenCluster,
    private readonly timeline: Timeline,
    private readonly rng: Rng,
    private readonly options: NemesisOptions,
  ) {}

  /** Faults until `until()` says stop; always leaves the cluster healed. */
  async run(until: () => boolean): Promise<void> {
    while (!until()) {
      if (this.options.kinds.length === 0) {
        await sleep(100);
        continue;
      }
      await sleep(this.between(this.options.calmMs));
      if (until()) break;
      const kind = this.nextKind();
      try {
        await this.inject(kind);
      } catch (err) {
        this.notes.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await this.cluster.heal();
      }
    }
  }

  private bag: NemesisKind[] = [];

  /** Kinds come from a shuffled bag, refilled when empty: a short run still sees every kind. */
  private nextKind(): NemesisKind {
    if (this.bag.length === 0) this.bag = this.rng.shuffle([...this.options.kinds]);
    return this.bag.pop()!;
  }

  private between([min, max]: readonly [number, number]): number {
    return min + this.rng.int(Math.max(1, max - min));
  }

  private begin(kind: NemesisKind, variant: string, detail: string, processes: boolean): FaultEvent {
    const e: FaultEvent = { kind, variant, detail, startMs: this.timeline.ms(), endMs: Number.POSITIVE_INFINITY, processes };
    this.events.push(e);
    return e;
  }

  private async inject(kind: NemesisKind): Promise<void> {
    switch (kind) {
      case 'partition':
        return this.partition();
      case 'slow':
        return this.slow();
      case 'kill':
        return this.kill();
      case 'pause':
        return this.pause();
      case 'transfer':
        return this.transfer();
      case 'membership':
        return this.membership();
    }
  }

  /** Holds a fault for a drawn duration, then heals it and closes its event. */
  private async hold(e: FaultEvent, heal: () => Promise<void> | void = () => this.cluster.heal()): Promise<void> {
    await sleep(this.between(this.options.faultMs));
    await heal();
    e.endMs = this.timeline.ms();
  }

  private names(servers: readonly JepsenServer[]): string[] {
    return servers.map((s) => s.name);
  }

  private async partition(): Promise<void> {
    const { net, servers } = this.cluster;
    const all = this.names(servers);
    const variant = this.rng.pick(['halves', 'isolate-leader', 'bridge', 'one-way'] as const);
    if (variant === 'halves') {
      const shuffled = this.rng.shuffle([...all]);
      const cut = 1 + this.rng.int(all.length - 1);
      const groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
      const e = this.begin('partition', variant, groups.map((g) => g.join(' ')).join(' | '), false);
      net.partition(groups);
      return this.hold(e);
    }
    if (variant === 'isolate-leader') {
      const leader = (await this.cluster.leader()) ?? this.rng.pick(servers);
      const e = this.begin('partition', variant, leader.name, false);
      net.partition([[leader.name], all.filter((n) => n !== leader.name)]);
      return this.hold(e);
    }
    if (variant === 'bridge') {
      // Two sides that cannot hear each other, and one server that hears both.
      const [bridge, ...rest] = this.rng.shuffle([...all]);
      const half = Math.ceil(rest.length / 2);
      const e = this.begin('partition', variant, `${rest.slice(0, half).join(' ')} | ${rest.slice(half).join(' ')} bridged by ${bridge}`, false);
      net.partition([rest.slice(0, half), rest.slice(half)]);
      return this.hold(e);
    }
    // One-way: some directed links drop while their reverse stays up.
    const links: [string, string][] = [];
    for (const from of all) for (const to of all) if (from !== to && this.rng.chance(1, 3)) links.push([from, to]);
    const e = this.begin('partition', variant, links.map(([f, t]) => `${f}->${t}`).join(' ') || 'none', false);
    for (const [from, to] of links) net.set(from, to, { kind: 'drop' });
    return this.hold(e);
  }

  private async slow(): Promise<void> {
    const { net, servers } = this.cluster;
    const target = this.rng.chance(1, 2) ? ((await this.cluster.leader()) ?? this.rng.pick(servers)) : this.rng.pick(servers);
    const trickle = this.rng.chance(1, 2);
    const fault = trickle ? ({ kind: 'trickle', bytesPerSecond: 2_000 + this.rng.int(30_000) } as const) : ({ kind: 'delay', ms: 50 + this.rng.int(400) } as const);
    const e = this.begin('slow', fault.kind, `${target.name}'s links: ${fault.kind === 'delay' ? `${fault.ms} ms` : `${fault.bytesPerSecond} B/s`}`, false);
    for (const other of servers) {
      if (other === target) continue;
      net.set(target.name, other.name, fault);
      net.set(other.name, target.name, fault);
    }
    return this.hold(e);
  }

  private async kill(): Promise<void> {
    const { servers } = this.cluster;
    const variant = this.rng.pick(['one', 'minority', 'leader'] as const);
    if (variant === 'leader') return this.killLeaders();
    const count = variant === 'one' ? 1 : Math.floor((servers.length - 1) / 2);
    const victims = this.rng.shuffle([...servers]).slice(0, count);
    const e = this.begin('kill', variant, this.names(victims).join(' '), true);
    await Promise.all(victims.map((v) => this.cluster.kill(v)));
    return this.hold(e);
  }

  /** Kills whoever leads, restarts it a moment later, and does it again to the next leader. */
  private async killLeaders(): Promise<void> {
    const e = this.begin('kill', 'leader', '', true);
    const killed: string[] = [];
    const end = this.timeline.ms() + this.between(this.options.faultMs);
    for (let i = 0; i < MAX_LEADER_KILLS && this.timeline.ms() < end; i++) {
      const leader = await this.cluster.leader();
      if (leader === undefined) {
        await sleep(500);
        continue;
      }
      await this.cluster.kill(leader);
      killed.push(leader.name);
      await sleep(500 + this.rng.int(2_000));
      await this.cluster.start(leader);
    }
    e.detail = killed.join(' ');
    await this.cluster.heal();
    e.endMs = this.timeline.ms();
  }

  private async pause(): Promise<void> {
    const variant = this.rng.pick(['one', 'leader'] as const);
    const victim = variant === 'leader' ? ((await this.cluster.leader()) ?? this.rng.pick(this.cluster.servers)) : this.rng.pick(this.cluster.servers);
    const e = this.begin('pause', variant, victim.name, true);
    this.cluster.pause(victim);
    return this.hold(e);
  }

  private async transfer(): Promise<void> {
    const live = this.cluster.servers.filter((s) => s.live);
    const via = this.rng.pick(live);
    const e = this.begin('transfer', 'transfer-leader', `via ${via.name}`, false);
    const r = await request(via.url('/v1/operator/raft/transfer-leader'), { method: 'POST', timeoutMs: NEMESIS_REQUEST_MS * 2 });
    e.detail += `: ${describeResult(r)}`;
    e.endMs = this.timeline.ms();
  }

  /** Removes a server (by the operator API or by its own leave), wipes it, and brings it back new. */
  private async membership(): Promise<void> {
    const variant = this.rng.pick(['remove-peer', 'leave'] as const);
    const target = this.rng.pick(this.cluster.servers);
    const e = this.begin('membership', variant, target.name, true);
    const removed = variant === 'leave' ? await this.leave(target) : await this.removePeer(target);
    if (removed) {
      await this.cluster.kill(target);
      this.cluster.wipe(target);
    } else {
      this.notes.push(`membership ${variant} of ${target.name} did not complete; restarting it unchanged`);
      await this.cluster.kill(target);
    }
    await this.cluster.start(target);
    const voter = await this.waitVoter(target);
    e.detail += removed ? (voter ? ', back as a voter' : ', not a voter again in time') : ', not removed';
    if (!voter) this.notes.push(`${target.name} was not a voter ${REJOIN_MS} ms after rejoining`);
    e.endMs = this.timeline.ms();
  }

  private async removePeer(target: JepsenServer): Promise<boolean> {
    const deadline = this.timeline.ms() + 20_000;
    // Bounded by the deadline.
    while (this.timeline.ms() < deadline) {
      const via = this.rng.pick(this.cluster.servers.filter((s) => s.live && s !== target));
      const config = await this.configuration(via);
      const id = config?.find((s) => s.Address === target.address)?.ID;
      if (config !== undefined && id === undefined) return true; // already gone (autopilot?)
      if (id !== undefined) {
        const r = await request(via.url(`/v1/operator/raft/peer?id=${id}`), { method: 'DELETE', timeoutMs: NEMESIS_REQUEST_MS * 2 });
        if (r.kind === 'response' && r.status === 200) return true;
      }
      await sleep(500);
    }
    return false;
  }

  private async leave(target: JepsenServer): Promise<boolean> {
    const r = await request(target.url('/v1/agent/leave'), { method: 'PUT', timeoutMs: NEMESIS_REQUEST_MS * 3 });
    if (r.kind !== 'response' || r.status !== 200) return false;
    await target.agent.stop('SIGTERM');
    return true;
  }

  private async configuration(via: JepsenServer): Promise<{ ID: string; Address: string; Voter: boolean }[] | undefined> {
    const r = await request(via.url('/v1/operator/raft/configuration'), { timeoutMs: NEMESIS_REQUEST_MS });
    if (r.kind !== 'response' || r.status !== 200) return undefined;
    return (JSON.parse(r.body) as { Servers: { ID: string; Address: string; Voter: boolean }[] }).Servers;
  }

  private async waitVoter(target: JepsenServer): Promise<boolean> {
    const deadline = this.timeline.ms() + REJOIN_MS;
    // Bounded by the deadline.
    while (this.timeline.ms() < deadline) {
      const via = this.cluster.servers.find((s) => s.live && s !== target) ?? target;
      const config = await this.configuration(via);
      if (config?.some((s) => s.Address === target.address && s.Voter)) return true;
      await sleep(500);
    }
    return false;
  }
}
