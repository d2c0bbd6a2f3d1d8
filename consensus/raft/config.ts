// Tunables of the Raft core. Time is counted in ticks (the driver decides how long a tick is);
// sizes in bytes. Every bound the core enforces is one of these named values.

import type { NodeId } from './types.ts';

export interface RaftConfig {
  /** This node's id. */
  readonly id: NodeId;
  /**
   * Ticks a follower waits without hearing from a leader before campaigning. The actual
   * timeout is drawn uniformly from [electionTicks, 2 * electionTicks) so elections rarely tie.
   */
  readonly electionTicks: number;
  /** Ticks between leader heartbeats; must be well below electionTicks. */
  readonly heartbeatTicks: number;
  /** Run a pre-vote round first, so a node rejoining after a partition cannot disrupt (§9.6). */
  readonly preVote: boolean;
  /**
   * A leader steps down if it has not heard from a quorum within electionTicks, and followers
   * that heard from a leader within electionTicks ignore vote requests (the leader's lease).
   */
  readonly checkQuorum: boolean;
  /**
   * A leader may answer default-consistency reads locally while a quorum acknowledged it within
   * the last leaseTicks. Must be below electionTicks by more than a message round trip plus
   * clock drift; requires checkQuorum.
   */
  readonly leaseTicks: number;
  /** Append messages in flight to one follower while replicating (pipelining depth). */
  readonly maxInflightMsgs: number;
  /** Bytes of entries in flight to one follower; bounds memory and link occupancy. */
  readonly maxInflightBytes: number;
  /** Target size of one append message's entries (at least one entry is always sent). */
  readonly maxBytesPerMsg: number;
  /** Bytes of committed entries handed to the driver in one Ready (at least one entry). */
  readonly maxCommittedBytesPerReady: number;
  /** Bytes of proposed but uncommitted entries the leader accepts before refusing proposals. */
  readonly maxUncommittedBytes: number;
  /** Outstanding ReadIndex requests (local and forwarded) a leader tracks. */
  readonly maxPendingReads: number;
  /** Entries applied since the last snapshot after which Ready.snapshotDue is raised. */
  readonly snapshotThreshold: number;
  /** Entries kept behind a snapshot so slightly lagging followers need no snapshot. */
  readonly snapshotTrailing: number;
  /** Ticks a follower may stay in snapshot state without an answer before it is probed again. */
  readonly snapshotSendTimeoutTicks: number;
}

export type RaftOptions = Partial<RaftConfig> & Pick<RaftConfig, 'id'>;

export const DEFAULT_RAFT_CONFIG = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  leaseTicks: 5,
  maxInflightMsgs: 256,
  maxInflightBytes: 16 * 1024 * 1024,
  maxBytesPerMsg: 1024 * 1024,
  maxCommittedBytesPerReady: 4 * 1024 * 1024,
  maxUncommittedBytes: 64 * 1024 * 1024,
  maxPendingReads: 4096,
  snapshotThreshold: 16_384,
  snapshotTrailing: 10_240,
  snapshotSendTimeoutTicks: 600,
} as const satisfies Omit<RaftConfig, 'id'>;

export type ConfigError = { readonly field: keyof RaftConfig; readonly message: string };

/** Fills defaults and validates; returns the first problem found as a value. */
export function resolveConfig(options: RaftOptions): RaftConfig | ConfigError {
  const config: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...options };
  const problem = validate(config);
  return problem ?? config;
}

export function isConfigError(value: RaftConfig | ConfigError): value is ConfigError {
  return 'field' in value;
}

export function validate(c: RaftConfig): ConfigError | null {
  const positive: (keyof RaftConfig)[] = [
    'electionTicks',
    'heartbeatTicks',
    'leaseTicks',
    'maxInflightMsgs',
    'maxInflightBytes',
    'maxBytesPerMsg',
    'maxCommittedBytesPerReady',
    'maxUncommittedBytes',
    'maxPendingReads',
    'snapshotThreshold',
    'snapshotSendTimeoutTicks',
  ];
  for (const field of positive) {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      return { field, message: `${field} must be a positive integer, got ${String(v)}` };
    }
  }
  if (!Number.isSafeInteger(c.snapshotTrailing) || c.snapshotTrailing < 0) {
    return { field: 'snapshotTrailing', message: 'snapshotTrailing must be a non-negative integer' };
  }
  if (c.heartbeatTicks >= c.electionTicks) {
    return { field: 'heartbeatTicks', message: 'heartbeatTicks must be below electionTicks' };
  }
  if (c.leaseTicks >= c.electionTicks) {
    return { field: 'leaseTicks', message: 'leaseTicks must be below electionTicks' };
  }
  if (c.id.length === 0) return { field: 'id', message: 'id must not be empty' };
  return null;
}
