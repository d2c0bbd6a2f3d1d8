// What the snapshot and operator endpoints need from the server (consul-api.md §9, §10),
// owned by the HTTP layer like the rest of Services. app/ implements it over the Raft host,
// the leader's autopilot and the snapshot archive; durations are nanoseconds, as Consul's
// time.Duration, and the routes format them.
import type { ReadMeta } from '../services.ts';

/** One server of the Raft configuration as /v1/operator/raft/configuration shows it. */
export interface RaftServerView {
  readonly id: string;
  /** The catalog node registered with this server's ID, or "(unknown)". */
  readonly node: string;
  readonly address: string;
  readonly leader: boolean;
  readonly voter: boolean;
  /** The last log index the leader knows this server holds (0 when unknown). */
  readonly lastIndex: number;
}

export interface RaftConfigurationView {
  readonly servers: readonly RaftServerView[];
  /** The index of the configuration entry. */
  readonly index: number;
}

/** Consul's structs.AutopilotConfig with its Raft indexes. */
export interface AutopilotConfigView {
  readonly cleanupDeadServers: boolean;
  readonly lastContactThresholdNs: number;
  readonly maxTrailingLogs: number;
  readonly minQuorum: number;
  readonly serverStabilizationTimeNs: number;
  readonly redundancyZoneTag: string;
  readonly disableUpgradeMigration: boolean;
  readonly upgradeVersionTag: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type AutopilotConfigInput = Omit<AutopilotConfigView, 'createIndex' | 'modifyIndex'>;

/** One server's health as the leader's autopilot sees it. */
export interface ServerHealthView {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  /** Consul's serf status; without gossip: alive while the leader hears from it, else failed. */
  readonly serfStatus: 'alive' | 'failed' | 'left';
  readonly version: string;
  readonly leader: boolean;
  readonly voter: boolean;
  /** Since the leader last heard from it; null when never in this term. */
  readonly lastContactNs: number | null;
  readonly lastTerm: number;
  readonly lastIndex: number;
  readonly healthy: boolean;
  /** Wall-clock milliseconds since the epoch when `healthy` last changed. */
  readonly stableSinceMs: number;
  /** Consul's autopilot status: leader, voter, non-voter or staging (a non-voter waiting for promotion). */
  readonly status: 'leader' | 'voter' | 'non-voter' | 'staging';
}

export interface AutopilotHealthView {
  readonly healthy: boolean;
  readonly failureTolerance: number;
  /** Failure tolerance if every healthy non-voter were promoted. */
  readonly optimisticFailureTolerance: number;
  readonly leader: string;
  readonly voters: readonly string[];
  readonly servers: readonly ServerHealthView[];
}

/** A snapshot archive being streamed to the client. */
export interface SnapshotDownload {
  /** The Raft index the snapshot was taken at (X-Consul-Index). */
  readonly index: number;
  readonly meta: ReadMeta;
  readonly body: AsyncIterable<Uint8Array>;
}

export type PeerSelector = { readonly id: string } | { readonly address: string };

/**
 * Calls that may be answered by the leader take the request's `token` (routes/acl `writeToken`):
 * a follower forwards it and the leader checks it again, as it does a forwarded write.
 */
export interface OperatorServices {
  /** The Raft configuration; default mode asks the leader (LastIndex known there), stale answers locally. */
  raftConfiguration(stale: boolean, token: string): Promise<RaftConfigurationView>;
  /**
   * Removes a server from the Raft configuration (on the leader). Rejects with Consul's
   * `id "…" was not found in the Raft configuration` / `address "…" …` texts.
   */
  removeRaftPeer(peer: PeerSelector, token: string): Promise<void>;
  /** Hands leadership to `id` (or the most up-to-date voter). */
  transferLeader(id: string | undefined, token: string): Promise<void>;

  /** The replicated autopilot configuration (the agent's defaults until a leader stored one). */
  autopilotConfiguration(): AutopilotConfigView;
  /**
   * Proposes a new configuration; with `cas`, only if the stored ModifyIndex equals it. Resolves
   * with whether it was written.
   */
  setAutopilotConfiguration(config: AutopilotConfigInput, cas: number | null, token: string): Promise<boolean>;
  /** The leader's view of every server's health (asked of the leader). */
  autopilotHealth(token: string): Promise<AutopilotHealthView>;

  /** Takes a snapshot archive (stale: on this server; else on the leader). */
  snapshotSave(stale: boolean, token: string): Promise<SnapshotDownload>;
  /**
   * Restores an archive through Raft (on the leader). Rejects with Consul's texts for a damaged
   * archive (`failed to read snapshot file: …`); nothing changes then.
   */
  snapshotRestore(archive: AsyncIterable<Uint8Array>, token: string): Promise<void>;
}
