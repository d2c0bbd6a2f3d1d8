// What a workload needs from a system under test. Both adapters (Cairn's Consul API, etcd's
// v3 JSON gateway) implement it, so every workload runs the same requests against both.
import type { SystemName } from '../report.ts';

/** Cairn: default / ?stale / ?consistent. etcd: linearizable / serializable / linearizable. */
export type ReadMode = 'default' | 'stale' | 'consistent';

export interface Watcher {
  /** Resolves once the watch is registered (etcd: created) or its first read answered (Cairn). */
  readonly armed: Promise<void>;
  close(): void;
}

export interface WatchHandlers {
  /** A notification carrying the key's new value. */
  readonly onValue: (value: string) => void;
  readonly onError: (err: unknown) => void;
}

/** A group of watchers with their own connections (one per watcher), closed together. */
export interface WatchGroup {
  watch(server: number, key: string, handlers: WatchHandlers): Watcher;
  close(): Promise<void>;
}

export interface Target {
  readonly system: SystemName;
  readonly size: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One write; rejects unless the system acknowledged it. */
  put(server: number, key: string, value: Uint8Array): Promise<void>;
  /** One read of an existing key; rejects unless the system returned it. */
  get(server: number, key: string, mode: ReadMode): Promise<void>;
  /** Writes many keys in one transaction (both systems cap a transaction at 128 operations). */
  putMany(server: number, entries: readonly KeyValue[]): Promise<void>;
  watchGroup(watchersPerServer: number): WatchGroup;
  /** Which server leads now. */
  leader(): Promise<number>;
  /** Kills server `server` (SIGKILL), starts it again; resolves with ms until it answers a default read of `probeKey`. */
  restart(server: number, probeKey: string): Promise<number>;
  /** Saves a snapshot of the whole state to `file`; a string says why this system cannot. */
  snapshotSave(file: string): Promise<void | string>;
  /** Restores `file`; a string says why this system cannot. */
  snapshotRestore(file: string): Promise<void | string>;
  /** What this system's restore does, for the figure's name. */
  readonly restoreKind: string;
  /** CPU seconds used so far by all servers together (user + system). */
  cpuSeconds(): number;
  /** Resident memory of each running server, MiB. */
  rssMiB(): number[];
}

export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
}

/** Largest transaction both systems accept by default (Consul and etcd: 128 operations). */
export const MAX_TXN_OPS = 128;
