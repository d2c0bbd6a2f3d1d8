// The read API the HTTP layer uses. Every read returns the Consul index that goes into
// X-Consul-Index (rules of consul-api.md §1.8, never 0) next to plain typed rows, and each
// read has a companion in `watchFor` naming the change-feed keys a blocking query on it waits
// for. Reads are synchronous: they run on the same connection the FSM applies on, so a read
// always sees a whole applied batch and never a part of one.
import type Database from 'better-sqlite3';
import { runOps } from './apply/txn.ts';
import { Effects } from './apply/state-tx.ts';
import type { TxnApplyResult, TxnOp } from './commands.ts';
import type { StateDb } from './db.ts';
import {
  CHECK_COLUMNS, COORDINATE_COLUMNS, EVENT_COLUMNS, KV_COLUMNS, NODE_COLUMNS, SERVICE_COLUMNS, SESSION_COLUMNS, prefixUpperBound,
  toCheck, toCoordinate, toDirEntry, toEvent, toNode, toService, toSession,
} from './rows.ts';
import type { CheckRow, CoordinateRow, EventDbRow, KvRow, NodeRow, ServiceRow, SessionRow } from './rows.ts';
import { SqliteStateTx } from './sqlite-state-tx.ts';
import type {
  CheckEntry, CheckStatus, CoordinateEntry, DirEntry, EventEntry, HealthInstance, NodeEntry, ServiceEntry, ServiceInstance,
  SessionEntry, WatchKey,
} from './types.ts';
import type { WatchHub } from './watch-hub.ts';

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
/** event/list: the ring, oldest first; index = events table index (the HTTP layer derives Consul's uuid index). */
export interface EventListResult { readonly index: number; readonly events: readonly EventEntry[] }
/** coordinate/nodes: sorted by node then segment; index = coordinates table index. */
export interface CoordinateListResult { readonly index: number; readonly coordinates: readonly CoordinateEntry[] }

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
  /** The node registered with this UUID, if any (agent/members names servers by their IDs). */
  nodeById(id: string): NodeEntry | null;
  /** Sorted by node name. */
  nodeList(): NodeListResult;
  nodeServices(name: string): NodeServicesResult;
  /** Checks of one node (health/node), sorted by check ID. */
  nodeChecks(name: string): ChecksResult;
  serviceList(): ServiceListResult;
  /** Every service instance (catalog/services with ?filter or ?node-meta); index = services table index. */
  allServiceInstances(): ServiceInstancesResult;
  /** Instances of a service, sorted by node name then service ID. */
  serviceInstances(service: string): ServiceInstancesResult;
  /** Instances with their node-level and service-level checks (health/service). */
  healthInstances(service: string): HealthInstancesResult;
  /** Checks of a service (health/checks/⟨service⟩). */
  serviceChecks(service: string): ChecksResult;
  /** Checks in a state (health/state/⟨state⟩); 'any' returns all. */
  checksInState(state: CheckStatus | 'any'): ChecksResult;

  // Events (§11.2) and coordinates (§11.1)
  eventList(): EventListResult;
  coordinateList(): CoordinateListResult;
  /** Coordinates of one node (every segment). */
  coordinatesOfNode(node: string): CoordinateListResult;

  /** The raw last Raft index that touched any of the named tables (0 if none ever did). */
  tableIndex(...names: string[]): number;

  /**
   * Runs a transaction that has only read verbs (get, get-tree, get-or-empty, check-*, catalog
   * get) against the current state: Consul's read-only /v1/txn fast path. The caller must have
   * checked there is no write verb; `index` is the applied index the answer reflects.
   */
  txnRead(ops: readonly TxnOp[]): Pick<TxnApplyResult, 'results' | 'errors'> & { readonly index: number };
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
  allServiceInstances: (): WatchKey[] => [{ table: 'services' }, { table: 'nodes' }],
  serviceInstances: (service: string): WatchKey[] => [{ table: 'service', key: asciiLower(service) }],
  healthInstances: (service: string): WatchKey[] => [{ table: 'service', key: asciiLower(service) }],
  serviceChecks: (service: string): WatchKey[] => [{ table: 'service', key: asciiLower(service) }],
  checksInState: (_state: CheckStatus | 'any'): WatchKey[] => [{ table: 'checks' }],
  eventList: (): WatchKey[] => [{ table: 'events' }],
  coordinateList: (): WatchKey[] => [{ table: 'coordinates' }],
  coordinatesOfNode: (node: string): WatchKey[] => [{ table: 'coordinates', key: asciiLower(node) }],
} as const satisfies { readonly [K in keyof Omit<StateReads, 'tableIndex' | 'txnRead' | 'nodeById'>]: (...args: never[]) => WatchKey[] };

// --------------------------------------------------------------------------- StateStore

/** Consul never reports index 0 (blocking clients would spin): 0 becomes 1. */
const atLeastOne = (n: number): number => (n > 0 ? n : 1);

type Stmt = Database.Statement;

function prepareReads(db: StateDb['sqlite']) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    tableIndex: p('SELECT raft_index FROM table_index WHERE name = ?').pluck(),
    appliedIndex: p('SELECT applied_index FROM meta WHERE id = 1').pluck(),
    kvGet: p(`SELECT ${KV_COLUMNS} FROM kvs WHERE key = ?`),
    kvAll: p(`SELECT ${KV_COLUMNS} FROM kvs ORDER BY key`),
    kvFrom: p(`SELECT ${KV_COLUMNS} FROM kvs WHERE key >= ? ORDER BY key`),
    kvRange: p(`SELECT ${KV_COLUMNS} FROM kvs WHERE key >= ? AND key < ? ORDER BY key`),
    keysAll: p('SELECT key, modify_index FROM kvs ORDER BY key').raw(),
    keysFrom: p('SELECT key, modify_index FROM kvs WHERE key >= ? ORDER BY key').raw(),
    keysRange: p('SELECT key, modify_index FROM kvs WHERE key >= ? AND key < ? ORDER BY key').raw(),
    tombFrom: p('SELECT max(raft_index) FROM tombstones WHERE key >= ?').pluck(),
    tombRange: p('SELECT max(raft_index) FROM tombstones WHERE key >= ? AND key < ?').pluck(),
    sessGet: p(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`),
    sessAll: p(`SELECT ${SESSION_COLUMNS} FROM sessions ORDER BY id`),
    sessOfNode: p(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE node = ? ORDER BY id`),
    nodeGet: p(`SELECT ${NODE_COLUMNS} FROM nodes WHERE node = ?`),
    nodeAll: p(`SELECT ${NODE_COLUMNS} FROM nodes ORDER BY node`),
    svcOfNode: p(`SELECT ${SERVICE_COLUMNS} FROM services WHERE node = ? ORDER BY service_id`),
    svcByName: p(`SELECT ${SERVICE_COLUMNS} FROM services WHERE service_name = ? ORDER BY node, service_id`),
    svcAll: p(`SELECT ${SERVICE_COLUMNS} FROM services ORDER BY service_name, node, service_id`),
    svcNamesTags: p('SELECT service_name, tags FROM services ORDER BY service_name').raw(),
    chkOfNode: p(`SELECT ${CHECK_COLUMNS} FROM checks WHERE node = ? ORDER BY check_id`),
    chkOfInstance: p(`SELECT ${CHECK_COLUMNS} FROM checks WHERE node = ? AND (service_id = '' OR service_id = ?)
      ORDER BY service_id <> '', check_id`),
    chkByServiceName: p(`SELECT ${CHECK_COLUMNS} FROM checks WHERE service_name = ? AND service_id <> '' ORDER BY node, check_id`),
    chkAll: p(`SELECT ${CHECK_COLUMNS} FROM checks ORDER BY node, check_id`),
    chkInState: p(`SELECT ${CHECK_COLUMNS} FROM checks WHERE status = ? ORDER BY node, check_id`),
    nodeById: p(`SELECT ${NODE_COLUMNS} FROM nodes WHERE id = ? AND id <> ''`),
    evtAll: p(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY ltime`),
    coordAll: p(`SELECT ${COORDINATE_COLUMNS} FROM coordinates ORDER BY node, segment`),
    coordOfNode: p(`SELECT ${COORDINATE_COLUMNS} FROM coordinates WHERE node = ? ORDER BY segment`),
  };
}

/** The read API over the state database (see StateReads for the contract). */
export class StateStore implements StateReads {
  /** Prepared on the live connection; re-prepared when a restore swaps in a new one. */
  private q: ReturnType<typeof prepareReads>;
  private readTx: SqliteStateTx;

  constructor(
    readonly db: StateDb,
    /** The hub the FSM publishes to: pass it to blockingQuery. */
    readonly hub: WatchHub,
  ) {
    this.q = prepareReads(db.sqlite);
    this.readTx = new SqliteStateTx(db.sqlite);
    db.onSwap((sqlite) => {
      this.q = prepareReads(sqlite);
      this.readTx = new SqliteStateTx(sqlite);
    });
  }

  tableIndex(...names: string[]): number {
    let max = 0;
    for (const n of names) max = Math.max(max, (this.q.tableIndex.get(n) as number | undefined) ?? 0);
    return max;
  }

  kvGet(key: string): KvGetResult {
    const row = this.q.kvGet.get(key) as KvRow | undefined;
    if (row !== undefined) return { index: atLeastOne(row.modify_index), entry: toDirEntry(row) };
    return { index: atLeastOne(this.tableIndex('kvs', 'tombstones')), entry: null };
  }

  kvList(prefix: string): KvListResult {
    const hi = prefixUpperBound(prefix);
    const rows = (prefix === '' ? this.q.kvAll.all() : hi === null ? this.q.kvFrom.all(prefix) : this.q.kvRange.all(prefix, hi)) as KvRow[];
    const entries = rows.map(toDirEntry);
    let max = 0;
    for (const e of entries) max = Math.max(max, e.modifyIndex);
    return { index: this.prefixIndex(prefix, hi, max), entries };
  }

  kvKeys(prefix: string, separator: string): KvKeysResult {
    const hi = prefixUpperBound(prefix);
    const rows = (prefix === '' ? this.q.keysAll.all() : hi === null ? this.q.keysFrom.all(prefix) : this.q.keysRange.all(prefix, hi)) as [string, number][];
    const keys: string[] = [];
    let max = 0;
    let last = '';
    for (const [key, modifyIndex] of rows) {
      max = Math.max(max, modifyIndex);
      const at = separator === '' ? -1 : key.indexOf(separator, prefix.length);
      if (at < 0) {
        keys.push(key);
        continue;
      }
      const upTo = key.slice(0, at + separator.length);
      if (upTo !== last) keys.push(upTo);
      last = upTo;
    }
    return { index: this.prefixIndex(prefix, hi, max), keys };
  }

  /** Consul's kvsListTxn index: max of entries and tombstones under a prefix, else the tables'. */
  private prefixIndex(prefix: string, hi: string | null, entriesMax: number): number {
    let sub = entriesMax;
    if (prefix === '') sub = this.tableIndex('kvs', 'tombstones');
    else sub = Math.max(sub, ((hi === null ? this.q.tombFrom.get(prefix) : this.q.tombRange.get(prefix, hi)) as number | null) ?? 0);
    return atLeastOne(sub !== 0 ? sub : this.tableIndex('kvs', 'tombstones'));
  }

  sessionGet(id: string): SessionGetResult {
    const row = this.q.sessGet.get(id) as SessionRow | undefined;
    return { index: atLeastOne(this.tableIndex('sessions')), session: row === undefined ? null : toSession(row) };
  }

  sessionList(): SessionListResult {
    return { index: atLeastOne(this.tableIndex('sessions')), sessions: (this.q.sessAll.all() as SessionRow[]).map(toSession) };
  }

  sessionsByNode(node: string): SessionListResult {
    return { index: atLeastOne(this.tableIndex('sessions')), sessions: (this.q.sessOfNode.all(node) as SessionRow[]).map(toSession) };
  }

  nodeGet(name: string): NodeGetResult {
    return { index: atLeastOne(this.tableIndex('nodes')), node: this.node(name) };
  }

  nodeById(id: string): NodeEntry | null {
    const row = this.q.nodeById.get(id) as NodeRow | undefined;
    return row === undefined ? null : toNode(row);
  }

  eventList(): EventListResult {
    return { index: atLeastOne(this.tableIndex('events')), events: (this.q.evtAll.all() as EventDbRow[]).map(toEvent) };
  }

  coordinateList(): CoordinateListResult {
    return { index: atLeastOne(this.tableIndex('coordinates')), coordinates: (this.q.coordAll.all() as CoordinateRow[]).map(toCoordinate) };
  }

  coordinatesOfNode(node: string): CoordinateListResult {
    return { index: atLeastOne(this.tableIndex('coordinates')), coordinates: (this.q.coordOfNode.all(node) as CoordinateRow[]).map(toCoordinate) };
  }

  nodeList(): NodeListResult {
    return { index: atLeastOne(this.tableIndex('nodes')), nodes: (this.q.nodeAll.all() as NodeRow[]).map(toNode) };
  }

  nodeServices(name: string): NodeServicesResult {
    const node = this.node(name);
    const services = node === null ? [] : (this.q.svcOfNode.all(node.node) as ServiceRow[]).map(toService);
    return { index: atLeastOne(this.tableIndex('nodes', 'services')), node, services };
  }

  nodeChecks(name: string): ChecksResult {
    return { index: atLeastOne(this.tableIndex('checks')), checks: (this.q.chkOfNode.all(name) as CheckRow[]).map(toCheck) };
  }

  serviceList(): ServiceListResult {
    const tags = new Map<string, Set<string>>();
    for (const [name, json] of this.q.svcNamesTags.all() as [string, string | null][]) {
      let set = tags.get(name);
      if (set === undefined) tags.set(name, (set = new Set()));
      for (const t of json === null ? [] : (JSON.parse(json) as string[])) set.add(t);
    }
    const services = new Map<string, readonly string[]>();
    for (const [name, set] of tags) services.set(name, [...set].sort());
    return { index: atLeastOne(this.tableIndex('services')), services };
  }

  allServiceInstances(): ServiceInstancesResult {
    const nodes = new Map<string, NodeEntry>();
    const instances = (this.q.svcAll.all() as ServiceRow[]).map(toService).map((svc) => ({ node: this.cachedNode(nodes, svc.node), service: svc }));
    return { index: atLeastOne(this.tableIndex('services')), instances };
  }

  serviceInstances(service: string): ServiceInstancesResult {
    const rows = (this.q.svcByName.all(service) as ServiceRow[]).map(toService);
    const nodes = new Map<string, NodeEntry>();
    const instances = rows.map((svc) => ({ node: this.cachedNode(nodes, svc.node), service: svc }));
    return { index: this.serviceIndex(service, rows.length > 0), instances };
  }

  healthInstances(service: string): HealthInstancesResult {
    const { index, instances } = this.serviceInstances(service);
    return {
      index,
      instances: instances.map((i) => ({ ...i, checks: (this.q.chkOfInstance.all(i.service.node, i.service.id) as CheckRow[]).map(toCheck) })),
    };
  }

  serviceChecks(service: string): ChecksResult {
    const checks = (this.q.chkByServiceName.all(service) as CheckRow[]).map(toCheck);
    const exists = this.q.svcByName.get(service) !== undefined;
    return { index: this.serviceIndex(service, exists), checks };
  }

  checksInState(state: CheckStatus | 'any'): ChecksResult {
    const rows = (state === 'any' ? this.q.chkAll.all() : this.q.chkInState.all(state)) as CheckRow[];
    return { index: atLeastOne(this.tableIndex('checks')), checks: rows.map(toCheck) };
  }

  txnRead(ops: readonly TxnOp[]): Pick<TxnApplyResult, 'results' | 'errors'> & { readonly index: number } {
    // A savepoint that is always rolled back: a read verb never writes, and if one ever did,
    // nothing would reach the state outside Raft.
    const out = this.readTx.atomically(() => runOps(this.readTx, ops, new Effects()), () => false);
    return { ...out, index: atLeastOne(this.q.appliedIndex.get() as number) };
  }

  /** Consul's maxIndexForService: the per-service index, else the last extinction, else the catalog's. */
  private serviceIndex(service: string, exists: boolean): number {
    if (!exists) {
      const extinct = this.tableIndex('service_last_extinction');
      if (extinct > 0) return extinct;
    }
    const own = this.q.tableIndex.get(`service.${asciiLower(service)}`) as number | undefined;
    return atLeastOne(own ?? this.tableIndex('nodes', 'services', 'checks'));
  }

  private node(name: string): NodeEntry | null {
    const row = this.q.nodeGet.get(name) as NodeRow | undefined;
    return row === undefined ? null : toNode(row);
  }

  private cachedNode(cache: Map<string, NodeEntry>, name: string): NodeEntry {
    let n = cache.get(name);
    if (n === undefined) {
      n = this.node(name) ?? undefined;
      if (n === undefined) throw new Error(`state store: service on unknown node ${name}`);
      cache.set(name, n);
    }
    return n;
  }
}
