// What the /v1/agent endpoints need from the server's local agent (app/agent implements it).
// Every Cairn server is also the agent of its own catalog node: it keeps local services and
// checks, runs the checks, and keeps the catalog in sync through Raft (anti-entropy).
// Methods that Consul answers with an error reject with routes' HttpError (400/404/500).
import type { CheckSpec, ServiceSpec } from '../../storage/commands.ts';
import type { Coordinate } from '../coordinate/vivaldi.ts';

/** How the agent runs a check: the runnable half of Consul's CheckType (durations in ms). */
export interface CheckRunSpec {
  /** > 0: a TTL check (critical when not updated within ttlMs). */
  readonly ttlMs: number;
  readonly http: string;
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly method: string;
  readonly body: string;
  readonly disableRedirects: boolean;
  readonly tlsServerName: string;
  readonly tlsSkipVerify: boolean;
  readonly tcp: string;
  readonly intervalMs: number;
  /** 0: Consul's default (10 s for HTTP and TCP). */
  readonly timeoutMs: number;
  /** > 0: deregister the check's service after it has been critical this long. */
  readonly deregisterCriticalServiceAfterMs: number;
  readonly successBeforePassing: number;
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
  /** 0: Consul's default (4 KiB). */
  readonly outputMaxSize: number;
}

/** A check as the agent holds it: Consul's HealthCheck (current status and output). */
export interface AgentCheck extends CheckSpec {
  readonly serviceName: string;
  readonly serviceTags: readonly string[];
}

/** A check to register: its initial HealthCheck (ID, name, status already defaulted) and how to run it. */
export interface CheckRegistration {
  readonly check: CheckSpec;
  readonly run: CheckRunSpec;
}

export interface ServiceRegistration {
  /** The NodeService, ID defaulted to the name, weights and tagged addresses defaulted. */
  readonly service: ServiceSpec;
  readonly checks: readonly CheckRegistration[];
  /** ?replace-existing-checks: checks of the service absent from `checks` are removed. */
  readonly replaceExistingChecks: boolean;
  readonly token: string;
}

/** serf's Member as Consul reports it on /v1/agent/members and in agent/self. */
export interface AgentMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: Readonly<Record<string, string>>;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
  readonly Status: number;
  readonly ProtocolMin: number;
  readonly ProtocolMax: number;
  readonly ProtocolCur: number;
  readonly DelegateMin: number;
  readonly DelegateMax: number;
  readonly DelegateCur: number;
}

/** A local change happened (hash-blocking waits on /v1/agent/service/⟨id⟩). */
export interface LocalChange {
  readonly fired: Promise<void>;
  cancel(): void;
}

export interface AgentApi {
  /** Local services, sorted by ID. */
  services(): readonly ServiceSpec[];
  service(id: string): ServiceSpec | undefined;
  /** Local checks with their current status, sorted by ID. */
  checks(): readonly AgentCheck[];
  /** Resolves on the next change to local services or checks. */
  changed(): LocalChange;

  registerService(registration: ServiceRegistration): Promise<void>;
  /** Rejects with Consul's 404 for an unknown ID. */
  deregisterService(id: string): Promise<void>;
  serviceMaintenance(id: string, enable: boolean, reason: string, token: string): Promise<void>;
  nodeMaintenance(enable: boolean, reason: string, token: string): Promise<void>;
  /** Rejects with 404 `ServiceID "x" does not exist` when the check names an unknown service. */
  registerCheck(registration: CheckRegistration, token: string): Promise<void>;
  deregisterCheck(id: string): Promise<void>;
  /** pass/warn/fail/update: 404 for an unknown check, 500 for a check without a TTL. */
  updateTtl(id: string, status: 'passing' | 'warning' | 'critical', output: string): Promise<void>;

  /** The servers of this cluster as serf members (LAN, or WAN with `node.dc` names). */
  members(wan: boolean): readonly AgentMember[];
  /** This server's own member entry. */
  localMember(): AgentMember;
  /** This server's Vivaldi coordinate (null until it has one). */
  coordinate(): Coordinate | null;
  /** agent/self's Stats and DebugConfig sections. */
  stats(): Readonly<Record<string, Readonly<Record<string, string>>>>;
  debugConfig(): Readonly<Record<string, unknown>>;
  /** agent/host: memory, CPU, host and disk information. */
  host(): Readonly<Record<string, unknown>>;

  /** Asks the server at a cluster address to admit this one (no-op when already members). */
  join(address: string): Promise<void>;
  /** Graceful leave: leave the Raft configuration, then shut down once the answer is sent. */
  leave(): Promise<void>;
  /** Re-reads the configuration files and validates them. */
  reload(): Promise<void>;
  /** Removes a failed server from the cluster. */
  forceLeave(node: string, prune: boolean): Promise<void>;
}
