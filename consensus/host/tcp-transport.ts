// The cluster port over TCP (default 8300). Each server dials one persistent connection to
// every peer it talks to and sends its Raft messages and requests on it; answers come back on
// the same connection. A peer's connection is re-dialled with capped exponential backoff after
// a failure. Raft batches sent while the peer is backing off are dropped at once (Raft
// retransmits; stale heartbeats are worthless), requests fail fast with TransportError.
// Outgoing connections leave from the bind address, as Consul's do, so a peer (or a
// fault-injecting proxy in tests) sees which server dialled by the source address.
// Frame format and authentication: frame.ts and frame-auth.ts.
import { randomBytes } from 'node:crypto';
import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import type { CancelTimer, Clock } from './clock.ts';
import { decodeBatch, encodeBatch } from './codec.ts';
import { RemoteError, ShutdownError, TimeoutError, TransportError } from './errors.ts';
import { NONCE_BYTES } from './frame-auth.ts';
import { type Frame, FRAME_HEADER_BYTES, FrameKind, MAC_BYTES, MAX_FRAME_BYTES } from './frame.ts';
import type { Logger } from './logger.ts';
import { Connection, type ConnectionEvents } from './tcp-connection.ts';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type MessageHandler,
  type PeerIdentity,
  type PeerRef,
  type RequestHandler,
  type RequestOptions,
  RpcChannel,
  type Transport,
} from './transport.ts';
import type { Message } from '../raft/types.ts';

/** First re-dial delay after a failed connection; doubled per failure up to the cap. */
const BACKOFF_BASE_MS = 50;
/** Longest re-dial delay: a restarted peer is found again within this. */
const BACKOFF_MAX_MS = 2_000;
/** A dial that has not connected by then is abandoned (and backed off). */
const CONNECT_TIMEOUT_MS = 3_000;
/** Requests awaiting an answer, over all peers; more are refused rather than queued. */
export const MAX_OUTSTANDING_REQUESTS = 4_096;
/** Requests one incoming connection may have in service; more are answered "busy". */
export const MAX_SERVING_PER_CONNECTION = 512;
/** RPC frame header: u32 correlation id, u8 channel or status, 3 bytes padding. */
const RPC_HEADER_BYTES = 8;

const ResponseStatus = { Ok: 0, Error: 1, NoHandler: 2, Busy: 3 } as const;
/** Largest frame body: what fits a frame with its header and MAC. */
const MAX_BODY_BYTES = MAX_FRAME_BYTES - FRAME_HEADER_BYTES - MAC_BYTES;

export interface TcpTransportOptions {
  readonly nodeId: string;
  /** Interface to listen on, e.g. "0.0.0.0" or "127.0.0.1". */
  readonly bindHost: string;
  /** Port to listen on; 0 picks a free one (tests). */
  readonly port: number;
  /** The "host:port" peers should dial; defaults to bindHost and the bound port. */
  readonly advertise?: string;
  /** 32-byte cluster key (`-encrypt`); when set every frame is authenticated. */
  readonly clusterKey?: Uint8Array;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Pending {
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (err: Error) => void;
  readonly conn: Connection;
  readonly cancelTimer: CancelTimer;
}

interface Peer {
  readonly address: string;
  conn: Connection | undefined;
  failures: number;
  /** Set while waiting to re-dial. */
  cancelBackoff: CancelTimer | undefined;
}

export class TcpTransport implements Transport {
  readonly localAddress: string;
  private readonly peers = new Map<string, Peer>();
  private readonly inbound = new Set<Connection>();
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<number, RequestHandler>();
  private messageHandler: MessageHandler | undefined;
  private nextRequestId = 1;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly opts: TcpTransportOptions,
    boundPort: number,
  ) {
    this.localAddress = opts.advertise ?? formatAddress(opts.bindHost, boundPort);
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Binds the cluster port and returns the running transport. */
  static async listen(opts: TcpTransportOptions): Promise<TcpTransport> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.bindHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('cluster port: unexpected listen address');
    return new TcpTransport(server, opts, address.port);
  }

  onMessages(handler: MessageHandler): void {
    this.messageHandler = handler;
  }

  handle(channel: RpcChannel, handler: RequestHandler | undefined): void {
    if (handler === undefined) this.handlers.delete(channel);
    else this.handlers.set(channel, handler);
  }

  send(to: PeerRef, messages: readonly Message[]): boolean {
    if (this.closed || messages.length === 0) return false;
    const conn = this.connectionTo(to.address);
    if (conn === undefined) return false;
    const parts = encodeBatch(messages);
    const bytes = sumBytes(parts);
    if (bytes > MAX_BODY_BYTES / 2 && messages.length > 1) {
      const half = Math.ceil(messages.length / 2);
      return this.send(to, messages.slice(0, half)) && this.send(to, messages.slice(half));
    }
    if (bytes > MAX_BODY_BYTES) {
      // One message this large means an entry beyond every configured limit; drop it loudly.
      this.opts.logger.error({ peer: to.id, bytes }, 'cluster port: Raft message too large for one frame, dropped');
      return false;
    }
    return conn.enqueueRaft(parts);
  }

  request(address: string, payload: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new ShutdownError('cluster transport is closed'));
    try {
      parseAddress(address);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (this.pending.size >= MAX_OUTSTANDING_REQUESTS) {
      return Promise.reject(new TransportError(`too many outstanding cluster requests (${MAX_OUTSTANDING_REQUESTS})`));
    }
    if (payload.byteLength + RPC_HEADER_BYTES > MAX_BODY_BYTES) {
      return Promise.reject(new TransportError(`request of ${payload.byteLength} bytes exceeds the frame limit`));
    }
    const conn = this.connectionTo(address);
    if (conn === undefined) return Promise.reject(new TransportError(`server ${address} is unreachable (reconnecting)`));
    const id = this.allocateRequestId();
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<Uint8Array>((resolve, reject) => {
      const cancelTimer = this.opts.clock.setTimer(timeoutMs, () => {
        if (this.pending.delete(id)) reject(new TimeoutError(`request to ${address} timed out after ${timeoutMs} ms`));
      });
      this.pending.set(id, { resolve, reject, conn, cancelTimer });
      const header = rpcHeader(id, options.channel ?? RpcChannel.App);
      conn.enqueue(FrameKind.Request, [header, payload], options.lane ?? 'control');
    });
  }

  disconnect(address: string): void {
    const peer = this.peers.get(address);
    if (peer === undefined) return;
    this.peers.delete(address);
    peer.cancelBackoff?.();
    peer.conn?.close('peer removed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.cancelTimer();
      p.reject(new ShutdownError('cluster transport is closed'));
    }
    for (const address of [...this.peers.keys()]) this.disconnect(address);
    for (const conn of [...this.inbound]) conn.close('transport closed');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The live (or connecting) connection to `address`; undefined while backing off. */
  private connectionTo(address: string): Connection | undefined {
    let peer = this.peers.get(address);
    if (peer === undefined) {
      peer = { address, conn: undefined, failures: 0, cancelBackoff: undefined };
      this.peers.set(address, peer);
    }
    if (peer.conn !== undefined) return peer.conn;
    if (peer.cancelBackoff !== undefined) return undefined;
    peer.conn = this.dial(peer);
    return peer.conn;
  }

  private dial(peer: Peer): Connection {
    const { host, port } = parseAddress(peer.address);
    const localAddress = sourceAddress(this.opts.bindHost, host);
    const socket = connect({ host, port, noDelay: true, ...(localAddress === undefined ? {} : { localAddress }) });
    const conn = this.newConnection(socket, 'dialer', peer.address, {
      onOpen: () => {
        peer.failures = 0;
        this.opts.logger.debug({ peer: peer.address, nodeId: conn.remote?.nodeId }, 'cluster port: connected');
      },
      onFrame: (c, frame) => this.onDialerFrame(c, frame),
      onClose: (c, reason) => this.onDialerClosed(peer, c, reason),
    });
    const cancelConnectTimer = this.opts.clock.setTimer(CONNECT_TIMEOUT_MS, () => conn.close('connect timed out'));
    socket.once('connect', () => {
      cancelConnectTimer();
      conn.begin();
    });
    socket.once('close', cancelConnectTimer);
    return conn;
  }

  private onDialerClosed(peer: Peer, conn: Connection, reason: string): void {
    for (const [id, p] of this.pending) {
      if (p.conn !== conn) continue;
      this.pending.delete(id);
      p.cancelTimer();
      p.reject(new TransportError(`connection to ${peer.address} lost: ${reason}`, conn.hasOpened));
    }
    if (peer.conn !== conn) return;
    peer.conn = undefined;
    if (this.closed || this.peers.get(peer.address) !== peer) return;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(peer.failures, 16));
    peer.failures++;
    this.opts.logger.debug({ peer: peer.address, reason, retryInMs: delay }, 'cluster port: connection closed');
    peer.cancelBackoff = this.opts.clock.setTimer(delay, () => {
      peer.cancelBackoff = undefined;
    });
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const label = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const conn = this.newConnection(socket, 'listener', label, {
      onOpen: () => {},
      onFrame: (c, frame) => this.onListenerFrame(c, frame),
      onClose: (c) => this.inbound.delete(c),
    });
    this.inbound.add(conn);
  }

  private newConnection(socket: Socket, role: 'dialer' | 'listener', label: string, events: ConnectionEvents): Connection {
    return new Connection(
      socket,
      {
        role,
        local: { nodeId: this.opts.nodeId, address: this.localAddress },
        clusterKey: this.opts.clusterKey,
        clock: this.opts.clock,
        logger: this.opts.logger,
        randomNonce: () => new Uint8Array(randomBytes(NONCE_BYTES)),
        remoteLabel: label,
      },
      events,
    );
  }

  /** Dialers receive only answers to their requests. */
  private onDialerFrame(conn: Connection, frame: Frame): void {
    if (frame.kind !== FrameKind.Response) {
      this.protocolError(conn, `unexpected frame kind ${frame.kind} on a dialled connection`);
      return;
    }
    const header = readRpcHeader(frame.body);
    if (header === undefined) return this.protocolError(conn, 'short response frame');
    const { id, code } = header;
    const p = this.pending.get(id);
    if (p === undefined || p.conn !== conn) return; // timed out already
    this.pending.delete(id);
    p.cancelTimer();
    const payload = frame.body.subarray(RPC_HEADER_BYTES);
    if (code === ResponseStatus.Ok) p.resolve(payload);
    else if (code === ResponseStatus.Error) p.reject(new RemoteError(new TextDecoder().decode(payload)));
    else if (code === ResponseStatus.NoHandler) p.reject(new TransportError('the server does not serve this request channel'));
    else p.reject(new TransportError('the server is busy'));
  }

  /** Listeners receive Raft batches and requests. */
  private onListenerFrame(conn: Connection, frame: Frame): void {
    const from = conn.remote as PeerIdentity;
    if (frame.kind === FrameKind.Raft) {
      this.deliverRaft(conn, frame.body, from);
    } else if (frame.kind === FrameKind.Request) {
      this.serve(conn, frame.body, from);
    } else {
      this.protocolError(conn, `unexpected frame kind ${frame.kind} on an accepted connection`);
    }
  }

  private deliverRaft(conn: Connection, body: Uint8Array, from: PeerIdentity): void {
    let messages: Message[];
    try {
      messages = decodeBatch(body);
    } catch (err) {
      this.protocolError(conn, `undecodable Raft batch: ${(err as Error).message}`);
      return;
    }
    this.messageHandler?.(messages, from);
  }

  private serve(conn: Connection, body: Uint8Array, from: PeerIdentity): void {
    const header = readRpcHeader(body);
    if (header === undefined) return this.protocolError(conn, 'short request frame');
    const { id, code: channel } = header;
    const respond = (status: number, payload: Uint8Array): void => {
      if (payload.byteLength + RPC_HEADER_BYTES > MAX_BODY_BYTES) {
        status = ResponseStatus.Error;
        payload = new TextEncoder().encode(`response of ${payload.byteLength} bytes exceeds the frame limit`);
      }
      conn.enqueue(FrameKind.Response, [rpcHeader(id, status), payload], 'control');
    };
    const handler = this.handlers.get(channel);
    if (handler === undefined) return respond(ResponseStatus.NoHandler, new Uint8Array());
    if (conn.servingRequests >= MAX_SERVING_PER_CONNECTION) return respond(ResponseStatus.Busy, new Uint8Array());
    conn.servingRequests++;
    handler(body.subarray(RPC_HEADER_BYTES), from).then(
      (answer) => {
        conn.servingRequests--;
        respond(ResponseStatus.Ok, answer);
      },
      (err: unknown) => {
        conn.servingRequests--;
        respond(ResponseStatus.Error, new TextEncoder().encode(err instanceof Error ? err.message : String(err)));
      },
    );
  }

  private protocolError(conn: Connection, reason: string): void {
    this.opts.logger.warn({ peer: conn.remote?.nodeId, reason }, 'cluster port: protocol error, dropping connection');
    conn.close(reason);
  }

  private allocateRequestId(): number {
    // u32 ids wrap; a collision needs 2^32 requests outstanding, which MAX_OUTSTANDING_REQUESTS rules out.
    let id = this.nextRequestId;
    while (this.pending.has(id)) id = (id % 0xffff_ffff) + 1;
    this.nextRequestId = (id % 0xffff_ffff) + 1;
    return id;
  }
}

function rpcHeader(id: number, code: number): Uint8Array {
  const b = new Uint8Array(RPC_HEADER_BYTES);
  const v = new DataView(b.buffer);
  v.setUint32(0, id);
  v.setUint8(4, code);
  return b;
}

/** Undefined when the body is too short to hold the header. */
function readRpcHeader(body: Uint8Array): { id: number; code: number } | undefined {
  if (body.byteLength < RPC_HEADER_BYTES) return undefined;
  const v = new DataView(body.buffer, body.byteOffset, RPC_HEADER_BYTES);
  return { id: v.getUint32(0), code: v.getUint8(4) };
}

function sumBytes(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}

/**
 * The address outgoing connections bind to: the bind address when it names one interface of
 * the peer's address family. Not for a wildcard bind (the kernel chooses), a host name, or a
 * loopback bind dialling a non-loopback peer (that route could not work).
 */
export function sourceAddress(bindHost: string, peerHost: string): string | undefined {
  const family = isIP(bindHost);
  if (family === 0 || family !== isIP(peerHost)) return undefined;
  if (bindHost === '0.0.0.0' || bindHost === '::') return undefined;
  if (isLoopback(bindHost) && !isLoopback(peerHost)) return undefined;
  return bindHost;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** "host:port", with IPv6 hosts in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535 || host.length === 0) {
    throw new TransportError(`bad cluster address "${address}" (want host:port)`);
  }
  return { host, port };
}
