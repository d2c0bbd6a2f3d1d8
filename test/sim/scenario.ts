// A tiny DSL for named scenarios on the same simulator (TigerBeetle's replica_test style):
// random faults off, clients on, and the test scripts the faults it is about.
//
//   const t = await Scenario.start({ name: 'isolate the leader', nodes: 3 });
//   const l = await t.elect();
//   t.isolate(l);
//   await t.until('a new leader', () => t.leader() !== undefined && t.leader() !== l);
//   t.expectOk(await t.finish());
import type { RegisterInput } from '../support/linearizability.ts';
import type { OpKind, Profile } from './profile.ts';
import { scriptedOp, type OpRecord } from './workload.ts';
import { quietProfile } from './profile.ts';
import type { CrashMode } from './sim-disk.ts';
import { failureReport, Simulator, type SimResult } from './simulator.ts';
import type { SimNode } from './sim-node.ts';

export interface ScenarioOptions {
  readonly name: string;
  readonly nodes: number;
  /** Adjusts the quiet profile (no faults at all) for this scenario. */
  readonly profile?: (p: Profile) => Profile;
  /** Background clients (default true). */
  readonly clients?: boolean;
  readonly seed?: string;
  /** Ticks the final liveness phase may take. */
  readonly livenessTicks?: number;
}

/** A step that did not happen in time; carries the trace tail. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

export class Scenario {
  private constructor(readonly sim: Simulator) {}

  static start(o: ScenarioOptions): Scenario {
    const base = quietProfile(o.nodes);
    const sim = new Simulator({
      seed: o.seed ?? o.name,
      nodes: o.nodes,
      profile: o.profile === undefined ? base : o.profile(base),
      nemesis: false,
      workload: o.clients ?? true,
      livenessExclusion: false,
      ...(o.livenessTicks === undefined ? {} : { livenessTicks: o.livenessTicks }),
    });
    sim.boot();
    return new Scenario(sim);
  }

  /** Virtual milliseconds since the start. */
  get ms(): number {
    return this.sim.now() / 1000;
  }

  node(i: number): SimNode {
    return this.sim.nodes[i]!;
  }

  leader(): number | undefined {
    return this.sim.leader();
  }

  get acked(): number {
    return this.sim.history.ackedCount;
  }

  async runFor(ms: number): Promise<void> {
    await this.sim.runWhile(this.sim.now() + ms * 1000);
    this.throwIfViolated();
  }

  /** Runs until `done` holds; fails the scenario if it does not within `withinMs`. */
  async until(what: string, done: () => boolean, withinMs = 5_000): Promise<void> {
    await this.sim.runWhile(this.sim.now() + withinMs * 1000, done);
    this.throwIfViolated();
    if (!done()) throw new ScenarioError(`${what}: not within ${withinMs}ms (at ${this.ms}ms: ${this.sim.statusLine()})\n${this.sim.trace.tail().slice(-60).join('\n')}`);
  }

  /**
   * Runs the simulation until `promise` settles and returns its outcome. A scenario never
   * awaits the servers directly: nothing happens unless the simulator runs events.
   */
  async settle<T>(what: string, promise: Promise<T>, withinMs = 5_000): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    promise.then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    await this.until(what, () => outcome !== undefined, withinMs);
    if (outcome!.ok) return outcome!.value;
    throw outcome!.error;
  }

  async elect(withinMs = 5_000): Promise<number> {
    await this.until('a leader', () => this.leader() !== undefined, withinMs);
    return this.leader()!;
  }

  /** Waits for `n` more acknowledged writes. */
  async writes(n: number, withinMs = 5_000): Promise<void> {
    const target = this.acked + n;
    await this.until(`${n} acknowledged writes`, () => this.acked >= target, withinMs);
  }

  /**
   * One scripted operation on server i (no retries), recorded in the history that the final
   * linearizability check reads. Script clients are numbered from 100.
   */
  op(i: number, kind: OpKind, key: string, value?: string, withinMs = 5_000): Promise<OpRecord> {
    const input: RegisterInput = kind === 'put' ? { kind: 'put', value: value! } : kind === 'cas' ? { kind: 'cas', expect: null, value: value! } : { kind: 'get' };
    const env = { sched: this.sim, nodes: this.sim.nodes, history: this.sim.history, note: (t: string) => this.sim.note(t) };
    return this.settle(`${kind} ${key} on n${i}`, scriptedOp(env, 100, i, kind, key, input), withinMs);
  }

  crash(i: number, mode: CrashMode = 'keep'): void {
    this.sim.crash(i, mode, 'scenario');
  }

  /** The next fsync of a matching file on server i crashes it while in flight. */
  crashDuringNextSync(i: number, path: RegExp, mode: CrashMode): void {
    this.node(i).disk.crashDuringNextSync(path, mode);
  }

  async restart(i: number, withinMs = 5_000): Promise<void> {
    const n = this.node(i);
    if (n.state !== 'down') throw new ScenarioError(`n${i} is ${n.state}, not down`);
    this.sim.startNode(i);
    await this.until(`n${i} running`, () => n.state === 'up', withinMs);
  }

  partition(...groups: number[][]): void {
    this.sim.net.partition(groups);
    this.sim.note(`scenario: partition ${this.sim.net.describe()}`);
  }

  /** Cuts server i off: both ways, only what it sends ('outbound'), or only what it receives. */
  isolate(i: number, direction: 'both' | 'outbound' | 'inbound' = 'both'): void {
    for (const n of this.sim.nodes) {
      if (n.index === i) continue;
      if (direction !== 'inbound') this.sim.net.block(i, n.index);
      if (direction !== 'outbound') this.sim.net.block(n.index, i);
    }
    this.sim.note(`scenario: isolate n${i} ${direction}: ${this.sim.net.describe()}`);
  }

  heal(): void {
    this.sim.net.heal();
    this.sim.note('scenario: heal');
  }

  /** Faults stop, the cluster must converge, then the final checks run. */
  async finish(): Promise<SimResult> {
    try {
      if (this.sim.checker.violation === undefined) await this.sim.liveness();
      if (this.sim.checker.violation === undefined) this.sim.finalChecks();
    } finally {
      this.sim.release();
    }
    return this.sim.result();
  }

  expectOk(r: SimResult): void {
    if (!r.ok) throw new ScenarioError(failureReport(r));
  }

  private throwIfViolated(): void {
    if (this.sim.checker.violation !== undefined) throw new ScenarioError(failureReport(this.sim.result()));
  }
}
