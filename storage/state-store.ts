// The read API the HTTP layer uses. Every read returns the Consul index that goes into
// X-Consul-Index (rules of consul-api.md §1.8, never 0) next to plain typed rows, and each
// read has a companion in `watchFor` naming the change-feed keys a blocking query on it waits
// for. Reads are synchronous: they run on the same connection the FSM applies on, so a read
// always sees a whole applied batch and never a part of one.
import type {
  CheckEntry, CheckStatus, DirEntry, HealthInstance, NodeEntry, ServiceEntry, ServiceInstance,
  SessionEntry, WatchKey,
} from './types.ts';

export interface KvGetResult { readonly index: number; readonly entry: DirEntry | null }
export interface KvListResult { readonly index: number; readonly entries: readonly DirEntry[] }
export interface KvKeysResult { readonly index: number; readonly keys: readonly string[] }
export interface SessionGetResult { readonly index: number; readonly session: SessionEntry | null }
export interface SessionListResult { readonly index: number; readonly sessions: readonly SessionEntry[] }
export interface NodeGetResult { readonly index: number; readonly node: NodeEntry | null }
export interface NodeListResult { readonly index: number; readonly nodes: readonly NodeEntry[] }
export interface NodeServicesResult {
  readonly index: number;
  /** null when the node is not registered (catalog/node answers `null`). */
  readonly node: NodeEntry | null;
  readonly services: readonly ServiceEntry[];
}
export interface ChecksResult { readonly index: number; readonly checks: readonly CheckEntry[] }
/** catalog/services: service name → union of its instances' tags (sorted, deduplicated). */
export interface ServiceListResult { readonly index: number; readonly services: ReadonlyMap<string, readonly string[]> }
export interface ServiceInstancesResult { readonly index: number; readonly instances: readonly ServiceInstance[] }
export interface HealthInstancesResult { readonly index: number; readonly instances: readonly HealthInstance[] }

/** The reads routes/ depends on (StateStore implements it; tests may wrap it). */
export interface StateReads {
  // KV (consul-api.md §2.2)
  kvGet(key: string): KvGetResult;
  /** Entries under `prefix`, sorted by key ("" = everything). */
  kvList(prefix: string): KvListResult;
  /** Keys under `prefix`; with a non-empty `separator`, collapsed to the first separator after the prefix. */
  kvKeys(prefix: string, separator: string): KvKeysResult;

  // Sessions (§3.3): index = sessions table index
  sessionGet(id: string): SessionGetResult;
  /** Sorted by ID. */
  sessionList(): SessionListResult;
  sessionsByNode(node: string): SessionListResult;

  // Catalog and health (§5.4, §5.5); names match case-insensitively
  nodeGet(name: string): NodeGetResult;
  /** Sorted by node name. */
  nodeList(): NodeListResult;
  nodeServices(name: string): NodeServicesResult;
  /** Checks of one node (health/node), sorted by check ID. */
  nodeChecks(name: string): ChecksResult;
  serviceList(): ServiceListResult;
  /** Instances of a service, sorted by node name then service ID. */
  serviceInstances(service: string): ServiceInstancesResult;
  /** Instances with their node-level and service-level checks (health/service). */
  healthInstances(service: string): HealthInstancesResult;
  /** Checks of a service (health/checks/⟨service⟩). */
  serviceChecks(service: string): ChecksResult;
  /** Checks in a state (health/state/⟨state⟩); 'any' returns all. */
  checksInState(state: CheckStatus | 'any'): ChecksResult;

  /** The raw last Raft index that touched any of the named tables (0 if none ever did). */
  tableIndex(...names: string[]): number;
}

/** Lower-cases ASCII only, exactly as SQLite's lower() does in the triggers' watch keys. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** The watch keys matching each read: pass them to blockingQuery together with the read. */
export const watchFor = {
  kvGet: (key: string): WatchKey[] => [{ table: 'kvs', key }],
  kvList: (prefix: string): WatchKey[] => [{ table: 'kvs', prefix }, { table: 'tombstones', prefix }],
  kvKeys: (prefix: string): WatchKey[] => [{ table: 'kvs', prefix }, { table: 'tombstones', prefix }],
  sessionGet: (id: string): WatchKey[] => [{ table: 'sessions', key: id }],
  sessionList: (): WatchKey[] => [{ table: 'sessions' }],
  sessionsByNode: (_node: string): WatchKey[] => [{ table: 'sessions' }],
  nodeGet: (name: string): WatchKey[] => [{ table: 'nodes', key: asciiLower(name) }],
  nodeList: (): WatchKey[] => [{ table: 'nodes' }],
  nodeServices: (name: string): WatchKey[] => [{ table: 'node', key: asciiLower(name) }],
  nodeChecks: (name: string): WatchKey[] => [{ table: 'checks', key: asciiLower(name) }],
  serviceList: (): WatchKey[] => [{ table: 'services' }],
  serviceInstances: (service: string): WatchKey[] => [{ table: 'service', key: asciiLower(service) }],
  healthInstances: (service: string): WatchKey[] => [{ table: 'service', key: asciiLower(service) }],
  serviceChecks: (service: string): WatchKey[] => [{ table: 'service', key: asciiLower(service) }],
  checksInState: (_state: CheckStatus | 'any'): WatchKey[] => [{ table: 'checks' }],
} as const satisfies { readonly [K in keyof Omit<StateReads, 'tableIndex'>]: (...args: never[]) => WatchKey[] };
