// Leader loop: autopilot (hashicorp/raft-autopilot as Consul runs it). Every reconcile round the
// leader judges each server's health from its own replication view — last contact within
// LastContactThreshold and trailing by at most MaxTrailingLogs — then makes at most one
// membership change (they are serialised anyway):
//   1. a failed server (no contact for failedAfterMs) is removed, if CleanupDeadServers allows,
//      non-voters first, and a voter only while the failed voters are a minority of the voters,
//      the healthy voters still form a quorum of what remains, and MinQuorum voters remain;
//   2. a non-voter that has been healthy for ServerStabilizationTime is promoted to voter.
// New servers join as non-voters (server.ts admitServer), so they vote only once stable.
// Without gossip, "failed" (Consul's serf status) means the leader has not heard from the
// server for longer than max(3 × ServerStabilizationTime, 10 × LastContactThreshold): 30 s with
// the defaults, long enough that a restart is not mistaken for a death (a removed server that
// comes back asks to be re-admitted, but until then the cluster has one voter fewer).
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import type { HostStatus } from '../../consensus/host/raft-host.ts';
import type { AutopilotHealthView, ServerHealthView } from '../../routes/operator/operator-services.ts';

/** How often the leader re-evaluates health and acts (Consul's ServerHealthInterval is 2 s). */
export const RECONCILE_INTERVAL_MS = 500;
/** A server is failed after max(3 × ServerStabilizationTime, 10 × LastContactThreshold) of silence. */
const FAILED_STABILIZATION_MULTIPLIER = 3;
const FAILED_CONTACT_MULTIPLIER = 10;

/** The autopilot settings in milliseconds. */
export interface AutopilotSettings {
  readonly cleanupDeadServers: boolean;
  readonly lastContactThresholdMs: number;
  readonly maxTrailingLogs: number;
  readonly minQuorum: number;
  readonly serverStabilizationTimeMs: number;
}

export type AutopilotAction = { readonly kind: 'promote'; readonly id: string } | { readonly kind: 'remove'; readonly id: string; readonly voter: boolean };

/** What the loop remembers per server between rounds. */
export interface Tracked {
  healthy: boolean;
  /** Wall-clock ms when `healthy` last changed. */
  stableSinceMs: number;
  /** Monotonic ms when the leader first saw the server (stands in for contact before its first answer). */
  readonly firstSeen: number;
}

export interface Evaluation {
  readonly health: AutopilotHealthView;
  readonly action: AutopilotAction | null;
}

export interface EvaluateInput {
  readonly status: HostStatus;
  readonly settings: AutopilotSettings;
  readonly tracked: Map<string, Tracked>;
  /** Monotonic and wall-clock now. */
  readonly now: number;
  readonly wallNow: number;
  readonly describe: (id: string) => { readonly name: string; readonly version: string };
}

export const failedAfterMs = (s: AutopilotSettings): number =>
  Math.max(FAILED_STABILIZATION_MULTIPLIER * s.serverStabilizationTimeMs, FAILED_CONTACT_MULTIPLIER * s.lastContactThresholdMs);
const quorum = (voters: number): number => Math.floor(voters / 2) + 1;

/** One round on the leader: every server's health, and the membership change to make (if any). */
export function evaluate(input: EvaluateInput): Evaluation {
  const { status, settings, tracked, now, wallNow } = input;
  const progress = new Map((status.progress ?? []).map((p) => [p.id, p]));
  const servers: (ServerHealthView & { silentMs: number })[] = [];
  for (const s of status.configuration.servers) {
    const p = progress.get(s.id);
    const isLeader = s.id === status.id;
    let t = tracked.get(s.id);
    if (t === undefined) tracked.set(s.id, (t = { healthy: false, stableSinceMs: wallNow, firstSeen: now }));
    const contact = isLeader ? 0 : (p?.lastContactMs ?? null);
    const silentMs = contact ?? now - t.firstSeen;
    const match = isLeader ? status.lastIndex : (p?.match ?? 0);
    const trailing = status.lastIndex > settings.maxTrailingLogs && match < status.lastIndex - settings.maxTrailingLogs;
    const healthy = isLeader || (contact !== null && contact <= settings.lastContactThresholdMs && !trailing);
    if (healthy !== t.healthy) {
      t.healthy = healthy;
      t.stableSinceMs = wallNow;
    }
    const voter = s.suffrage === 1;
    const stable = healthy && wallNow - t.stableSinceMs >= settings.serverStabilizationTimeMs;
    const { name, version } = input.describe(s.id);
    servers.push({
      id: s.id,
      name,
      address: s.address,
      serfStatus: silentMs > failedAfterMs(settings) ? 'failed' : 'alive',
      version,
      leader: isLeader,
      voter,
      lastContactNs: contact === null ? null : Math.round(contact * 1e6),
      lastTerm: contact === null ? 0 : status.term,
      lastIndex: match,
      healthy,
      stableSinceMs: t.stableSinceMs,
      status: isLeader ? 'leader' : voter ? 'voter' : stable ? 'staging' : 'non-voter',
      silentMs,
    });
  }
  for (const id of [...tracked.keys()]) if (!servers.some((s) => s.id === id)) tracked.delete(id);
  const health = summarize(status, servers);
  return { health, action: decide(settings, servers, wallNow) };
}

function summarize(status: HostStatus, servers: readonly (ServerHealthView & { silentMs: number })[]): AutopilotHealthView {
  const voters = servers.filter((s) => s.voter);
  const healthyVoters = voters.filter((s) => s.healthy).length;
  const healthyNonvoters = servers.filter((s) => !s.voter && s.healthy).length;
  return {
    healthy: servers.every((s) => s.healthy),
    failureTolerance: Math.max(0, healthyVoters - quorum(voters.length)),
    optimisticFailureTolerance: Math.max(0, healthyVoters + healthyNonvoters - quorum(voters.length + healthyNonvoters)),
    leader: status.id,
    voters: voters.map((s) => s.id),
    servers: servers.map(({ silentMs: _silent, ...view }) => view),
  };
}

function decide(settings: AutopilotSettings, servers: readonly (ServerHealthView & { silentMs: number })[], wallNow: number): AutopilotAction | null {
  if (settings.cleanupDeadServers) {
    const failed = servers.filter((s) => !s.leader && s.serfStatus === 'failed');
    const nonvoter = failed.find((s) => !s.voter);
    if (nonvoter !== undefined) return { kind: 'remove', id: nonvoter.id, voter: false };
    const voters = servers.filter((s) => s.voter);
    const failedVoters = failed.filter((s) => s.voter);
    const healthyVoters = voters.filter((s) => s.healthy).length;
    const victim = failedVoters[0];
    const remaining = voters.length - 1;
    const safe =
      victim !== undefined &&
      failedVoters.length <= Math.floor((voters.length - 1) / 2) &&
      healthyVoters >= quorum(remaining) &&
      (settings.minQuorum === 0 || remaining >= settings.minQuorum);
    if (safe) return { kind: 'remove', id: victim.id, voter: true };
  }
  const ready = servers.find((s) => !s.voter && s.healthy && wallNow - s.stableSinceMs >= settings.serverStabilizationTimeMs);
  return ready === undefined ? null : { kind: 'promote', id: ready.id };
}

export interface AutopilotDeps {
  readonly clock: Clock;
  readonly status: () => HostStatus;
  readonly settings: () => AutopilotSettings;
  readonly describe: EvaluateInput['describe'];
  readonly promote: (id: string) => Promise<unknown>;
  readonly remove: (id: string) => Promise<unknown>;
  readonly onHealth?: (health: AutopilotHealthView) => void;
  readonly log: (fields: Record<string, unknown>, message: string) => void;
}

/** The loop itself: started when this server wins an election, stopped when it loses. */
export class AutopilotLoop {
  private readonly tracked = new Map<string, Tracked>();
  private cancel: CancelTimer | undefined;
  private running = false;
  private acting = false;

  constructor(private readonly deps: AutopilotDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tracked.clear();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
  }

  /** The health as of now (evaluated without acting). */
  health(): AutopilotHealthView {
    return this.evaluate().health;
  }

  private evaluate(): Evaluation {
    const { clock } = this.deps;
    return evaluate({ status: this.deps.status(), settings: this.deps.settings(), tracked: this.tracked, now: clock.now(), wallNow: clock.wallNow(), describe: this.deps.describe });
  }

  private schedule(): void {
    this.cancel = this.deps.clock.setTimer(RECONCILE_INTERVAL_MS, () => void this.round());
  }

  private async round(): Promise<void> {
    if (!this.running) return;
    try {
      const { health, action } = this.evaluate();
      this.deps.onHealth?.(health);
      if (action !== null && !this.acting) await this.act(action);
    } finally {
      if (this.running) this.schedule();
    }
  }

  private async act(action: AutopilotAction): Promise<void> {
    this.acting = true;
    try {
      if (action.kind === 'promote') await this.deps.promote(action.id);
      else await this.deps.remove(action.id);
      this.deps.log({ server: action.id, action: action.kind }, action.kind === 'promote' ? 'autopilot: promoted a stable non-voter' : 'autopilot: removed a failed server');
    } catch (err) {
      this.deps.log({ server: action.id, action: action.kind, err: (err as Error).message }, 'autopilot: membership change failed; retrying next round');
    } finally {
      this.acting = false;
    }
  }
}
