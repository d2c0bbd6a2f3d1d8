// The cluster transport as the Raft host (and app/) see it. TcpTransport is the production
// binding; the deterministic simulation substitutes a simulated network with the same
// contract, which is why this is an interface and nothing here mentions sockets.
//
// Two services share it:
//  - Raft messages: fire-and-forget batches to a peer. Loss is allowed (Raft retransmits) and
//    send() never blocks: a full queue drops the batch and says so.
//  - Request/response RPC: a correlation id per request, a bounded number outstanding, a
//    per-request deadline. app/ uses channel App to forward writes and joins to the leader;
//    the host uses channel Snapshot to stream InstallSnapshot chunks with per-chunk acks.
import type { Message } from '../raft/types.ts';

/** A Raft peer: its node id and the cluster address ("host:port") to dial. */
export interface PeerRef {
  readonly id: string;
  readonly address: string;
}

/** Who sent something, as the sender's handshake announced it. */
export interface PeerIdentity {
  readonly nodeId: string;
  /** The sender's own cluster address (what to dial to reach it). */
  readonly address: string;
}

/** RPC channels. The numbers are on the wire: never renumber. */
export const RpcChannel = {
  /** app/: forwarded writes, read barriers, join requests. */
  App: 1,
  /** consensus/host: InstallSnapshot chunks. */
  Snapshot: 2,
  /** app/: operator requests to the leader (Raft configuration, autopilot, snapshot transfers). */
  Operator: 3,
} as const;
export type RpcChannel = (typeof RpcChannel)[keyof typeof RpcChannel];

export interface RequestOptions {
  /** Default RpcChannel.App. */
  readonly channel?: RpcChannel;
  /** Default DEFAULT_REQUEST_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** 'bulk' requests (snapshot chunks) yield to Raft traffic on the connection. Default 'control'. */
  readonly lane?: 'control' | 'bulk';
}

/** A request handler; a rejection is returned to the caller as a RemoteError with its message. */
export type RequestHandler = (payload: Uint8Array, from: PeerIdentity) => Promise<Uint8Array>;

export type MessageHandler = (messages: readonly Message[], from: PeerIdentity) => void;

/** How long a request may wait for its answer unless the caller says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface Transport {
  /** This node's cluster address as peers dial it. */
  readonly localAddress: string;

  /**
   * Queues a batch of Raft messages (all to `to.id`) without blocking. Returns false when the
   * batch was dropped (queue full, peer unreachable, transport closed); Raft recovers.
   */
  send(to: PeerRef, messages: readonly Message[]): boolean;

  /** Sets the single consumer of incoming Raft message batches (the Raft host). */
  onMessages(handler: MessageHandler): void;

  /**
   * Sends a request to the server at `address` and resolves with its answer. Rejects with
   * TimeoutError, TransportError (unreachable, connection lost, too many outstanding),
   * RemoteError (the handler failed) or ShutdownError (this transport closed).
   */
  request(address: string, payload: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;

  /** Registers (or with undefined removes) the handler for incoming requests on `channel`. */
  handle(channel: RpcChannel, handler: RequestHandler | undefined): void;

  /** Drops the connection to `address` (a server left the configuration). */
  disconnect(address: string): void;

  /** Closes every connection and the listener; pending requests reject with ShutdownError. */
  close(): Promise<void>;
}
