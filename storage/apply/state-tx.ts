// The handle the pure appliers work through: row-level reads and writes inside the apply
// transaction, nothing else. The SQLite implementation (storage/sqlite-state-tx.ts) owns SQL,
// base64 decoding and JSON columns; the appliers own Consul's semantics. Every write stamps
// rows with `index`, the Raft index of the entry being applied.
import type { KvEntryWire, LockDelay } from '../commands.ts';
import type { AclTx } from './acl-tx.ts';
import type { CheckEntry, CoordinateEntry, NodeEntry, ServiceEntry, SessionEntry } from '../types.ts';

/** A KV row without its value (what the lock and CAS rules look at). */
export interface KvMeta {
  readonly key: string;
  readonly flags: string;
  readonly lockIndex: number;
  readonly session: string | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** A KV row to store; value is base64 (null = empty), decoded once by the handle. */
export interface KvPut extends KvMeta {
  readonly value: string | null;
}

export interface StateTx {
  /** The Raft index of the entry being applied (its CreateIndex/ModifyIndex). */
  readonly index: number;
  /** Tokens, policies, roles and the bootstrap mark. */
  readonly acl: AclTx;

  kvGet(key: string): KvMeta | undefined;
  /** The full entry with its value in base64 (txn reads). */
  kvEntry(key: string): KvEntryWire | undefined;
  /** Entries under a prefix, sorted by key, values in base64 (txn get-tree). */
  kvTree(prefix: string): KvEntryWire[];
  /**
   * Upserts unless the stored row already has the same value, flags, lock index and session
   * (Consul's idempotent set: then nothing is written and ModifyIndex stays). true if written.
   */
  kvPut(entry: KvPut): boolean;
  /** Clears the lock holder and bumps ModifyIndex, keeping value and LockIndex. */
  kvRelease(key: string): void;
  kvDelete(key: string): boolean;
  /** Deletes every key under `prefix` ("" = all); returns how many. */
  kvDeletePrefix(prefix: string): number;
  /** Keys held by a session, sorted. */
  kvKeysHeldBy(session: string): string[];
  tombstonePut(key: string): void;
  /** Deletes tombstones with index <= upTo; returns how many. */
  tombstoneReap(upTo: number): number;

  sessionGet(id: string): SessionEntry | undefined;
  /** Inserts the session and its check mappings (node checks + service checks on its node). */
  sessionInsert(session: SessionEntry, checkIds: readonly string[]): void;
  /** Deletes the session and its check mappings; its keys must be released first. */
  sessionDelete(id: string): void;
  /** Session IDs on a node, sorted. */
  sessionsOfNode(node: string): string[];
  /** Session IDs depending on a check, sorted. */
  sessionsOfCheck(node: string, checkId: string): string[];

  nodeGet(name: string): NodeEntry | undefined;
  nodeGetById(id: string): NodeEntry | undefined;
  nodeList(): NodeEntry[];
  /** Inserts or replaces the node row matching `node.node` (case-insensitively). */
  nodePut(node: NodeEntry): void;
  nodeDelete(name: string): void;

  serviceGet(node: string, serviceId: string): ServiceEntry | undefined;
  servicesOfNode(node: string): ServiceEntry[];
  servicePut(service: ServiceEntry): void;
  serviceDelete(node: string, serviceId: string): void;

  checkGet(node: string, checkId: string): CheckEntry | undefined;
  checksOfNode(node: string): CheckEntry[];
  checksOfService(node: string, serviceId: string): CheckEntry[];
  checkPut(check: CheckEntry): void;
  checkDelete(node: string, checkId: string): void;

  /** The largest event LTime ever stored (0 when the ring is empty). */
  eventMaxLtime(): number;
  /** Appends an event (payload in base64, null = none) at `ltime`. */
  eventInsert(event: EventRow): void;
  /** Deletes events with LTime <= upTo; returns how many. */
  eventTrim(upTo: number): number;

  coordinateGet(node: string, segment: string): CoordinateEntry | undefined;
  coordinatePut(entry: CoordinateEntry): void;
  /** Deletes every coordinate of a node (before the node goes). */
  coordinatesDeleteNode(node: string): void;

  /** A replicated setting (JSON value) by name. */
  settingGet(name: string): SettingRow | undefined;
  /** Inserts or replaces a setting; createIndex is kept from the stored row if any. */
  settingPut(row: SettingRow): void;

  /** Runs `fn` in a savepoint and rolls it back when `keep(result)` is false. */
  atomically<T>(fn: () => T, keep: (result: T) => boolean): T;
}

/** A replicated setting: its value as JSON text and its Raft indexes. */
export interface SettingRow {
  readonly name: string;
  readonly value: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** An event row to store; payload is base64 (null = none), decoded once by the handle. */
export interface EventRow {
  readonly ltime: number;
  readonly id: string;
  readonly name: string;
  readonly payload: string | null;
  readonly nodeFilter: string;
  readonly serviceFilter: string;
  readonly tagFilter: string;
  readonly version: number;
  readonly raftIndex: number;
}

/** Session invalidations collected while applying one command (or one txn, if it commits). */
export class Effects {
  readonly invalidated: string[] = [];
  readonly lockDelays: LockDelay[] = [];

  merge(other: Effects): void {
    this.invalidated.push(...other.invalidated);
    this.lockDelays.push(...other.lockDelays);
  }

  snapshot(): { invalidated: readonly string[]; lockDelays: readonly LockDelay[] } {
    return { invalidated: this.invalidated, lockDelays: this.lockDelays };
  }
}
