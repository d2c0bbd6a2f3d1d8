// The agent's local services and checks (Consul's agent/local.State): what this server was
// asked to register, with each check's current status and output. It is the source of truth
// anti-entropy pushes into the catalog; listeners hear of every change (hash-blocking reads,
// the sync loop, persistence).
import type { CheckRunSpec } from '../../routes/agent/agent-api.ts';
import type { CheckSpec, ServiceSpec } from '../../storage/commands.ts';

export type CheckStatus = CheckSpec['status'];

export interface LocalService {
  readonly service: ServiceSpec;
  readonly token: string;
}

export interface LocalCheck {
  /** Consul's HealthCheck with the current status and output (node = this server's node). */
  readonly check: CheckSpec;
  /** How the agent runs it; null for checks nobody runs (maintenance). */
  readonly run: CheckRunSpec | null;
  readonly token: string;
  /** Monotonic ms since which the check has been critical (the reaper's clock), or null. */
  readonly criticalSince: number | null;
}

/** What changed: a status flip syncs at once; an output-only change may wait (check_update_interval). */
export type ChangeKind = 'definition' | 'status' | 'output';

export type ChangeListener = (kind: ChangeKind) => void;

export class LocalState {
  private readonly services = new Map<string, LocalService>();
  private readonly checks = new Map<string, LocalCheck>();
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    readonly nodeName: string,
    private readonly now: () => number,
  ) {}

  /** Registers a listener; returns its unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  serviceList(): LocalService[] {
    return [...this.services.values()].sort((a, b) => compare(a.service.id, b.service.id));
  }

  service(id: string): LocalService | undefined {
    return this.services.get(id);
  }

  checkList(): LocalCheck[] {
    return [...this.checks.values()].sort((a, b) => compare(a.check.checkId, b.check.checkId));
  }

  check(id: string): LocalCheck | undefined {
    return this.checks.get(id);
  }

  checksOfService(serviceId: string): LocalCheck[] {
    return this.checkList().filter((c) => c.check.serviceId === serviceId);
  }

  setService(service: ServiceSpec, token: string): void {
    this.services.set(service.id, { service, token });
    this.emit('definition');
  }

  /** Removes a service and its checks; false when it was not registered. */
  removeService(id: string): boolean {
    if (!this.services.delete(id)) return false;
    for (const c of this.checksOfService(id)) this.checks.delete(c.check.checkId);
    this.emit('definition');
    return true;
  }

  setCheck(check: CheckSpec, run: CheckRunSpec | null, token: string): void {
    const prior = this.checks.get(check.checkId);
    const full = { ...check, node: this.nodeName };
    this.checks.set(check.checkId, { check: full, run, token, criticalSince: this.criticalSince(prior, full.status) });
    this.emit('definition');
  }

  removeCheck(id: string): boolean {
    if (!this.checks.delete(id)) return false;
    this.emit('definition');
    return true;
  }

  /** A check run's (or TTL update's) result. Returns what changed. */
  updateCheck(id: string, status: CheckStatus, output: string): ChangeKind | null {
    const prior = this.checks.get(id);
    if (prior === undefined) return null;
    const { check } = prior;
    if (check.status === status && check.output === output) return null;
    const kind: ChangeKind = check.status === status ? 'output' : 'status';
    this.checks.set(id, { ...prior, check: { ...check, status, output }, criticalSince: this.criticalSince(prior, status) });
    this.emit(kind);
    return kind;
  }

  private criticalSince(prior: LocalCheck | undefined, status: CheckStatus): number | null {
    if (status !== 'critical') return null;
    return prior?.criticalSince ?? this.now();
  }

  private emit(kind: ChangeKind): void {
    for (const listener of [...this.listeners]) listener(kind);
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
