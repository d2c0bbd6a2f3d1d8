// Row shapes the read API hands out. They are plain typed objects in Consul's vocabulary but
// not Consul's JSON: the HTTP layer owns PascalCase, base64, omitempty and null-vs-[] rules.
// Indexes are Raft indexes (safe integers); uint64 Flags stay decimal strings end to end.

/** A KV entry (Consul's DirEntry). */
export interface DirEntry {
  readonly key: string;
  /** The stored bytes; null for a zero-length value (Consul answers `"Value": null`). */
  readonly value: Uint8Array | null;
  /** uint64 as a canonical decimal string. */
  readonly flags: string;
  readonly lockIndex: number;
  /** The lock holder, or null when unlocked. */
  readonly session: string | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface SessionServiceCheck {
  readonly id: string;
  readonly namespace: string;
}

export interface SessionEntry {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  /** Nanoseconds (Consul's LockDelay wire unit). */
  readonly lockDelayNs: number;
  readonly behavior: 'release' | 'delete';
  /** Exactly as submitted, "" for none. */
  readonly ttl: string;
  readonly nodeChecks: readonly string[] | null;
  readonly serviceChecks: readonly SessionServiceCheck[] | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface NodeEntry {
  /** Node UUID, "" for catalog-only registrations without one. */
  readonly id: string;
  readonly node: string;
  readonly address: string;
  readonly datacenter: string;
  readonly taggedAddresses: Readonly<Record<string, string>> | null;
  readonly meta: Readonly<Record<string, string>> | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface ServiceEntry {
  /** The node the instance is registered on (as stored). */
  readonly node: string;
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
  /** Opaque Consul sub-objects kept as registered (Proxy, Connect, Locality). */
  readonly extra: Readonly<Record<string, unknown>> | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type CheckStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

export interface CheckEntry {
  readonly node: string;
  readonly checkId: string;
  readonly name: string;
  readonly status: CheckStatus;
  readonly notes: string;
  readonly output: string;
  /** "" for a node-level check. */
  readonly serviceId: string;
  /** Copied from the service at registration ("" for node-level checks). */
  readonly serviceName: string;
  readonly serviceTags: readonly string[];
  readonly type: string;
  readonly interval: string;
  readonly timeout: string;
  readonly exposedPort: number;
  readonly definition: Readonly<Record<string, unknown>>;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** A service instance joined with its node (Consul's ServiceNode / CheckServiceNode parts). */
export interface ServiceInstance {
  readonly node: NodeEntry;
  readonly service: ServiceEntry;
}

/** A service instance with its node-level and service-level checks (health/service). */
export interface HealthInstance extends ServiceInstance {
  readonly checks: readonly CheckEntry[];
}

/** A user event in the replicated ring (Consul's UserEvent). */
export interface EventEntry {
  readonly id: string;
  readonly name: string;
  /** The payload bytes; null when empty. */
  readonly payload: Uint8Array | null;
  readonly nodeFilter: string;
  readonly serviceFilter: string;
  readonly tagFilter: string;
  readonly version: number;
  readonly ltime: number;
  /** The Raft index of the entry that fired it. */
  readonly raftIndex: number;
}

/** A node's network coordinate in one segment (Consul's structs.Coordinate). */
export interface CoordinateEntry {
  readonly node: string;
  readonly segment: string;
  readonly coord: {
    readonly Vec: readonly number[];
    readonly Error: number;
    readonly Adjustment: number;
    readonly Height: number;
  };
  readonly modifyIndex: number;
}

// ----------------------------------------------------------------------------- Watches

/**
 * Change-feed "tables" a blocking query can watch. Most are real tables; `node` and `service`
 * are index scopes the catalog triggers also emit: `node` fires for any change to a node row,
 * its services or its checks (key = lower-cased node name); `service` fires for any change
 * that bumps a per-service index (key = lower-cased service name).
 */
export type WatchTable =
  | 'kvs' | 'tombstones' | 'sessions' | 'nodes' | 'services' | 'checks' | 'node' | 'service' | 'events' | 'coordinates'
  | (string & {});

/** What a blocking query waits on: a whole table, one exact key, or every key under a prefix. */
export type WatchKey =
  | { readonly table: WatchTable }
  | { readonly table: WatchTable; readonly key: string }
  | { readonly table: WatchTable; readonly prefix: string };

/** One row of the change feed: the entry index that changed `key` in `table`. */
export interface FeedRow {
  readonly index: number;
  readonly table: string;
  readonly key: string;
}
