// The local agent every Cairn server runs for its own node (routes' AgentApi): registers and
// removes local services and checks, runs the checks, answers TTL updates and maintenance
// toggles, persists the definitions in the data dir and keeps the catalog in sync through
// anti-entropy. Cluster-level operations (members, join, leave, reload) come from the server.
import type { Clock } from '../../consensus/host/clock.ts';
import type {
  AgentApi, AgentCheck, AgentMember, CheckRegistration, CheckRunSpec, LocalChange, ServiceRegistration,
} from '../../routes/agent/agent-api.ts';
import type { Coordinate } from '../../routes/coordinate/vivaldi.ts';
import { HttpError, badRequest, internalError } from '../../routes/lib/errors.ts';
import type { CheckSpec, Command, NodeSpec, ServiceSpec } from '../../storage/commands.ts';
import type { StateReads } from '../../storage/state-store.ts';
import type { Logger } from '../logger.ts';
import { AntiEntropy, type SyncTokens } from './anti-entropy.ts';
import { CheckRunner } from './checks/runner.ts';
import { LocalState, type ChangeKind, type CheckStatus } from './local-state.ts';
import { LocalStateFile, type PersistedState } from './persistence.ts';
import { CriticalServiceReaper } from './reaper.ts';

/** What the server provides for the cluster-level agent endpoints. */
export interface AgentClusterOps {
  members(wan: boolean): readonly AgentMember[];
  localMember(): AgentMember;
  coordinate(): Coordinate | null;
  stats(): Readonly<Record<string, Readonly<Record<string, string>>>>;
  debugConfig(): Readonly<Record<string, unknown>>;
  host(): Readonly<Record<string, unknown>>;
  join(address: string): Promise<void>;
  leave(): Promise<void>;
  reload(): Promise<void>;
  forceLeave(node: string, prune: boolean): Promise<void>;
}

export interface LocalAgentOptions {
  readonly syncIntervalMs?: number;
  readonly checkUpdateIntervalMs?: number;
  readonly reapIntervalMs?: number;
  readonly minDeregisterAfterMs?: number;
}

export interface LocalAgentDeps {
  readonly nodeName: string;
  /** Where local definitions persist; null keeps them in memory only. */
  readonly dataDir: string | null;
  readonly clock: Clock;
  readonly random: () => number;
  readonly state: StateReads;
  /** Proposes through Raft with the ACL token anti-entropy chose; a refusal rejects with a 403 HttpError. */
  readonly apply: (command: Command, token: string) => Promise<unknown>;
  /** The agent's default and agent tokens (absent: none). */
  readonly tokens?: SyncTokens;
  readonly selfNode: () => NodeSpec;
  /** A default-consistency read barrier for anti-entropy (absent: compare with local state as is). */
  readonly barrier?: () => Promise<void>;
  readonly cluster: AgentClusterOps;
  readonly logger: Logger;
  readonly options?: LocalAgentOptions;
}

const NODE_MAINTENANCE_ID = '_node_maintenance';
const SERVICE_MAINTENANCE_PREFIX = '_service_maintenance:';
const DEFAULT_NODE_MAINT_REASON = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
const DEFAULT_SERVICE_MAINT_REASON = 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';
const SCRIPTS_DISABLED = "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true";
/** Check types Consul runs that this agent does not (HTTP, TCP and TTL are run). */
const UNSUPPORTED_TYPES: ReadonlySet<string> = new Set(['grpc', 'h2ping', 'udp', 'os_service', 'alias']);

const unknownService = (id: string): HttpError => new HttpError(404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
const unknownCheck = (id: string): HttpError => new HttpError(404, `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);

function maintenanceCheck(checkId: string, name: string, notes: string, service: ServiceSpec | null): CheckSpec {
  return {
    node: '', checkId, name, status: 'critical', notes, output: '', serviceId: service?.id ?? '', type: '', interval: '', timeout: '', exposedPort: 0, definition: {},
  };
}

export class LocalAgent implements AgentApi {
  readonly local: LocalState;
  private readonly runner: CheckRunner;
  private readonly file: LocalStateFile | null;
  private readonly sync: AntiEntropy;
  private readonly reaper: CriticalServiceReaper;

  constructor(private readonly deps: LocalAgentDeps) {
    this.local = new LocalState(deps.nodeName, () => deps.clock.now());
    this.runner = new CheckRunner(deps.clock, deps.random, (id, status, output) => this.checkResult(id, status, output));
    this.file = deps.dataDir === null ? null : new LocalStateFile(deps.dataDir);
    const opts = deps.options ?? {};
    this.sync = new AntiEntropy({
      nodeName: deps.nodeName, state: deps.state, local: this.local, apply: deps.apply, selfNode: deps.selfNode, clock: deps.clock,
      ...(deps.barrier === undefined ? {} : { barrier: deps.barrier }),
      ...(deps.tokens === undefined ? {} : { tokens: deps.tokens }),
      onError: (err) => deps.logger.warn({ err }, 'anti-entropy: catalog sync failed; retrying'),
      // Consul's "Service registration blocked by ACLs": the reason names the token's AccessorID, never its secret.
      onBlocked: (what, reason) => deps.logger.warn({ write: what, reason }, 'anti-entropy: write blocked by ACLs; retried when it or its token changes'),
      ...(opts.syncIntervalMs === undefined ? {} : { syncIntervalMs: opts.syncIntervalMs }),
      ...(opts.checkUpdateIntervalMs === undefined ? {} : { checkUpdateIntervalMs: opts.checkUpdateIntervalMs }),
    });
    this.reaper = new CriticalServiceReaper({
      clock: deps.clock, local: this.local,
      removeService: (id) => this.deregisterService(id),
      onReaped: (service, check) => deps.logger.info({ service, check }, 'deregistered service with critical health past its deregister_critical_service_after'),
      ...(opts.reapIntervalMs === undefined ? {} : { intervalMs: opts.reapIntervalMs }),
      ...(opts.minDeregisterAfterMs === undefined ? {} : { minTimeoutMs: opts.minDeregisterAfterMs }),
    });
  }

  /** Restores persisted definitions, starts their checks, the sync loop and the reaper. */
  start(): void {
    if (this.file !== null) this.restore(this.file.load());
    this.sync.start();
    this.reaper.start();
  }

  async stop(): Promise<void> {
    this.reaper.stop();
    this.sync.stop();
    this.runner.stopAll();
    await this.persist();
  }

  /** A leader appeared: push local state now instead of waiting for the next period. */
  leaderAvailable(): void {
    void this.sync.sync(true);
  }

  /** The agent's default or agent token changed: a full pass retries what ACLs blocked (Consul's SyncFull). */
  tokensChanged(): void {
    void this.sync.sync(true);
  }

  // ---- reads ---------------------------------------------------------------------------

  services(): readonly ServiceSpec[] {
    return this.local.serviceList().map((s) => s.service);
  }

  service(id: string): ServiceSpec | undefined {
    return this.local.service(id)?.service;
  }

  checks(): readonly AgentCheck[] {
    return this.local.checkList().map(({ check }) => {
      const svc = check.serviceId === '' ? undefined : this.local.service(check.serviceId)?.service;
      return { ...check, serviceName: svc?.service ?? '', serviceTags: svc?.tags ?? [] };
    });
  }

  changed(): LocalChange {
    let unsubscribe: () => void = () => {};
    const fired = new Promise<void>((resolve) => {
      unsubscribe = this.local.onChange(() => {
        unsubscribe();
        resolve();
      });
    });
    return { fired, cancel: () => unsubscribe() };
  }

  // ---- services ------------------------------------------------------------------------

  async registerService(reg: ServiceRegistration): Promise<void> {
    for (const c of reg.checks) this.requireRunnable(c.check.type);
    const previous = new Map(this.local.checksOfService(reg.service.id).map((c) => [c.check.checkId, c.check]));
    this.local.setService(reg.service, reg.token);
    for (const { check, run } of reg.checks) {
      // Re-registering keeps a check's current status and output (Consul avoids flapping).
      const prior = previous.get(check.checkId) ?? this.local.check(check.checkId)?.check;
      this.addCheck(prior === undefined ? check : { ...check, status: prior.status, output: prior.output }, run, reg.token);
      previous.delete(check.checkId);
    }
    if (reg.replaceExistingChecks) for (const id of previous.keys()) this.removeCheckLocally(id);
    await this.changedDefinitions();
  }

  async deregisterService(id: string): Promise<void> {
    if (this.local.service(id) === undefined) throw unknownService(id);
    for (const c of this.local.checksOfService(id)) this.runner.stop(c.check.checkId);
    this.local.removeService(id);
    await this.changedDefinitions();
  }

  async serviceMaintenance(id: string, enable: boolean, reason: string, token: string): Promise<void> {
    const svc = this.local.service(id);
    if (svc === undefined) throw new HttpError(404, `No service registered with ID "${id}"`);
    const checkId = SERVICE_MAINTENANCE_PREFIX + id;
    if (enable) this.addCheck(maintenanceCheck(checkId, 'Service Maintenance Mode', reason || DEFAULT_SERVICE_MAINT_REASON, svc.service), null, token);
    else this.removeCheckLocally(checkId);
    await this.changedDefinitions();
  }

  async nodeMaintenance(enable: boolean, reason: string, token: string): Promise<void> {
    if (enable) this.addCheck(maintenanceCheck(NODE_MAINTENANCE_ID, 'Node Maintenance Mode', reason || DEFAULT_NODE_MAINT_REASON, null), null, token);
    else this.removeCheckLocally(NODE_MAINTENANCE_ID);
    await this.changedDefinitions();
  }

  // ---- checks --------------------------------------------------------------------------

  async registerCheck(reg: CheckRegistration, token: string): Promise<void> {
    if (reg.check.serviceId !== '' && this.local.service(reg.check.serviceId) === undefined) {
      throw new HttpError(404, `ServiceID "${reg.check.serviceId}" does not exist`);
    }
    this.requireRunnable(reg.check.type);
    const prior = this.local.check(reg.check.checkId)?.check;
    this.addCheck(prior === undefined ? reg.check : { ...reg.check, status: prior.status, output: prior.output }, reg.run, token);
    await this.changedDefinitions();
  }

  async deregisterCheck(id: string): Promise<void> {
    if (this.local.check(id) === undefined) throw unknownCheck(id);
    this.removeCheckLocally(id);
    await this.changedDefinitions();
  }

  async updateTtl(id: string, status: 'passing' | 'warning' | 'critical', output: string): Promise<void> {
    if (this.local.check(id) === undefined) throw unknownCheck(id);
    const ttl = this.runner.ttl(id);
    if (ttl === undefined) throw internalError(`CheckID "${id}" does not have associated TTL`);
    ttl.setStatus(status, output);
    // A TTL's state persists so a restart within the TTL comes back in the same state.
    await this.persist();
    await this.syncQuietly();
  }

  // ---- cluster -------------------------------------------------------------------------

  members(wan: boolean): readonly AgentMember[] {
    return this.deps.cluster.members(wan);
  }
  localMember(): AgentMember {
    return this.deps.cluster.localMember();
  }
  coordinate(): Coordinate | null {
    return this.deps.cluster.coordinate();
  }
  stats(): Readonly<Record<string, Readonly<Record<string, string>>>> {
    return this.deps.cluster.stats();
  }
  debugConfig(): Readonly<Record<string, unknown>> {
    return this.deps.cluster.debugConfig();
  }
  host(): Readonly<Record<string, unknown>> {
    return this.deps.cluster.host();
  }
  join(address: string): Promise<void> {
    return this.deps.cluster.join(address);
  }
  leave(): Promise<void> {
    return this.deps.cluster.leave();
  }
  reload(): Promise<void> {
    return this.deps.cluster.reload();
  }
  forceLeave(node: string, prune: boolean): Promise<void> {
    return this.deps.cluster.forceLeave(node, prune);
  }

  // ---- internals -----------------------------------------------------------------------

  private requireRunnable(type: string): void {
    if (type === 'script' || type === 'docker') throw internalError(SCRIPTS_DISABLED);
    if (UNSUPPORTED_TYPES.has(type)) throw badRequest(`Invalid check: ${type} checks are not supported by this agent`);
  }

  private addCheck(check: CheckSpec, run: CheckRunSpec | null, token: string): void {
    this.local.setCheck(check, run, token);
    if (run !== null) this.runner.start(check.checkId, run);
    else this.runner.stop(check.checkId);
  }

  private removeCheckLocally(id: string): void {
    this.runner.stop(id);
    this.local.removeCheck(id);
  }

  /** A runner's result: status flips persist and sync at once; output-only changes may wait. */
  private checkResult(id: string, status: CheckStatus, output: string): void {
    const kind: ChangeKind | null = this.local.updateCheck(id, status, output);
    if (kind === null) return;
    if (kind === 'status') void this.persist();
    void this.syncQuietly();
  }

  /** Persist, then sync; a sync failure is logged (anti-entropy retries), as Consul's syncChanges. */
  private async changedDefinitions(): Promise<void> {
    await this.persist();
    await this.syncQuietly();
  }

  private async syncQuietly(): Promise<void> {
    try {
      await this.sync.sync();
    } catch (err) {
      this.deps.logger.warn({ err }, 'failed to sync changes');
    }
  }

  private persist(): Promise<void> {
    if (this.file === null) return Promise.resolve();
    const wallNow = this.deps.clock.wallNow();
    const state: PersistedState = {
      services: this.local.serviceList().map(({ service, token }) => ({ service, token })),
      checks: this.local.checkList().map(({ check, run, token }) => ({
        check, run, token, statusExpiresAt: run !== null && run.ttlMs > 0 ? wallNow + run.ttlMs : null,
      })),
    };
    return this.file.save(state).catch((err: unknown) => this.deps.logger.error({ err }, 'could not persist the agent\'s local state'));
  }

  private restore(saved: PersistedState): void {
    const wallNow = this.deps.clock.wallNow();
    for (const { service, token } of saved.services) this.local.setService(service, token);
    for (const { check, run, token, statusExpiresAt } of saved.checks) {
      const expired = statusExpiresAt !== null && wallNow > statusExpiresAt;
      this.addCheck(expired ? { ...check, status: 'critical', output: '' } : check, run, token);
    }
    if (saved.services.length + saved.checks.length > 0) {
      this.deps.logger.info({ services: saved.services.length, checks: saved.checks.length }, 'restored the agent\'s local services and checks');
    }
  }
}
