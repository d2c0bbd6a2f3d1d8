// What the HTTP layer needs from the rest of the server, owned by the HTTP layer (rqlite's
// http.Store stance). app/ implements it over the Raft host and the SQLite store; tests
// implement it over a real SQLite store and a single-node applier. Routes never see Raft.
import type { WaitTimer } from '../storage/blocking-query.ts';
import type { Command, ResultOf } from '../storage/commands.ts';
import type { StateReads } from '../storage/state-store.ts';
import type { SessionEntry } from '../storage/types.ts';
import type { WatchHub } from '../storage/watch-hub.ts';
import type { AclServices } from './acl/acl-services.ts';
import type { AgentApi } from './agent/agent-api.ts';
import type { MetricsServices } from './metrics/metrics-services.ts';
import type { OperatorServices } from './operator/operator-services.ts';

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

/** The HTTP layer's configurable limits (Consul's names in comments). */
export interface HttpLimits {
  /** kv_max_value_size: largest KV value, also the floor of the txn body limit. */
  readonly kvMaxValueSize: number;
  /** txn_max_req_len: largest /v1/txn body. */
  readonly txnMaxReqLen: number;
  /** default_query_time: blocking wait when ?wait is absent or not positive. */
  readonly defaultQueryTimeMs: number;
  /** max_query_time: ?wait is clamped to this. */
  readonly maxQueryTimeMs: number;
  /** session_ttl_min: shortest session TTL accepted (the longest is Consul's fixed 24 h). */
  readonly sessionTtlMinMs: number;
}

/** Consul's defaults for HttpLimits. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  kvMaxValueSize: 512 * 1024,
  txnMaxReqLen: 512 * 1024,
  defaultQueryTimeMs: 5 * 60_000,
  maxQueryTimeMs: 10 * 60_000,
  sessionTtlMinMs: 10_000,
};

export interface RaftStatus {
  /** The leader's cluster address "ip:port", or "" when there is none. */
  readonly leader: string;
  /** Cluster addresses of the voters, sorted. */
  readonly peers: readonly string[];
}

export interface ApplyOutcome<R = unknown> {
  /** The Raft index the command was committed at (its CreateIndex/ModifyIndex). */
  readonly index: number;
  /** The FSM's result for this command (see storage/commands.ts CommandResults). */
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
  readonly limits: HttpLimits;

  /** This server's applied state. Reads are synchronous and see whole applied batches. */
  readonly state: StateReads;
  /** Wakes blocking queries when the rows they read change (fed by the FSM after each batch). */
  readonly watches: WatchHub;
  /** The timer bounding a blocking query's wait (storage's realTimer in production). */
  readonly waitTimer: WaitTimer;
  /** Uniform in [0, 1): the blocking wait's jitter. Injected so tests are deterministic. */
  random(): number;

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
   * resolves once it is applied locally. Leader-side pre-checks (lock-delay for KV acquire and
   * txn lock ops) run on the leader and surface as the command's ordinary result. Rejects with
   * NoClusterLeaderError when no leader accepts it within the hold timeout.
   * `token` is the caller's ACL secret ("" for none), re-authorized on the leader.
   */
  apply<C extends Command>(command: C, token: string): Promise<ApplyOutcome<ResultOf<C['type']>>>;

  /**
   * Resets a session's TTL timer on the leader and returns the session as the leader holds it,
   * or null when it does not exist (Consul answers 404).
   */
  renewSession(id: string, token: string): Promise<SessionEntry | null>;

  raftStatus(): RaftStatus;

  /** A fresh lowercase 8-4-4-4-12 UUID (session IDs, node IDs). Injected for tests. */
  uuid(): string;

  /** This server's local agent: its services and checks, members, join/leave (/v1/agent/*). */
  readonly agent: AgentApi;

  /** Records an unexpected failure behind a 500 (app/ logs it; request tokens are never passed). */
  reportError(error: unknown, request: { readonly method: string; readonly path: string }): void;

  /** The ACL system (absent: ACLs are disabled — everything is allowed, /v1/acl/* answers 401). */
  readonly acl?: AclServices;
  /** Snapshots, Raft membership and autopilot (absent: those endpoints answer 500). */
  readonly operator?: OperatorServices;
  /** Metrics exposition and request instrumentation (absent: not collected). */
  readonly metrics?: MetricsServices;
}
