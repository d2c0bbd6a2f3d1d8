// FSM commands: the only way state changes. A command is built (and validated) by the HTTP
// layer or a leader loop, proposed through Raft as bytes, and applied on every server by
// storage/apply/*. Anything the leader chooses — session IDs, timestamps, expiry times —
// travels inside the command, so every server applies the same bytes to the same result.
//
// Wire form: UTF-8 JSON of { v: COMMAND_VERSION, ...Command }. The `type` strings and field
// names are part of the on-disk format (they live in the Raft log and in snapshots): never
// rename one; add new types or optional fields instead, and bump COMMAND_VERSION only for a
// change old code must refuse.
//
// Conventions: KV values are standard base64 (null = empty); uint64 Flags travel as decimal
// strings; indexes are safe integers (Raft indexes never approach 2^53).

import { ACL_COMMAND_TYPES, type AclCommand, type AclCommandResults } from './acl-commands.ts';

export const COMMAND_VERSION = 1;

// ---------------------------------------------------------------------------------- KV
export interface KvWrite {
  readonly key: string;
  /** base64 of the value; null for an empty value. */
  readonly value: string | null;
  /** uint64 as a decimal string. */
  readonly flags: string;
}
export type KvSet = { readonly type: 'kv.set' } & KvWrite;
/** index 0 = create only if absent; otherwise update only if ModifyIndex == index. */
export type KvCas = { readonly type: 'kv.cas'; readonly index: number } & KvWrite;
export type KvLock = { readonly type: 'kv.lock'; readonly session: string } & KvWrite;
export type KvUnlock = { readonly type: 'kv.unlock'; readonly session: string } & KvWrite;
export interface KvDelete { readonly type: 'kv.delete'; readonly key: string }
export interface KvDeleteTree { readonly type: 'kv.delete-tree'; readonly prefix: string }
export interface KvDeleteCas { readonly type: 'kv.delete-cas'; readonly key: string; readonly index: number }
/** Leader loop: drop tombstones whose index is <= upTo (older than tombstone_ttl). */
export interface TombstoneReap { readonly type: 'kv.reap-tombstones'; readonly upTo: number }

// ----------------------------------------------------------------------------- Sessions
export interface SessionSpec {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  /** Nanoseconds, already defaulted (15 s) and validated; capped at 60 s when applied. */
  readonly lockDelayNs: number;
  readonly behavior: 'release' | 'delete';
  /** Exactly as submitted (e.g. "15.0s"), "" for none. */
  readonly ttl: string;
  readonly nodeChecks: readonly string[] | null;
  readonly serviceChecks: readonly { readonly id: string; readonly namespace: string }[] | null;
}
export interface SessionCreate { readonly type: 'session.create'; readonly session: SessionSpec }
export interface SessionDestroy { readonly type: 'session.destroy'; readonly id: string }

// ------------------------------------------------------------------------------ Catalog
export interface NodeSpec {
  readonly id: string;
  readonly node: string;
  readonly address: string;
  readonly datacenter: string;
  readonly taggedAddresses: Readonly<Record<string, string>> | null;
  readonly meta: Readonly<Record<string, string>> | null;
}
export interface ServiceSpec {
  readonly kind: string;
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[] | null;
  readonly address: string;
  readonly taggedAddresses: Readonly<Record<string, { readonly Address: string; readonly Port: number }>> | null;
  readonly meta: Readonly<Record<string, string>> | null;
  readonly port: number;
  readonly socketPath: string;
  readonly weights: { readonly Passing: number; readonly Warning: number };
  readonly enableTagOverride: boolean;
  /** Opaque Consul sub-objects kept as given (Proxy, Connect, Locality). */
  readonly extra: Readonly<Record<string, unknown>> | null;
}
export interface CheckSpec {
  readonly node: string;
  readonly checkId: string;
  readonly name: string;
  readonly status: 'passing' | 'warning' | 'critical' | 'maintenance';
  readonly notes: string;
  readonly output: string;
  readonly serviceId: string;
  readonly type: string;
  readonly interval: string;
  readonly timeout: string;
  readonly exposedPort: number;
  /** Consul's HealthCheck.Definition, only non-empty members. */
  readonly definition: Readonly<Record<string, unknown>>;
}
export interface CatalogRegister {
  readonly type: 'catalog.register';
  readonly node: NodeSpec;
  readonly skipNodeUpdate: boolean;
  readonly service: ServiceSpec | null;
  readonly checks: readonly CheckSpec[];
}
export interface CatalogDeregister {
  readonly type: 'catalog.deregister';
  readonly node: string;
  /** Precedence as Consul: serviceId, then checkId, then the whole node. */
  readonly serviceId: string | null;
  readonly checkId: string | null;
}

// ------------------------------------------------------------------- Events, coordinates
/** A user event as fired (Consul's UserEvent without LTime, which the FSM assigns). */
export interface EventSpec {
  /** UUID chosen by the server that fired it. */
  readonly id: string;
  readonly name: string;
  /** base64 of the payload; null for none. */
  readonly payload: string | null;
  readonly nodeFilter: string;
  readonly serviceFilter: string;
  readonly tagFilter: string;
  readonly version: number;
}
/** Appends an event to the replicated ring of the newest MAX_EVENTS. */
export interface EventFire { readonly type: 'event.fire'; readonly event: EventSpec }

/** A Vivaldi network coordinate (serf's coordinate.Coordinate). */
export interface CoordinateSpec {
  readonly Vec: readonly number[];
  readonly Error: number;
  readonly Adjustment: number;
  readonly Height: number;
}
export interface CoordinateUpdate {
  readonly node: string;
  readonly segment: string;
  readonly coord: CoordinateSpec;
}
/** Coordinates for registered nodes; updates for unknown nodes are dropped, as Consul does. */
export interface CoordinateBatchUpdate { readonly type: 'coordinate.batch-update'; readonly updates: readonly CoordinateUpdate[] }

// ---------------------------------------------------------------------------- Operator
/** Consul's structs.AutopilotConfig, durations in nanoseconds. */
export interface AutopilotConfigSpec {
  readonly cleanupDeadServers: boolean;
  readonly lastContactThresholdNs: number;
  readonly maxTrailingLogs: number;
  readonly minQuorum: number;
  readonly serverStabilizationTimeNs: number;
  readonly redundancyZoneTag: string;
  readonly disableUpgradeMigration: boolean;
  readonly upgradeVersionTag: string;
}
/**
 * Sets the autopilot configuration. cas null = unconditional; otherwise only if the stored
 * ModifyIndex equals cas (0 = only if none is stored), as Consul's AutopilotCASConfig.
 */
export interface AutopilotSetConfig {
  readonly type: 'autopilot.set-config';
  readonly config: AutopilotConfigSpec;
  readonly cas: number | null;
}

// ---------------------------------------------------------------------------------- Txn
export type TxnKvVerb =
  | 'set' | 'cas' | 'lock' | 'unlock' | 'get' | 'get-or-empty' | 'get-tree'
  | 'check-index' | 'check-session' | 'check-not-exists' | 'delete' | 'delete-tree' | 'delete-cas';
export interface TxnKvOp {
  readonly KV: {
    readonly verb: TxnKvVerb;
    readonly key: string;
    readonly value: string | null;
    readonly flags: string;
    readonly index: number;
    readonly session: string;
  };
}
export type TxnCatalogVerb = 'set' | 'cas' | 'get' | 'delete' | 'delete-cas';
export interface TxnNodeOp { readonly Node: { readonly verb: TxnCatalogVerb; readonly node: NodeSpec; readonly index: number } }
export interface TxnServiceOp {
  readonly Service: { readonly verb: TxnCatalogVerb; readonly node: string; readonly service: ServiceSpec; readonly index: number };
}
export interface TxnCheckOp { readonly Check: { readonly verb: TxnCatalogVerb; readonly check: CheckSpec; readonly index: number } }
export type TxnOp = TxnKvOp | TxnNodeOp | TxnServiceOp | TxnCheckOp;
export interface Txn { readonly type: 'txn'; readonly ops: readonly TxnOp[] }

export type Command =
  | KvSet | KvCas | KvLock | KvUnlock | KvDelete | KvDeleteTree | KvDeleteCas | TombstoneReap
  | SessionCreate | SessionDestroy
  | CatalogRegister | CatalogDeregister
  | EventFire | CoordinateBatchUpdate
  | AutopilotSetConfig
  | Txn
  | AclCommand;

export type CommandType = Command['type'];

// ------------------------------------------------------------------------------ Results
// What applying each command returns. Results are plain JSON values: a follower that forwarded
// a proposal receives the leader's result over the wire. Operating errors Consul reports from
// its state store (e.g. "Missing node registration") are values, never exceptions.

/** Consul's error text for a request the state store refused; the HTTP layer answers 500. */
export interface CommandError {
  readonly error: string;
}

/** A key released or deleted by a session invalidation, and how long acquire must fail on it. */
export interface LockDelay {
  readonly key: string;
  /** min(session LockDelay, 60 s) in milliseconds; enforced in memory on the leader. */
  readonly delayMs: number;
}

/** Side effects of session invalidation any write may cause (destroy, node/check removal, critical check). */
export interface Invalidations {
  /** IDs of the sessions destroyed by this command, in the order they were invalidated. */
  readonly invalidated: readonly string[];
  readonly lockDelays: readonly LockDelay[];
}

/** A KV entry as a txn result carries it: value in base64 (null when empty or not returned). */
export interface KvEntryWire {
  readonly key: string;
  readonly value: string | null;
  readonly flags: string;
  readonly lockIndex: number;
  readonly session: string | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface TxnNodeWire extends NodeSpec {
  readonly createIndex: number;
  readonly modifyIndex: number;
}
export interface TxnServiceWire extends ServiceSpec {
  readonly createIndex: number;
  readonly modifyIndex: number;
}
export interface TxnCheckWire extends CheckSpec {
  readonly serviceName: string;
  readonly serviceTags: readonly string[];
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type TxnResultEntry =
  | { readonly KV: KvEntryWire }
  | { readonly Node: TxnNodeWire }
  | { readonly Service: TxnServiceWire }
  | { readonly Check: TxnCheckWire };

export interface TxnError {
  /** 0-based position of the failing op. */
  readonly opIndex: number;
  readonly what: string;
}

/** Success: results (in op order, deletes yield none) and errors null; rollback: the reverse. */
export interface TxnApplyResult extends Invalidations {
  readonly results: readonly TxnResultEntry[] | null;
  readonly errors: readonly TxnError[] | null;
}

export interface CommandResults extends AclCommandResults {
  'kv.set': true;
  'kv.cas': boolean;
  'kv.lock': boolean | CommandError;
  'kv.unlock': boolean | CommandError;
  'kv.delete': true;
  'kv.delete-tree': true;
  'kv.delete-cas': boolean;
  'kv.reap-tombstones': { readonly reaped: number };
  'session.create': { readonly id: string } | CommandError;
  'session.destroy': { readonly destroyed: boolean } & Invalidations;
  'catalog.register': ({ readonly ok: true } & Invalidations) | CommandError;
  'catalog.deregister': { readonly ok: true } & Invalidations;
  'event.fire': { readonly ltime: number };
  'coordinate.batch-update': { readonly updated: number };
  'autopilot.set-config': boolean;
  txn: TxnApplyResult;
}

export type ResultOf<T extends CommandType> = CommandResults[T];
export type CommandResult = CommandResults[CommandType];

export function isCommandError(r: unknown): r is CommandError {
  return typeof r === 'object' && r !== null && typeof (r as { error?: unknown }).error === 'string';
}

// ---------------------------------------------------------------------- Encode / decode

const COMMAND_TYPES: ReadonlySet<string> = new Set<CommandType>([
  'kv.set', 'kv.cas', 'kv.lock', 'kv.unlock', 'kv.delete', 'kv.delete-tree', 'kv.delete-cas',
  'kv.reap-tombstones', 'session.create', 'session.destroy', 'catalog.register',
  'catalog.deregister', 'event.fire', 'coordinate.batch-update', 'autopilot.set-config', 'txn', ...ACL_COMMAND_TYPES,
]);

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes proposed through Raft. */
export function encodeCommand(cmd: Command): Uint8Array {
  return utf8Encoder.encode(JSON.stringify({ v: COMMAND_VERSION, ...cmd }));
}

/** Decodes a committed entry. Throws on anything undecodable: that is fatal to the node. */
export function decodeCommand(data: Uint8Array): Command {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decoder.decode(data));
  } catch (err) {
    throw new Error(`undecodable command (${data.length} bytes): ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('undecodable command: not an object');
  const { v, type } = parsed as { v?: unknown; type?: unknown };
  if (v !== COMMAND_VERSION) throw new Error(`undecodable command: version ${String(v)}, expected ${COMMAND_VERSION}`);
  if (typeof type !== 'string' || !COMMAND_TYPES.has(type)) throw new Error(`undecodable command: unknown type ${String(type)}`);
  return parsed as Command;
}

export type * from './acl-commands.ts';
export { MAX_REAP_BATCH } from './acl-commands.ts';

// --------------------------------------------------------------------------- Validation
// Propose-time checks live in command-validate.ts; re-exported here so callers need one import.
export {
  COORDINATE_DIMENSIONALITY, MAX_COORDINATE_BATCH, MAX_EVENTS, MAX_LOCK_DELAY_MS, MAX_TXN_OPS, isUint64Decimal, isUuid, validateCommand,
} from './command-validate.ts';
