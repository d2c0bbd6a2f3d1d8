// Anti-entropy (Consul's agent/ae + local.State.SyncChanges): the catalog entries of this
// server's node are made to match the agent's local services and checks, through Raft.
// A pass compares the local state with the catalog (this server's applied state) and
// registers what is missing or different, deregisters what the agent no longer has, and
// writes nothing when they agree. The node itself, its serfHealth check and the `consul`
// service belong to self-registration and the leader, and are left alone.
//
// Passes run after every local change, periodically, and when a leader appears. A status
// change syncs at once; a change of output alone waits up to CHECK_UPDATE_INTERVAL_MS (Consul's
// check_update_interval), so a check whose output varies does not write on every run.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import { jsonEqual } from '../../storage/apply/equal.ts';
import type { Command, CheckSpec, NodeSpec, ServiceSpec } from '../../storage/commands.ts';
import type { StateReads } from '../../storage/state-store.ts';
import type { CheckEntry, ServiceEntry } from '../../storage/types.ts';
import type { LocalCheck, LocalState } from './local-state.ts';

/** Consul's check_update_interval: output-only changes reach the catalog at most this often. */
export const CHECK_UPDATE_INTERVAL_MS = 5 * 60_000;
/** A full pass at least this often, even without local changes (Consul: ~1 min on small clusters). */
export const SYNC_INTERVAL_MS = 60_000;
/** After a failed pass (no leader), retry this soon, doubling up to the cap. */
const RETRY_BASE_MS = 500;
const RETRY_CAP_MS = 30_000;
/** Passes in a row for one trigger: local changes during a pass ask for one more, never unboundedly. */
const MAX_PASSES_PER_RUN = 5;

/** Owned by self-registration and the leader, never by the agent's local state. */
const RESERVED_SERVICE = 'consul';
const RESERVED_CHECK = 'serfHealth';

export interface AntiEntropyDeps {
  readonly nodeName: string;
  readonly state: StateReads;
  readonly local: LocalState;
  /**
   * Proposes through Raft with an ACL token (the one a service or check was registered with,
   * "" for the agent's own); rejects when no leader takes it or the token may not write it.
   */
  readonly apply: (command: Command, token: string) => Promise<unknown>;
  /** This server's node, for registrations that may have to create it. */
  readonly selfNode: () => NodeSpec;
  /**
   * Waits until this server's state is as fresh as the leader's (a default-consistency read):
   * a restarted server must not compare against the catalog as it was before it went down.
   */
  readonly barrier?: () => Promise<void>;
  readonly clock: Clock;
  readonly onError: (err: unknown) => void;
  readonly syncIntervalMs?: number;
  readonly checkUpdateIntervalMs?: number;
}

const lower = (s: string): string => s.toLowerCase();

const SERVICE_FIELDS = ['kind', 'id', 'service', 'tags', 'address', 'taggedAddresses', 'meta', 'port', 'socketPath', 'weights', 'enableTagOverride', 'extra'] as const;
const sameService = (a: ServiceSpec, b: ServiceEntry): boolean => SERVICE_FIELDS.every((f) => jsonEqual(a[f], b[f]));

const CHECK_FIELDS = ['name', 'status', 'notes', 'serviceId', 'type', 'interval', 'timeout', 'exposedPort', 'definition'] as const;
const sameCheckIgnoringOutput = (a: CheckSpec, b: CheckEntry): boolean => CHECK_FIELDS.every((f) => jsonEqual(a[f], b[f]) || (f === 'serviceId' && lower(a[f]) === lower(b[f])));

export class AntiEntropy {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private cancelTimer: CancelTimer = () => {};
  private retryMs = RETRY_BASE_MS;
  /** When each check's output last reached the catalog (monotonic ms). */
  private readonly outputSyncedAt = new Map<string, number>();

  constructor(private readonly deps: AntiEntropyDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  /** Runs a pass now (or joins the running one and asks for another); resolves when done. */
  sync(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    for (let pass = 0; pass < MAX_PASSES_PER_RUN; pass++) {
      this.again = false;
      try {
        const deferredMs = await this.pass();
        this.retryMs = RETRY_BASE_MS;
        this.schedule(deferredMs ?? this.deps.syncIntervalMs ?? SYNC_INTERVAL_MS);
      } catch (err) {
        this.deps.onError(err);
        this.schedule(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_CAP_MS);
        return;
      }
      if (!this.again) return;
    }
  }

  private schedule(ms: number): void {
    this.cancelTimer();
    if (this.stopped) return;
    this.cancelTimer = this.deps.clock.setTimer(ms, () => void this.sync());
  }

  /** One comparison and the writes it calls for; returns when a deferred output sync is due. */
  private async pass(): Promise<number | undefined> {
    await this.deps.barrier?.();
    const { state, local, nodeName } = this.deps;
    const catalogServices = new Map(state.nodeServices(nodeName).services.map((s) => [lower(s.id), s]));
    const catalogChecks = new Map(state.nodeChecks(nodeName).checks.map((c) => [lower(c.checkId), c]));
    const localServices = local.serviceList();
    const localChecks = local.checkList();
    let deferred: number | undefined;

    for (const svc of catalogServices.values()) {
      if (lower(svc.id) === RESERVED_SERVICE || local.service(svc.id) !== undefined) continue;
      if (localServices.some((l) => lower(l.service.id) === lower(svc.id))) continue;
      await this.deps.apply({ type: 'catalog.deregister', node: nodeName, serviceId: svc.id, checkId: null }, '');
    }
    for (const chk of catalogChecks.values()) {
      if (chk.checkId === RESERVED_CHECK || localChecks.some((l) => lower(l.check.checkId) === lower(chk.checkId))) continue;
      if (chk.serviceId !== '' && !catalogServicesStillThere(state, nodeName, chk.serviceId)) continue;
      await this.deps.apply({ type: 'catalog.deregister', node: nodeName, serviceId: null, checkId: chk.checkId }, '');
    }

    for (const { service, token } of localServices) {
      const inCatalog = catalogServices.get(lower(service.id));
      const checks = localChecks.filter((c) => c.check.serviceId === service.id);
      const stale = checks.filter((c) => this.needsWrite(c, catalogChecks.get(lower(c.check.checkId)), (ms) => (deferred = min(deferred, ms))));
      if (inCatalog !== undefined && sameService(service, inCatalog) && stale.length === 0) continue;
      await this.register(service, inCatalog === undefined ? checks : stale, token);
    }
    const nodeChecks = localChecks.filter((c) => c.check.serviceId === '');
    const staleNodeChecks = nodeChecks.filter((c) => this.needsWrite(c, catalogChecks.get(lower(c.check.checkId)), (ms) => (deferred = min(deferred, ms))));
    // Each node-level check goes with the token it was registered with.
    for (const c of staleNodeChecks) await this.register(null, [c], c.token);
    return deferred;
  }

  /** True when the catalog needs this check; an output-only difference may be deferred. */
  private needsWrite(c: LocalCheck, inCatalog: CheckEntry | undefined, defer: (ms: number) => void): boolean {
    if (inCatalog === undefined || !sameCheckIgnoringOutput(c.check, inCatalog)) return true;
    if (c.check.output === inCatalog.output) return false;
    const interval = this.deps.checkUpdateIntervalMs ?? CHECK_UPDATE_INTERVAL_MS;
    const since = this.deps.clock.now() - (this.outputSyncedAt.get(c.check.checkId) ?? Number.NEGATIVE_INFINITY);
    if (since >= interval) return true;
    defer(interval - since);
    return false;
  }

  private async register(service: ServiceSpec | null, checks: readonly LocalCheck[], token: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.apply({
      type: 'catalog.register',
      node: this.deps.selfNode(),
      skipNodeUpdate: true,
      service,
      checks: checks.map((c) => ({ ...c.check, node: this.deps.nodeName })),
    }, token);
    for (const c of checks) this.outputSyncedAt.set(c.check.checkId, now);
  }
}

/** A service check whose service is being deregistered goes with it; no separate write. */
function catalogServicesStillThere(state: StateReads, node: string, serviceId: string): boolean {
  return state.nodeServices(node).services.some((s) => lower(s.id) === lower(serviceId));
}

const min = (a: number | undefined, b: number): number => (a === undefined ? b : Math.min(a, b));
