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
//
// ACL tokens, as Consul's local state chooses them: a registration goes with the token it was
// registered with, else the agent's default token; a check rides on its service's registration
// only when both carry the same token; deregistrations go with the agent token (which needs
// node:write on this node). A write the leader refuses with 403 is logged and left alone until
// its definition or token changes or the next full pass (periodic, a new leader, a changed
// agent token) — it never holds up the other services and checks.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import { HttpError } from '../../routes/lib/errors.ts';
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

/** The agent's tokens anti-entropy writes with (Consul's token.Store), read on every write. */
export interface SyncTokens {
  /** The default token: registrations that carried no token of their own. */
  default(): string;
  /** Consul's AgentToken(): the agent token, else the default token (deregistrations). */
  agent(): string;
}

const NO_TOKENS: SyncTokens = { default: () => '', agent: () => '' };

export interface AntiEntropyDeps {
  readonly nodeName: string;
  readonly state: StateReads;
  readonly local: LocalState;
  /**
   * Proposes through Raft with an ACL token; rejects when no leader takes it, or with a 403
   * HttpError when the leader refuses the token.
   */
  readonly apply: (command: Command, token: string) => Promise<unknown>;
  /** Absent: no agent tokens (every write without a registration token goes as anonymous). */
  readonly tokens?: SyncTokens;
  /** A write the leader refused for its token (logged; retried once it changes or on a full pass). */
  readonly onBlocked?: (what: string, reason: string) => void;
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

/** The leader refused the token (Permission denied / ACL not found). */
const refusedByAcl = (err: unknown): boolean => err instanceof HttpError && err.status === 403;
/** A deregistration whose target is already gone is done (Consul: "Unknown service" / "Unknown check"). */
const alreadyGone = (err: unknown): boolean => err instanceof Error && /Unknown (service|check)/.test(err.message);

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
  /** Writes the leader refused, by what they write: skipped while identical, until a full pass. */
  private readonly blocked = new Map<string, string>();
  private fullPending = true;
  private readonly tokens: SyncTokens;

  constructor(private readonly deps: AntiEntropyDeps) {
    this.tokens = deps.tokens ?? NO_TOKENS;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  /**
   * Runs a pass now (or joins the running one and asks for another); resolves when done. A full
   * pass also retries the writes the leader refused (Consul's SyncFull).
   */
  sync(full = false): Promise<void> {
    if (full) this.fullPending = true;
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
      if (this.fullPending) {
        this.fullPending = false;
        this.blocked.clear();
      }
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
    this.cancelTimer = this.deps.clock.setTimer(ms, () => void this.sync(true));
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
      await this.deregister({ type: 'catalog.deregister', node: nodeName, serviceId: svc.id, checkId: null });
    }
    for (const chk of catalogChecks.values()) {
      if (chk.checkId === RESERVED_CHECK || localChecks.some((l) => lower(l.check.checkId) === lower(chk.checkId))) continue;
      if (chk.serviceId !== '' && !catalogServicesStillThere(state, nodeName, chk.serviceId)) continue;
      await this.deregister({ type: 'catalog.deregister', node: nodeName, serviceId: null, checkId: chk.checkId });
    }

    for (const { service, token } of localServices) {
      const inCatalog = catalogServices.get(lower(service.id));
      const checks = localChecks.filter((c) => c.check.serviceId === service.id);
      const stale = checks.filter((c) => this.needsWrite(c, catalogChecks.get(lower(c.check.checkId)), (ms) => (deferred = min(deferred, ms))));
      if (inCatalog !== undefined && sameService(service, inCatalog) && stale.length === 0) continue;
      const serviceToken = token || this.tokens.default();
      // Only checks with the service's own token ride on its registration (Consul): another
      // token must not gain the service token's rights. The others go alone, with the service.
      const pending = inCatalog === undefined ? checks : stale;
      const riding = pending.filter((c) => this.tokenOf(c) === serviceToken);
      if (inCatalog === undefined || !sameService(service, inCatalog) || riding.length > 0) {
        await this.register(`service ${service.id}`, service, riding, serviceToken);
      }
      for (const c of pending.filter((x) => !riding.includes(x))) await this.register(`check ${c.check.checkId}`, service, [c], this.tokenOf(c));
    }
    const nodeChecks = localChecks.filter((c) => c.check.serviceId === '');
    const staleNodeChecks = nodeChecks.filter((c) => this.needsWrite(c, catalogChecks.get(lower(c.check.checkId)), (ms) => (deferred = min(deferred, ms))));
    // Each node-level check goes with the token it was registered with.
    for (const c of staleNodeChecks) await this.register(`check ${c.check.checkId}`, null, [c], this.tokenOf(c));
    return deferred;
  }

  private tokenOf(c: LocalCheck): string {
    return c.token || this.tokens.default();
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

  private async register(what: string, service: ServiceSpec | null, checks: readonly LocalCheck[], token: string): Promise<void> {
    const now = this.deps.clock.now();
    const command: Command = {
      type: 'catalog.register',
      node: this.deps.selfNode(),
      skipNodeUpdate: true,
      service,
      checks: checks.map((c) => ({ ...c.check, node: this.deps.nodeName })),
    };
    if (await this.write(what, command, token)) for (const c of checks) this.outputSyncedAt.set(c.check.checkId, now);
  }

  /** Consul's deleteService/deleteCheck: always the agent token; an already-gone target is done. */
  private async deregister(command: Extract<Command, { type: 'catalog.deregister' }>): Promise<void> {
    const what = command.serviceId !== null ? `service ${command.serviceId} (deregistration)` : `check ${command.checkId ?? ''} (deregistration)`;
    try {
      await this.write(what, command, this.tokens.agent());
    } catch (err) {
      if (!alreadyGone(err)) throw err;
    }
  }

  /**
   * One write; true when it was applied. A token refusal is recorded (and logged) instead of
   * failing the pass; an identical write stays skipped until a full pass.
   */
  private async write(what: string, command: Command, token: string): Promise<boolean> {
    const fingerprint = JSON.stringify([token, command]);
    if (this.blocked.get(what) === fingerprint) return false;
    try {
      await this.deps.apply(command, token);
      this.blocked.delete(what);
      return true;
    } catch (err) {
      if (!refusedByAcl(err)) throw err;
      this.blocked.set(what, fingerprint);
      this.deps.onBlocked?.(what, (err as HttpError).message);
      return false;
    }
  }
}

/** A service check whose service is being deregistered goes with it; no separate write. */
function catalogServicesStillThere(state: StateReads, node: string, serviceId: string): boolean {
  return state.nodeServices(node).services.some((s) => lower(s.id) === lower(serviceId));
}

const min = (a: number | undefined, b: number): number => (a === undefined ? b : Math.min(a, b));
