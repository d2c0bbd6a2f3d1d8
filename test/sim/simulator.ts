// The deterministic simulator: 3 or 5 servers running the real Raft core, driver, WAL and
// snapshot store in one process, every source of nondeterminism replaced by the event queue
// and seeded Rng streams. Each event runs, then every microtask it caused runs to quiescence
// (one setImmediate: no real IO or timer exists in the simulated code, so the check phase
// comes only after all promise chains settled), then the checkers look at the server it
// touched. A run has a fault phase, then a liveness phase (faults stop, everything restarts
// and heals; the cluster must elect a leader and commit within a bound), then the final
// checks: acknowledged writes on every live server, and a linearizable history per key.
import type { LeaderInfo } from '../../consensus/host/raft-host.ts';
import { silentLogger, type Logger } from '../../consensus/host/logger.ts';
import { createRng, type Configuration, type NodeId, type Rng, type Server } from '../../consensus/raft/index.ts';
import { checkLinearizable, pruneUnobservedWrites, registerModel } from '../support/linearizability.ts';
import { Checker, SafetyViolation } from './checker.ts';
import { EventQueue, type SimEvent, type SimTime } from './event-queue.ts';
import { claimRejections } from './rejections.ts';
import { encodeCommand } from './kv-fsm.ts';
import { Nemesis, type ClusterControl } from './nemesis.ts';
import { DEFAULT_LIVENESS_TICKS, DEFAULT_TICKS, describeProfile, swarmProfile, type Profile } from './profile.ts';
import type { CrashMode } from './sim-disk.ts';
import { SimNetwork } from './sim-network.ts';
import { SimNode, type NodeEvents } from './sim-node.ts';
import { Trace } from './trace.ts';
import { History, Workload } from './workload.ts';

/** Search steps the linearizability check may spend per key before calling it inconclusive. */
const LINEARIZABILITY_STEPS = 1_000_000;
/** A run stops (and fails) after this many events: a bound on any livelock of the harness. */
const DEFAULT_MAX_EVENTS = 3_000_000;

export interface SimOptions {
  readonly seed: string;
  readonly nodes: number;
  /** Ticks of the fault phase (DEFAULT_TICKS). */
  readonly ticks?: number;
  readonly livenessTicks?: number;
  /** Default: swarmProfile(seed, nodes). */
  readonly profile?: Profile;
  /** Random faults from the profile (default true); scenarios script their own. */
  readonly nemesis?: boolean;
  readonly workload?: boolean;
  /** Prints every trace line (--verbose). */
  readonly sink?: (line: string) => void;
  readonly maxEvents?: number;
  /** The liveness phase may leave one voter isolated (default true; scenarios say no). */
  readonly livenessExclusion?: boolean;
}

export interface SimResult {
  readonly seed: string;
  readonly nodes: number;
  readonly ok: boolean;
  readonly violation: SafetyViolation | undefined;
  readonly events: number;
  readonly simMs: number;
  readonly traceHash: string;
  /** The last trace lines (for a failure report). */
  readonly tail: readonly string[];
  readonly profile: string;
  readonly summary: string;
  /** Keys whose linearizability search hit its bound. */
  readonly inconclusive: number;
  readonly history: History;
}

type Phase = 'faults' | 'liveness' | 'drain' | 'done';

export class Simulator implements ClusterControl, NodeEvents {
  readonly queue = new EventQueue();
  private time: SimTime = 0;
  readonly rng: Rng;
  readonly profile: Profile;
  readonly net: SimNetwork;
  readonly nodes: SimNode[];
  readonly checker: Checker;
  readonly history = new History();
  readonly workload: Workload;
  readonly nemesis: Nemesis;
  readonly trace: Trace;
  readonly ticks: number;
  readonly livenessTicks: number;
  private readonly bootstrapConfig: Configuration;
  /** Servers with an injected IO failure not yet followed by their crash. */
  private readonly faulted = new Set<number>();
  /** Servers the liveness phase keeps isolated (a minority left out of the core). */
  private readonly excluded = new Set<number>();
  private readonly crashRng: Rng;
  phase: Phase = 'faults';
  /**
   * The liveness probe: `target` is fixed when it commits (its index, or a higher acknowledged
   * write). Clients keep writing meanwhile, so "caught up with the latest acknowledged write"
   * would be a moving target that measures throughput, not liveness: a follower sent one 64-byte
   * append at a time (1-message window) never closes its gap while clients write at that same
   * pace (seed bc0bf435). The drain phase, clients stopped, then requires every write.
   */
  private probe: { target: number | undefined; inFlight: boolean; seq: number } = { target: undefined, inFlight: false, seq: 0 };
  private deadline: SimTime = 0;
  private inconclusive = 0;
  /** The core that converged, whose servers the final checks hold to every acknowledged write. */
  private finalCore: SimNode[] = [];
  /** Virtual ms from the end of the fault phase until the core converged. */
  convergedAfterMs: number | undefined;
  /** Gives unhandled rejections back to the process's own listeners (set by boot). */
  release: () => void = () => {};

  constructor(private readonly o: SimOptions) {
    this.rng = createRng(o.seed);
    this.profile = o.profile ?? swarmProfile(o.seed, o.nodes);
    this.ticks = o.ticks ?? DEFAULT_TICKS;
    this.livenessTicks = o.livenessTicks ?? DEFAULT_LIVENESS_TICKS;
    this.trace = new Trace(o.sink);
    this.net = new SimNetwork(this, this.profile.nodes, this.rng.fork('network'), this.profile.net);
    this.nodes = Array.from({ length: this.profile.nodes }, (_, k) => new SimNode(k, this, this.net, this.rng.fork(`node-${k}`), this.profile, this));
    for (const n of this.nodes) {
      n.disk.hooks = {
        faultInjected: (what) => this.faultInjected(n.index, what),
        crashRequested: (what, mode) =>
          this.at(this.time, n.index, 'crash', () => `during ${what}`, () => {
            if (n.state === 'down') return;
            this.crash(n.index, mode ?? this.pickCrashMode(), `during ${what}`);
            const [lo, hi] = this.profile.faults.downMs;
            this.restartLater(n.index, lo + this.crashRng.int(hi - lo + 1));
          }),
      };
    }
    this.checker = new Checker(this.nodes);
    this.workload = new Workload({ sched: this, nodes: this.nodes, history: this.history, note: (t) => this.note(t) }, this.profile.workload, this.rng.fork('workload'));
    this.nemesis = new Nemesis(this, this.profile.faults, this.rng.fork('nemesis'));
    this.crashRng = this.rng.fork('crash-modes');
    const founders = this.nodes.slice(0, this.profile.initialVoters);
    this.bootstrapConfig = { servers: founders.map((n) => ({ id: n.id as NodeId, address: n.address, suffrage: 1 as const })) };
  }

  // ---- Scheduler -----------------------------------------------------------------------------

  now(): SimTime {
    return this.time;
  }

  at(at: SimTime, node: number, kind: string, detail: () => string, run: () => void): SimEvent {
    return this.queue.push({ at: Math.max(at, this.time), node, kind, detail, run });
  }

  note(text: string): void {
    this.trace.note(text);
  }

  // ---- the run -------------------------------------------------------------------------------

  /** Starts the servers, the clients and the faults; the caller then drives events. */
  boot(): void {
    this.release = claimRejections((reason) => {
      this.checker.fail('unhandled rejection', reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
    });
    this.note(`profile ${describeProfile(this.profile)}`);
    for (const n of this.nodes) this.startNode(n.index);
    if (this.o.workload !== false) this.workload.start();
    if (this.o.nemesis !== false) this.nemesis.start();
  }

  /** Runs one event and everything it caused. False when nothing is left to run. */
  async step(): Promise<boolean> {
    const ev = this.queue.pop();
    if (ev === undefined) return false;
    if (ev.cancelled) return true;
    this.time = ev.at;
    this.trace.event(ev);
    try {
      ev.run();
    } catch (err) {
      this.checker.fail('uncaught exception', `${ev.kind} on n${ev.node}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    await drain();
    if (ev.node >= 0) this.checker.afterEvent(ev.node);
    return true;
  }

  /** Runs events until `done()` holds, a check fails, or virtual time passes `until`. */
  async runWhile(until: SimTime, done: () => boolean = () => false): Promise<void> {
    const max = this.o.maxEvents ?? DEFAULT_MAX_EVENTS;
    // Work started outside an event (boot, a scenario's call) schedules its first events now.
    await drain();
    // Bounded by maxEvents.
    while (this.checker.violation === undefined && !done()) {
      const next = this.queue.peekTime();
      if (next === undefined || next > until) {
        this.time = Math.max(this.time, until);
        return;
      }
      if (this.trace.events >= max) return this.checker.fail('event budget', `more than ${max} events`);
      await this.step();
    }
  }

  /** The whole run: fault phase, liveness phase, final checks. */
  async run(): Promise<SimResult> {
    try {
      this.boot();
      await this.runWhile(this.ticks * this.profile.tickMs * 1000);
      if (this.checker.violation === undefined) await this.liveness();
      if (this.checker.violation === undefined) this.finalChecks();
    } finally {
      this.release();
    }
    return this.result();
  }

  // ---- liveness --------------------------------------------------------------------------

  /** Faults stop; the core must elect a leader, commit a probe and converge within a bound. */
  async liveness(): Promise<void> {
    this.enterLiveness();
    const tickUs = this.profile.tickMs * 1000;
    this.deadline = this.time + this.livenessTicks * tickUs;
    await this.runWhile(this.deadline, () => this.converged());
    if (this.checker.violation !== undefined) return;
    if (!this.converged()) return this.checker.fail('liveness', `no convergence within ${this.livenessTicks} ticks after faults stopped: ${this.statusLine()}`);
    this.convergedAfterMs = (this.time - (this.deadline - this.livenessTicks * tickUs)) / 1000;
    this.note(`liveness: converged ${this.convergedAfterMs}ms after the faults stopped`);
    this.phase = 'drain';
    this.workload.stop();
    // Clients finish what they started (each operation has its own timeout), then every
    // server of the core must apply every acknowledged write.
    await this.runWhile(this.time + this.profile.workload.clientTimeoutMs * 1000 + tickUs, () => !this.workload.busy());
    const caughtUp = (): boolean => {
      const core = this.core();
      return core.length > 0 && core.every((n) => n.host !== undefined && n.host.status().appliedIndex >= this.history.maxAcked);
    };
    await this.runWhile(this.time + this.livenessTicks * tickUs, caughtUp);
    if (this.checker.violation === undefined && !caughtUp()) {
      this.checker.fail('liveness', `the core did not apply every acknowledged write (up to ${this.history.maxAcked}) within ${this.livenessTicks} ticks: ${this.statusLine()}`);
    }
    this.finalCore = this.core();
    this.phase = 'done';
  }

  enterLiveness(): void {
    this.phase = 'liveness';
    this.nemesis.stop();
    this.net.heal();
    this.net.faultsEnabled = false;
    for (const n of this.nodes) n.disk.faultsEnabled = false;
    this.note('liveness phase: faults stop, network healed, every server restarts');
    for (const n of this.nodes) if (n.state === 'down') this.startNode(n.index);
    const voters = this.settledVoters();
    if (this.o.livenessExclusion !== false && voters !== undefined && voters.length >= 3 && this.rng.fork('liveness').chance(1, 3)) {
      const left = Number(this.rng.fork('liveness-pick').pick(voters).id.slice(1));
      this.excluded.add(left);
      this.net.partition([[left], this.nodes.map((n) => n.index).filter((i) => i !== left)]);
      this.note(`liveness phase: n${left} stays isolated (the core is the rest)`);
    }
  }

  /**
   * The voters of a configuration every server runs, has committed and cannot roll back — or
   * undefined when that is not clear (a server is down, or a change is in flight). Only then
   * may the liveness phase leave one voter out and still expect the rest to make a quorum.
   */
  private settledVoters(): Server[] | undefined {
    let settled: { index: number; voters: Server[] } | undefined;
    for (const n of this.nodes) {
      const s = n.host?.status();
      if (s === undefined || s.configurationIndex > s.commitIndex) return undefined;
      if (settled !== undefined && settled.index !== s.configurationIndex) return undefined;
      settled = { index: s.configurationIndex, voters: s.configuration.servers.filter((v) => v.suffrage === 1) };
    }
    return settled?.voters;
  }

  /** True once a leader committed a probe that every server of the core has applied. */
  converged(): boolean {
    const l = this.leader();
    if (l === undefined) return false;
    const need = this.probe.target;
    if (need === undefined) {
      this.sendProbe(l);
      return false;
    }
    return this.core().every((n) => n.host !== undefined && n.host.status().appliedIndex >= need);
  }

  private sendProbe(l: number): void {
    if (this.probe.inFlight) return;
    this.probe.inFlight = true;
    const value = `probe${++this.probe.seq}`;
    this.nodes[l]!.call((h) => h.propose(encodeCommand({ op: 'put', key: '__probe', value }))).then(
      (a) => {
        this.probe = { ...this.probe, target: Math.max(a.index, this.history.maxAcked), inFlight: false };
        this.note(`liveness probe committed at ${a.index}`);
      },
      () => (this.probe = { ...this.probe, inFlight: false }),
    );
  }

  /**
   * Members of the leader's configuration that are not kept out of the liveness phase. The
   * leader's is the one that counts: a server may hold a later configuration entry that was
   * never committed and has been rolled back everywhere else (it then campaigns in vain, and
   * nobody replicates to it, correctly). With no leader there is no core yet.
   */
  core(): SimNode[] {
    const l = this.leader();
    if (l === undefined) return [];
    const ids = new Set(this.nodes[l]!.host!.status().configuration.servers.map((s) => s.id as string));
    return this.nodes.filter((n) => ids.has(n.id) && !this.excluded.has(n.index));
  }

  // ---- final checks ----------------------------------------------------------------------

  finalChecks(): void {
    this.checker.checkAcknowledged(this.history.acknowledged(), this.finalCore);
    if (this.checker.violation !== undefined) return;
    for (const [key, ops] of [...this.history.byKey()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const r = checkLinearizable(registerModel, pruneUnobservedWrites(ops), { maxSteps: LINEARIZABILITY_STEPS });
      if (r.ok === 'unknown') {
        this.inconclusive++;
        this.note(`linearizability of ${key}: inconclusive after ${r.steps} steps (${ops.length} operations)`);
      } else if (!r.ok) {
        return this.checker.fail('linearizability', `key ${key}: ${r.explanation}`);
      }
    }
  }

  // ---- faults and processes (ClusterControl) ---------------------------------------------------

  leader(): number | undefined {
    let best: { node: number; term: number } | undefined;
    for (const n of this.nodes) {
      const h = n.host;
      if (h === undefined || !h.isLeader() || this.excluded.has(n.index)) continue;
      const term = h.status().term;
      if (best === undefined || term > best.term) best = { node: n.index, term };
    }
    return best?.node;
  }

  crash(node: number, mode: CrashMode, why: string): void {
    const n = this.nodes[node]!;
    if (n.state === 'down') return;
    this.checker.crashing(node);
    this.faulted.delete(node);
    n.crash(mode);
    if (mode !== 'lose') this.net.resetConnectionsTo(node);
    this.note(`crash n${node} (${why}), disk keeps: ${mode}`);
  }

  /** Starts a process on `node` from its disk (a founder gets the bootstrap configuration). */
  startNode(node: number): void {
    void this.nodes[node]!.start(this.bootstrapFor(node));
  }

  restartLater(node: number, delayMs: number): void {
    this.at(this.time + delayMs * 1000, node, 'restart', () => '', () => {
      if (this.nodes[node]!.state === 'down') this.startNode(node);
    });
  }

  private bootstrapFor(node: number): Configuration | undefined {
    return node < this.profile.initialVoters ? this.bootstrapConfig : undefined;
  }

  private pickCrashMode(): CrashMode {
    return this.crashRng.pick(this.profile.faults.crashModes);
  }

  private faultInjected(node: number, what: string): void {
    this.faulted.add(node);
    this.note(`n${node}: injected ${what} failure`);
    // The server crashes right after an IO failure: a failed fsync is never retried.
    this.at(this.time, node, 'crash', () => `after ${what} failure`, () => {
      if (this.nodes[node]!.state === 'down') return;
      const state = this.nodes[node]!.host?.status().state ?? this.nodes[node]!.state;
      this.crash(node, this.pickCrashMode(), `after an injected ${what} failure (host ${state})`);
      this.restartLater(node, 1 + this.crashRng.int(200));
    });
  }

  // ---- NodeEvents ----------------------------------------------------------------------------

  leaderChanged(node: number, info: LeaderInfo): void {
    this.checker.leaderChanged(node, info);
    this.note(`n${node} ${info.role} term ${info.term} leader ${info.leaderId ?? '-'}`);
  }

  fatal(node: number, err: Error): void {
    this.note(`n${node} stopped: ${err.message}`);
    if (!this.faulted.has(node)) this.checker.fail('server failure', `n${node} stopped without an injected fault: ${err.stack ?? err.message}`);
  }

  startFailed(node: number, err: unknown): void {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.note(`n${node} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    if (this.faulted.has(node)) return; // the crash after the injected fault follows
    this.checker.fail('recovery', `n${node} could not start from its disk: ${text}`);
  }

  started(node: number): void {
    const s = this.nodes[node]!.host!.status();
    this.note(`n${node} started (incarnation ${this.nodes[node]!.incarnation}): term ${s.term} commit ${s.commitIndex} applied ${s.appliedIndex} log ${s.firstIndex}..${s.lastIndex} snapshot ${s.snapshotIndex}`);
    this.checker.started(node);
  }

  fsmObserver(node: number): ReturnType<Checker['fsmObserver']> {
    return this.checker.fsmObserver(node);
  }

  logger(node: number): Logger {
    if (!this.trace.verbose) return silentLogger;
    const log = (level: string) => (fields: Record<string, unknown>, message: string) => this.note(`n${node} ${level} ${message} ${JSON.stringify(fields)}`);
    return { debug: () => {}, info: log('info'), warn: log('warn'), error: log('error') };
  }

  // ---- reporting -----------------------------------------------------------------------------

  statusLine(): string {
    return this.nodes
      .map((n) => {
        const h = n.host;
        if (h === undefined) return `n${n.index}:${n.state}`;
        const s = h.status();
        return `n${n.index}:${s.role[0]!.toUpperCase()}t${s.term}c${s.commitIndex}a${s.appliedIndex}`;
      })
      .join(' ');
  }

  result(): SimResult {
    const v = this.checker.violation;
    const c = this.history.counts();
    const net = this.net.stats;
    const summary = [
      `events=${this.trace.events} sim=${(this.time / 1e6).toFixed(2)}s leaders=${this.checker.stats.leaders}`,
      `ops ok=${c.ok} fail=${c.fail} unknown=${c.unknown + c.pending}`,
      `net sent=${net.sent} dropped=${net.dropped} dup=${net.duplicated}`,
      `crashes=${this.nodes.reduce((s, n) => s + n.disk.stats.crashes, 0)} ioFaults=${this.nodes.reduce((s, n) => s + n.disk.stats.faults, 0)}`,
      `converged=${this.convergedAfterMs ?? '-'}ms applied=${this.checker.highestApplied} ${this.statusLine()}`,
    ].join(' | ');
    return {
      seed: this.o.seed,
      nodes: this.profile.nodes,
      ok: v === undefined,
      violation: v,
      events: this.trace.events,
      simMs: this.time / 1000,
      traceHash: this.trace.digest(),
      tail: v === undefined ? [] : this.trace.tail(),
      profile: describeProfile(this.profile),
      summary,
      inconclusive: this.inconclusive,
      history: this.history,
    };
  }
}

/** Lets every microtask run: the simulated code does no real IO, so this reaches quiescence. */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs one seed to the end. */
export async function simulate(options: SimOptions): Promise<SimResult> {
  return new Simulator(options).run();
}

/** The text printed when a seed fails: the violation, how to replay, and the trace tail. */
export function failureReport(r: SimResult): string {
  return [
    `seed ${r.seed} (nodes ${r.nodes}) FAILED: ${r.violation?.message ?? 'unknown'}`,
    `replay: npm run sim -- --seed ${r.seed} --nodes ${r.nodes} --verbose`,
    `profile: ${r.profile}`,
    `summary: ${r.summary}`,
    `last ${r.tail.length} trace lines:`,
    ...r.tail,
  ].join('\n');
}

export { SafetyViolation };
