// What the HTTP layer needs from the rest of the server, owned by the HTTP layer (rqlite's
// http.Store stance). app/ implements it over the Raft host and the SQLite store; tests
// implement it over a real SQLite store and a single-node applier. Routes never see Raft.
import type { Command } from '../storage/commands.ts';

export type ConsistencyMode = 'default' | 'stale' | 'consistent';

/** Query metadata every read reports (X-Consul-KnownLeader, X-Consul-LastContact). */
export interface ReadMeta {
  readonly knownLeader: boolean;
  /** Milliseconds since this server last heard from the leader; 0 on the leader. */
  readonly lastContactMs: number;
}

export interface ServerInfo {
  readonly datacenter: string;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly version: string;
}

export interface RaftStatus {
  /** The leader's cluster address "ip:port", or "" when there is none. */
  readonly leader: string;
  /** Cluster addresses of the voters, sorted. */
  readonly peers: readonly string[];
}

export interface ApplyOutcome<R = unknown> {
  /** The Raft index the command was committed at (its CreateIndex/ModifyIndex). */
  readonly index: number;
  /** The FSM's result for this command (see storage/commands.ts result types). */
  readonly result: R;
}

/** Consul's 500 "No cluster leader": no leader answered within the hold timeout. */
export class NoClusterLeaderError extends Error {
  constructor() {
    super('No cluster leader');
    this.name = 'NoClusterLeaderError';
  }
}

/** Consul's 500 "Not ready to serve consistent reads". */
export class NotReadyForConsistentReadsError extends Error {
  constructor() {
    super('Not ready to serve consistent reads');
    this.name = 'NotReadyForConsistentReadsError';
  }
}

export interface Services {
  readonly info: ServerInfo;

  /**
   * Waits until this server may answer a read in `mode` from its local state:
   * - 'stale': at once if the server has ever heard from a leader;
   * - 'default': once local state has applied at least the leader's commit index as of now
   *   (the leader confirms it from its lease; no quorum round);
   * - 'consistent': the same after the leader has confirmed leadership with a quorum (ReadIndex).
   * Rejects with NoClusterLeaderError / NotReadyForConsistentReadsError.
   */
  readBarrier(mode: ConsistencyMode): Promise<ReadMeta>;

  /** Query metadata as of now, without waiting (for responses after a blocking wait). */
  readMeta(): ReadMeta;

  /**
   * Proposes a command through Raft (forwarded to the leader when this server is not it) and
   * resolves once it is applied locally. Leader-side pre-checks (lock-delay for KV acquire)
   * run on the leader and surface as the command's ordinary result. Rejects with
   * NoClusterLeaderError when no leader accepts it within the hold timeout.
   * `token` is the caller's ACL secret, re-authorized on the leader.
   */
  apply<R = unknown>(command: Command, token?: string): Promise<ApplyOutcome<R>>;

  /** Resets a session's TTL timer on the leader. false when the session does not exist. */
  renewSession(id: string, token?: string): Promise<boolean>;

  raftStatus(): RaftStatus;

  /** A fresh lowercase 8-4-4-4-12 UUID (session IDs, node IDs). Injected for tests. */
  uuid(): string;
}
