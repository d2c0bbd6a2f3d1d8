// The simulated cluster network and each server's Transport over it.
//
// Every Raft batch is encoded with the real codec when sent and decoded at delivery, so
// servers share no objects and the codec is exercised on every message. Each delivery is an
// event: a message may be lost, duplicated, or delayed (reordering emerges from random
// delays). Delays are bounded by maxDelayUs, which the fault profile keeps inside the lease
// assumption. A link is down while it is partitioned (symmetric or one-way) or either end is
// clogged; the state is checked when a message arrives, so what is in flight when a partition
// starts is lost. Request/response RPCs (snapshot streaming) travel the same links with the
// same faults; a lost request or answer ends in the caller's timeout, on the caller's clock.
import { decodeBatch, encodeBatchBytes } from '../../consensus/host/codec.ts';
import { RemoteError, ShutdownError, TimeoutError, TransportError } from '../../consensus/host/errors.ts';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type MessageHandler,
  type PeerRef,
  type RequestHandler,
  type RequestOptions,
  RpcChannel,
  type Transport,
} from '../../consensus/host/transport.ts';
import type { Clock, CancelTimer } from '../../consensus/host/clock.ts';
import type { Message, Rng } from '../../consensus/raft/index.ts';
import type { Scheduler } from './sim-clock.ts';

export interface NetProfile {
  /** Probability per Raft message of loss, in parts per million (RPCs are not lost at random). */
  readonly lossPpm: number;
  /** Probability per message of a second delivery, in parts per million. */
  readonly dupPpm: number;
  readonly minDelayUs: number;
  /** Most deliveries take min..typical; one in SLOW_ONE_IN takes up to max. */
  readonly typicalDelayUs: number;
  /** No delivery (duplicates included) arrives later than this after it was sent. */
  readonly maxDelayUs: number;
}

/** One delivery in this many takes the slow path (up to maxDelayUs). */
const SLOW_ONE_IN = 10;

export function addressOf(node: number): string {
  return `127.0.0.${node + 1}:8300`;
}

/** Server k is node id "n<k>" everywhere in the simulation. */
export function idOf(node: number): string {
  return `n${node}`;
}

export interface NetStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  requests: number;
}

export class SimNetwork {
  private readonly endpoints: (SimTransport | undefined)[];
  /** blocked[from][to]: the link from → to is partitioned. */
  private readonly blocked: boolean[][];
  private readonly clogged = new Set<number>();
  readonly stats: NetStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, requests: 0 };
  /** Loss and duplication are suspended (the liveness phase turns them off). */
  faultsEnabled = true;

  constructor(
    private readonly sched: Scheduler,
    readonly size: number,
    private readonly rng: Rng,
    readonly profile: NetProfile,
  ) {
    this.endpoints = new Array<SimTransport | undefined>(size).fill(undefined);
    this.blocked = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }

  // ---- topology ------------------------------------------------------------------------------

  nodeAt(address: string): number | undefined {
    const m = /^127\.0\.0\.(\d+):8300$/.exec(address);
    const n = m === null ? -1 : Number(m[1]) - 1;
    return n >= 0 && n < this.size ? n : undefined;
  }

  attach(node: number, transport: SimTransport): void {
    this.endpoints[node] = transport;
  }

  detach(node: number, transport: SimTransport): void {
    if (this.endpoints[node] === transport) this.endpoints[node] = undefined;
  }

  linkUp(from: number, to: number): boolean {
    return !this.blocked[from]![to] && !this.clogged.has(from) && !this.clogged.has(to);
  }

  heal(): void {
    for (const row of this.blocked) row.fill(false);
    this.clogged.clear();
  }

  /** Blocks every link between different groups (both directions). */
  partition(groups: readonly (readonly number[])[]): void {
    const group = new Array<number>(this.size).fill(-1);
    groups.forEach((g, k) => g.forEach((n) => (group[n] = k)));
    for (let a = 0; a < this.size; a++) for (let b = 0; b < this.size; b++) if (group[a] !== group[b]) this.blocked[a]![b] = true;
  }

  block(from: number, to: number): void {
    this.blocked[from]![to] = true;
  }

  clog(node: number): void {
    this.clogged.add(node);
  }

  unclog(node: number): void {
    this.clogged.delete(node);
  }

  /** A compact picture of the link state for the trace ("" when fully connected). */
  describe(): string {
    const cuts: string[] = [];
    for (let a = 0; a < this.size; a++) for (let b = 0; b < this.size; b++) if (a !== b && this.blocked[a]![b]) cuts.push(`${a}>${b}`);
    const clogs = [...this.clogged].sort().map((n) => `c${n}`);
    return [...cuts, ...clogs].join(' ');
  }

  // ---- delivery ------------------------------------------------------------------------------

  /** A delay drawn from the profile; duplicates draw their own, inside the same bound. */
  private delay(): number {
    const p = this.profile;
    const hi = this.rng.int(SLOW_ONE_IN) === 0 ? p.maxDelayUs : p.typicalDelayUs;
    return p.minDelayUs + this.rng.int(Math.max(1, hi - p.minDelayUs + 1));
  }

  private lost(): boolean {
    return this.faultsEnabled && this.profile.lossPpm > 0 && this.rng.chance(this.profile.lossPpm, 1_000_000);
  }

  /** Raft messages from → to. Returns false when the sender would see the link as down. */
  sendRaft(from: number, to: number, messages: readonly Message[]): boolean {
    this.stats.sent++;
    if (!this.linkUp(from, to) && this.rng.chance(1, 2)) {
      this.stats.dropped++;
      return false;
    }
    if (this.lost()) {
      this.stats.dropped++;
      return true;
    }
    const bytes = encodeBatchBytes(messages);
    const copies = this.faultsEnabled && this.profile.dupPpm > 0 && this.rng.chance(this.profile.dupPpm, 1_000_000) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let k = 0; k < copies; k++) {
      this.sched.at(this.sched.now() + this.delay(), to, 'recv', () => `${from}>${to} ${summarize(messages)}`, () => this.deliverRaft(from, to, bytes));
    }
    return true;
  }

  private deliverRaft(from: number, to: number, bytes: Uint8Array): void {
    const t = this.endpoints[to];
    if (!this.linkUp(from, to) || t === undefined) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    t.receive(decodeBatch(bytes), from);
  }

  /**
   * One leg of an RPC (request or answer), delivered once after a delay — or lost if the link
   * is down when it arrives. RPCs ride TCP in production, which retransmits what random loss
   * takes; only a partition (a blackholed connection) loses a request or its answer, and then
   * the caller waits for its timeout.
   */
  sendLeg(from: number, to: number, what: () => string, deliver: () => void): void {
    this.stats.sent++;
    this.sched.at(this.sched.now() + this.delay(), to, 'rpc', () => `${from}>${to} ${what()}`, () => {
      if (!this.linkUp(from, to)) {
        this.stats.dropped++;
        return;
      }
      this.stats.delivered++;
      deliver();
    });
  }

  endpoint(node: number): SimTransport | undefined {
    return this.endpoints[node];
  }

  /**
   * A server's process died but its machine did not: the kernel resets its connections, so
   * each peer's requests waiting on it fail (TransportError) one delivery delay later — if the
   * reset can cross the link. After a power loss nothing is sent and they wait for their timeout.
   */
  resetConnectionsTo(node: number): void {
    for (let peer = 0; peer < this.size; peer++) {
      const t = this.endpoints[peer];
      if (t === undefined || peer === node) continue;
      this.sched.at(this.sched.now() + this.delay(), peer, 'reset', () => `${node}>${peer} connection reset`, () => {
        if (this.linkUp(node, peer)) t.connectionReset(addressOf(node));
      });
    }
  }
}

interface PendingRequest {
  readonly address: string;
  readonly resolve: (v: Uint8Array) => void;
  readonly reject: (e: Error) => void;
  readonly cancel: CancelTimer;
}

/** The Transport of one incarnation of one server. */
export class SimTransport implements Transport {
  readonly localAddress: string;
  private handler: MessageHandler | undefined;
  private readonly handlers = new Map<RpcChannel, RequestHandler>();
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequest = 0;
  private state: 'open' | 'closed' | 'dead' = 'open';

  constructor(
    private readonly net: SimNetwork,
    readonly node: number,
    private readonly clock: Clock,
  ) {
    this.localAddress = addressOf(node);
    net.attach(node, this);
  }

  send(to: PeerRef, messages: readonly Message[]): boolean {
    if (this.state !== 'open' || messages.length === 0) return false;
    const dest = this.net.nodeAt(to.address);
    if (dest === undefined) return false;
    return this.net.sendRaft(this.node, dest, messages);
  }

  onMessages(handler: MessageHandler): void {
    this.handler = handler;
  }

  handle(channel: RpcChannel, handler: RequestHandler | undefined): void {
    if (handler === undefined) this.handlers.delete(channel);
    else this.handlers.set(channel, handler);
  }

  request(address: string, payload: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.state === 'dead') return new Promise(() => {});
    if (this.state === 'closed') return Promise.reject(new ShutdownError('transport closed'));
    const dest = this.net.nodeAt(address);
    if (dest === undefined) return Promise.reject(new TransportError(`unknown address ${address}`));
    const channel = options.channel ?? RpcChannel.App;
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const id = ++this.nextRequest;
    this.net.stats.requests++;
    const copy = payload.slice();
    return new Promise<Uint8Array>((resolve, reject) => {
      const cancel = this.clock.setTimer(timeoutMs, () => this.settle(id, new TimeoutError(`request to ${address} timed out`)));
      this.pending.set(id, { address, resolve, reject, cancel });
      this.net.sendLeg(this.node, dest, () => `req#${id} ch${channel} ${copy.length}B`, () => this.serveAt(dest, channel, copy, id));
    });
  }

  disconnect(address: string): void {
    for (const [id, p] of this.pending) if (p.address === address) this.settle(id, new TransportError(`connection to ${address} closed`));
  }

  /** The peer at `address` reset the connection: its requests in flight fail. */
  connectionReset(address: string): void {
    for (const [id, p] of this.pending) if (p.address === address) this.settle(id, new TransportError(`connection to ${address} reset by peer`));
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    for (const id of [...this.pending.keys()]) this.settle(id, new ShutdownError('transport closed'));
    this.handlers.clear();
    this.net.detach(this.node, this);
  }

  /** The process died: nothing it started will ever complete. */
  kill(): void {
    this.state = 'dead';
    this.pending.clear();
    this.handlers.clear();
    this.net.detach(this.node, this);
  }

  // ---- called by the network -----------------------------------------------------------------

  receive(messages: readonly Message[], from: number): void {
    if (this.state !== 'open') return;
    this.handler?.(messages, { nodeId: idOf(from), address: addressOf(from) });
  }

  /** Runs at the destination: find its handler, then send the answer back to this caller. */
  private serveAt(dest: number, channel: RpcChannel, payload: Uint8Array, id: number): void {
    const server = this.net.endpoint(dest);
    const reply = (result: Uint8Array | Error): void =>
      this.net.sendLeg(dest, this.node, () => `resp#${id} ${result instanceof Error ? result.name : `${result.length}B`}`, () => this.settle(id, result));
    const handler = server?.handlers.get(channel);
    if (server === undefined || server.state !== 'open') return reply(new TransportError(`connection to ${addressOf(dest)} refused`));
    if (handler === undefined) return reply(new RemoteError(`no handler for channel ${channel}`));
    handler(payload, { nodeId: idOf(this.node), address: this.localAddress }).then(
      (answer) => reply(answer.slice()),
      (err: unknown) => reply(new RemoteError(err instanceof Error ? err.message : String(err))),
    );
  }

  private settle(id: number, result: Uint8Array | Error): void {
    const p = this.pending.get(id);
    if (p === undefined || this.state === 'dead') return;
    this.pending.delete(id);
    p.cancel();
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }
}

/** "append(3+2,c5) hb resp" style summary of a batch for the trace. */
export function summarize(messages: readonly Message[]): string {
  return messages
    .map((m) => {
      switch (m.type) {
        case 'append':
          return `app(t${m.term} ${m.prevLogIndex}+${m.entries.length} c${m.commit})`;
        case 'appendResp':
          return `appR(t${m.term} ${m.index}${m.reject ? ' rej' : ''})`;
        case 'vote':
        case 'preVote':
          return `${m.type}(t${m.term} ${m.lastLogIndex}/${m.lastLogTerm})`;
        case 'voteResp':
        case 'preVoteResp':
          return `${m.type}(t${m.term}${m.reject ? ' rej' : ''})`;
        case 'heartbeat':
          return `hb(t${m.term} c${m.commit})`;
        case 'heartbeatResp':
          return `hbR(t${m.term})`;
        default:
          return `${m.type}(t${m.term})`;
      }
    })
    .join(' ');
}
