// One cluster-port TCP connection: the Hello/HelloAck handshake, MAC signing and checking,
// frame decoding, and a two-lane send queue. The control lane (Raft messages, RPC requests
// and responses) is always written first; a bulk frame (a snapshot chunk) is written only when
// the control lane is empty and the socket has flushed the previous bulk frame, so a
// multi-megabyte snapshot never sits in front of more than one chunk's worth of heartbeats.
import type { Socket } from 'node:net';
import type { Clock, CancelTimer } from './clock.ts';
import {
  decodeHello,
  decodeHelloAck,
  encodeHello,
  encodeHelloAck,
  type FrameAuth,
  handshakeAuth,
  HELLO_ACK_LABEL,
  HELLO_LABEL,
  NONCE_BYTES,
  sessionAuth,
} from './frame-auth.ts';
import { encodeHeader, type Frame, FrameDecoder, FrameError, FrameKind } from './frame.ts';
import type { Logger } from './logger.ts';

/** Socket bytes buffered in user space beyond which control frames wait in our own queue. */
const CONTROL_HIGH_WATER_BYTES = 1024 * 1024;
/** Raft frames queued (not yet handed to the socket) beyond which new Raft frames are dropped. */
export const MAX_QUEUED_RAFT_BYTES = 8 * 1024 * 1024;
/** Frame count bound for the same queue; Raft retransmits whatever is dropped. */
export const MAX_QUEUED_RAFT_FRAMES = 4096;
/** A peer that has not completed the handshake by then is cut off. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/**
 * A socket that has not drained its buffer for this long is treated as dead (a peer that
 * vanished without a FIN would otherwise hold the connection until TCP gives up, minutes).
 */
export const WRITE_STALL_TIMEOUT_MS = 10_000;
/** TCP keepalive probes find idle connections to vanished peers. */
const KEEPALIVE_MS = 5_000;

export type Lane = 'control' | 'bulk';
export type Role = 'dialer' | 'listener';

export interface PeerIdentity {
  readonly nodeId: string;
  readonly address: string;
}

export interface ConnectionOptions {
  readonly role: Role;
  readonly local: PeerIdentity;
  readonly clusterKey: Uint8Array | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly randomNonce: () => Uint8Array;
  /** For logs: the address dialled, or the socket's remote address. */
  readonly remoteLabel: string;
}

export interface ConnectionEvents {
  /** The handshake completed; frames now flow. */
  onOpen(conn: Connection): void;
  /** An authenticated frame after the handshake. */
  onFrame(conn: Connection, frame: Frame): void;
  /** Called exactly once, when the connection is closed for any reason. */
  onClose(conn: Connection, reason: string): void;
}

interface Outgoing {
  readonly kind: FrameKind;
  readonly body: readonly Uint8Array[];
  readonly bytes: number;
  readonly raft: boolean;
}

type State = 'handshaking' | 'open' | 'closed';

export class Connection {
  private state: State = 'handshaking';
  private opened = false;
  private auth: FrameAuth;
  private readonly decoder = new FrameDecoder();
  private readonly control: Outgoing[] = [];
  private readonly bulk: Outgoing[] = [];
  private queuedRaftBytes = 0;
  private queuedRaftFrames = 0;
  private bulkInFlight = false;
  private readonly nonce: Uint8Array;
  private cancelHandshakeTimer: CancelTimer | undefined;
  private cancelStallTimer: CancelTimer | undefined;
  /** Who is on the other end, once the handshake says so. */
  remote: PeerIdentity | undefined;
  /** Requests this side is serving on the connection (listener side), for the concurrency bound. */
  servingRequests = 0;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.nonce = opts.randomNonce();
    if (this.nonce.byteLength !== NONCE_BYTES) throw new RangeError('nonce generator returned the wrong size');
    this.auth =
      opts.role === 'dialer'
        ? handshakeAuth(opts.clusterKey, HELLO_LABEL, HELLO_ACK_LABEL)
        : handshakeAuth(opts.clusterKey, HELLO_ACK_LABEL, HELLO_LABEL);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.cancelStallTimer?.();
      this.cancelStallTimer = undefined;
      this.pump();
    });
    socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    socket.on('close', () => this.close('socket closed'));
    this.cancelHandshakeTimer = opts.clock.setTimer(HANDSHAKE_TIMEOUT_MS, () => this.close('handshake timed out'));
  }

  /** Starts the handshake; the dialer speaks first once the socket is connected. */
  begin(): void {
    if (this.opts.role !== 'dialer' || this.state !== 'handshaking') return;
    const hello = encodeHello({ nonce: this.nonce, nodeId: this.opts.local.nodeId, address: this.opts.local.address });
    this.writeFrame({ kind: FrameKind.Hello, body: [hello], bytes: hello.byteLength, raft: false });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Whether the handshake ever completed. Frames are queued until then, so a connection that
   * never opened (refused, timed out, failed its handshake) wrote no request to the peer.
   */
  get hasOpened(): boolean {
    return this.opened;
  }

  /**
   * Queues a Raft frame. Returns false (and drops it) when the Raft queue is over its bound:
   * the driver must never block on a slow peer, and Raft recovers lost messages itself.
   */
  enqueueRaft(body: readonly Uint8Array[]): boolean {
    if (this.state === 'closed') return false;
    const bytes = sumBytes(body);
    if (this.queuedRaftFrames >= MAX_QUEUED_RAFT_FRAMES || this.queuedRaftBytes + bytes > MAX_QUEUED_RAFT_BYTES) {
      return false;
    }
    this.queuedRaftBytes += bytes;
    this.queuedRaftFrames++;
    this.control.push({ kind: FrameKind.Raft, body, bytes, raft: true });
    this.pump();
    return true;
  }

  /** Queues an RPC frame; these are bounded by the callers (outstanding-request limits). */
  enqueue(kind: FrameKind, body: readonly Uint8Array[], lane: Lane): void {
    if (this.state === 'closed') return;
    const frame = { kind, body, bytes: sumBytes(body), raft: false };
    (lane === 'bulk' ? this.bulk : this.control).push(frame);
    this.pump();
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelHandshakeTimer?.();
    this.cancelStallTimer?.();
    this.control.length = 0;
    this.bulk.length = 0;
    this.socket.destroy();
    this.events.onClose(this, reason);
  }

  private pump(): void {
    if (this.state !== 'open') return;
    // Bounded by the queue length; each iteration removes one frame.
    while (this.control.length > 0 && this.socket.writableLength < CONTROL_HIGH_WATER_BYTES) {
      const next = this.control.shift() as Outgoing;
      if (next.raft) {
        this.queuedRaftBytes -= next.bytes;
        this.queuedRaftFrames--;
      }
      this.writeFrame(next);
    }
    if (this.control.length > 0 || this.bulkInFlight || this.socket.writableLength > 0) return;
    const chunk = this.bulk.shift();
    if (chunk === undefined) return;
    this.bulkInFlight = true;
    this.writeFrame(chunk, () => {
      this.bulkInFlight = false;
      this.pump();
    });
  }

  private writeFrame(f: Outgoing, flushed?: () => void): void {
    const header = encodeHeader(f.kind, f.bytes, this.auth.withMac);
    const mac = this.auth.sign(header, f.body);
    const parts = [header, ...f.body.filter((p) => p.byteLength > 0)];
    if (mac.byteLength > 0) parts.push(mac);
    this.socket.cork();
    const last = parts.length - 1;
    let accepted = true;
    parts.forEach((p, i) => {
      accepted = i === last && flushed !== undefined ? this.socket.write(p, () => flushed()) : this.socket.write(p);
    });
    this.socket.uncork();
    if (!accepted && this.cancelStallTimer === undefined) {
      this.cancelStallTimer = this.opts.clock.setTimer(WRITE_STALL_TIMEOUT_MS, () => this.close('peer stopped reading (write stalled)'));
    }
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.reject(err instanceof FrameError ? err.message : String(err));
      return;
    }
    for (const frame of frames) {
      if (this.isClosed) return;
      const failure = this.auth.verify(frame);
      if (failure !== undefined) {
        this.reject(failure);
        return;
      }
      if (this.state === 'handshaking') this.onHandshakeFrame(frame);
      else this.events.onFrame(this, frame);
    }
  }

  private onHandshakeFrame(frame: Frame): void {
    try {
      if (this.opts.role === 'listener') this.onHello(frame);
      else this.onHelloAck(frame);
    } catch (err) {
      this.reject(err instanceof Error ? err.message : String(err));
    }
  }

  private onHello(frame: Frame): void {
    if (frame.kind !== FrameKind.Hello) throw new FrameError(`expected Hello, got frame kind ${frame.kind}`);
    const hello = decodeHello(frame.body);
    const ack = encodeHelloAck({ dialerNonce: hello.nonce, nonce: this.nonce, nodeId: this.opts.local.nodeId });
    this.writeFrame({ kind: FrameKind.HelloAck, body: [ack], bytes: ack.byteLength, raft: false });
    this.open({ nodeId: hello.nodeId, address: hello.address }, hello.nonce, this.nonce);
  }

  private onHelloAck(frame: Frame): void {
    if (frame.kind !== FrameKind.HelloAck) throw new FrameError(`expected HelloAck, got frame kind ${frame.kind}`);
    const ack = decodeHelloAck(frame.body);
    if (!bytesEqual(ack.dialerNonce, this.nonce)) throw new FrameError('HelloAck answers another connection');
    this.open({ nodeId: ack.nodeId, address: this.opts.remoteLabel }, this.nonce, ack.nonce);
  }

  private open(remote: PeerIdentity, dialerNonce: Uint8Array, listenerNonce: Uint8Array): void {
    this.cancelHandshakeTimer?.();
    this.cancelHandshakeTimer = undefined;
    this.remote = remote;
    this.auth = sessionAuth(this.opts.clusterKey, dialerNonce, listenerNonce, this.opts.role === 'dialer');
    this.state = 'open';
    this.opened = true;
    this.events.onOpen(this);
    this.pump();
  }

  /** Drops a connection that sent something unauthenticated or malformed, and says so. */
  private reject(reason: string): void {
    this.opts.logger.warn(
      { remote: this.opts.remoteLabel, peer: this.remote?.nodeId, role: this.opts.role, reason },
      'cluster port: dropping connection after a bad frame',
    );
    this.close(reason);
  }
}

function sumBytes(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
