// Network faults between real server processes without root: a TCP proxy in front of every
// server's cluster port, and one table of per-link faults that every proxy consults.
//
// A link is an ordered pair (source, destination). Each server dials from its own loopback
// address (the cluster transport binds outgoing connections to -bind), so the proxy in front
// of destination D names the source of an accepted connection by its remote IP. On that
// connection, the bytes flowing towards D travel link (S → D) and the answers flowing back
// travel link (D → S): a one-way fault cuts exactly one direction of every connection between
// the two servers, whichever of them dialled.
//
// Faults act like a real network under TCP, never corrupting a stream:
// - drop: bytes are held, not delivered (as packets lost to a partition that TCP keeps
//   retransmitting); they flow again, in order, when the link heals, unless either end gave up
//   on the connection first;
// - delay: each chunk is delivered `ms` after it arrived;
// - trickle: at most `bytesPerSecond` pass.
// reset() closes connections at once, as a peer that vanished would.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type LinkFault =
  | { readonly kind: 'ok' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'trickle'; readonly bytesPerSecond: number };

const OK: LinkFault = { kind: 'ok' };
/** Bytes a pipe buffers before it stops reading its source (TCP backpressure takes over). */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Reading resumes once the buffer drains below this. */
const LOW_WATER_BYTES = 1024 * 1024;
/** How often a trickling link releases its budget. */
const TRICKLE_TICK_MS = 50;

type Wake = () => void;

/** The fault on every link between named servers; links not set are healthy. */
export class FaultNet {
  private readonly links = new Map<string, LinkFault>();
  private readonly wakers = new Set<Wake>();
  private readonly resetters = new Set<(from: string, to: string) => void>();

  get(from: string, to: string): LinkFault {
    return this.links.get(linkKey(from, to)) ?? OK;
  }

  set(from: string, to: string, fault: LinkFault): void {
    if (from === to) throw new Error(`a link needs two ends: ${from}`);
    if (fault.kind === 'ok') this.links.delete(linkKey(from, to));
    else this.links.set(linkKey(from, to), fault);
    this.wakeAll();
  }

  /** Both directions between every pair of servers in different groups. */
  partition(groups: readonly (readonly string[])[], fault: LinkFault = { kind: 'drop' }): void {
    for (const [i, a] of groups.entries()) {
      for (const [j, b] of groups.entries()) {
        if (i === j) continue;
        for (const from of a) for (const to of b) this.set(from, to, fault);
      }
    }
  }

  healAll(): void {
    this.links.clear();
    this.wakeAll();
  }

  /** Closes every proxied connection between the two servers, in both directions. */
  reset(a: string, b: string): void {
    for (const r of this.resetters) r(a, b);
  }

  /** The faulty links, e.g. "s1->s2 drop, s2->s1 delay 200ms" ("" when healthy). */
  describe(): string {
    return [...this.links]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, f]) => `${key} ${f.kind}${f.kind === 'delay' ? ` ${f.ms}ms` : f.kind === 'trickle' ? ` ${f.bytesPerSecond}B/s` : ''}`)
      .join(', ');
  }

  /** @internal proxies register here to hear about changes. */
  subscribe(wake: Wake, reset: (from: string, to: string) => void): () => void {
    this.wakers.add(wake);
    this.resetters.add(reset);
    return () => {
      this.wakers.delete(wake);
      this.resetters.delete(reset);
    };
  }

  private wakeAll(): void {
    for (const w of this.wakers) w();
  }
}

const linkKey = (from: string, to: string): string => `${from}->${to}`;

/** One direction of a proxied connection: reads `src`, writes `dst`, as its link allows. */
class Pipe {
  private readonly queue: { bytes: Buffer; at: number }[] = [];
  private queued = 0;
  private waitingDrain = false;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  private budget = 0;
  private refilledAt = performance.now();
  bytesForwarded = 0;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly link: () => LinkFault,
  ) {
    src.on('data', (bytes: Buffer) => {
      this.queue.push({ bytes, at: performance.now() });
      this.queued += bytes.length;
      if (this.queued > HIGH_WATER_BYTES) src.pause();
      this.pump();
    });
    src.on('end', () => {
      this.ended = true;
      this.pump();
    });
    dst.on('drain', () => {
      this.waitingDrain = false;
      this.pump();
    });
  }

  pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // Bounded: every iteration removes bytes from the queue or returns.
    while (this.queue.length > 0 && !this.waitingDrain && !this.dst.destroyed) {
      const fault = this.link();
      if (fault.kind === 'drop') return; // FaultNet wakes us when the link changes
      const head = this.queue[0]!;
      if (fault.kind === 'delay' && head.at + fault.ms > performance.now()) return this.later(head.at + fault.ms - performance.now());
      let bytes = head.bytes;
      if (fault.kind !== 'trickle') {
        this.budget = 0;
        this.refilledAt = performance.now();
      }
      if (fault.kind === 'trickle') {
        // The bucket holds at most one tick's worth: no burst after a quiet spell.
        const now = performance.now();
        const cap = Math.max(1, (fault.bytesPerSecond * TRICKLE_TICK_MS) / 1000);
        this.budget = Math.min(cap, this.budget + ((now - this.refilledAt) / 1000) * fault.bytesPerSecond);
        this.refilledAt = now;
        const take = Math.floor(this.budget);
        if (take < 1) return this.later(TRICKLE_TICK_MS);
        if (take < bytes.length) {
          head.bytes = bytes.subarray(take);
          bytes = bytes.subarray(0, take);
        } else this.queue.shift();
        this.budget -= bytes.length;
      } else this.queue.shift();
      this.queued -= bytes.length;
      if (this.queued < LOW_WATER_BYTES && this.src.isPaused()) this.src.resume();
      this.bytesForwarded += bytes.length;
      if (!this.dst.write(bytes)) this.waitingDrain = true;
    }
    if (this.queue.length === 0 && this.ended && !this.dst.destroyed) this.dst.end();
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private later(ms: number): void {
    this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(ms)));
  }
}

interface Proxied {
  readonly source: string | undefined;
  readonly client: Socket;
  readonly upstream: Socket;
  readonly pipes: readonly Pipe[];
}

export interface FaultProxyOptions {
  readonly net: FaultNet;
  /** The server behind this proxy (the destination of the links it carries). */
  readonly destination: string;
  /** Where the proxy listens: the address the server advertises to its peers. */
  readonly listen: { readonly host: string; readonly port: number };
  /** The server's real cluster address. */
  readonly target: { readonly host: string; readonly port: number };
  /** Names the server dialling from `ip`; undefined for strangers (their links never fail). */
  readonly sourceOf: (ip: string) => string | undefined;
}

/** A TCP proxy in front of one server's cluster port. */
export class FaultProxy {
  private readonly live = new Set<Proxied>();
  private readonly unsubscribe: () => void;
  connectionsAccepted = 0;

  private constructor(
    private readonly server: Server,
    private readonly opts: FaultProxyOptions,
  ) {
    this.unsubscribe = opts.net.subscribe(
      () => this.wake(),
      (a, b) => this.reset(a, b),
    );
    server.on('connection', (socket) => this.accept(socket));
  }

  static async listen(opts: FaultProxyOptions): Promise<FaultProxy> {
    // Half-open sockets let each direction end on its own: a FIN is a byte stream's last event
    // and must wait behind whatever the link still holds.
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.listen.port, opts.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FaultProxy(server, opts);
  }

  get address(): string {
    return `${this.opts.listen.host}:${this.opts.listen.port}`;
  }

  get bytesForwarded(): number {
    let n = 0;
    for (const p of this.live) for (const pipe of p.pipes) n += pipe.bytesForwarded;
    return n;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const p of [...this.live]) this.drop(p);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.connectionsAccepted++;
    const { net, destination, target } = this.opts;
    const source = this.opts.sourceOf(client.remoteAddress ?? '');
    // The server is dialled at once: a server that is down refuses the proxy, and the proxy
    // then closes the client, as a refused connection would.
    const upstream = connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    const link = (from: string | undefined, to: string | undefined) => () => (from === undefined || to === undefined ? OK : net.get(from, to));
    const pipes = [new Pipe(client, upstream, link(source, destination)), new Pipe(upstream, client, link(destination, source))];
    const proxied: Proxied = { source, client, upstream, pipes };
    this.live.add(proxied);
    // An error (a reset, a refused dial) ends both at once; a close only once both ends closed,
    // so bytes held by a faulty link are still delivered (or dropped with the connection).
    const finish = (): void => this.drop(proxied);
    for (const s of [client, upstream]) {
      s.on('error', finish);
      s.on('close', () => {
        if (client.closed && upstream.closed) finish();
      });
    }
  }

  private drop(p: Proxied): void {
    if (!this.live.delete(p)) return;
    for (const pipe of p.pipes) pipe.close();
    p.client.destroy();
    p.upstream.destroy();
  }

  private wake(): void {
    for (const p of this.live) for (const pipe of p.pipes) pipe.pump();
  }

  private reset(a: string, b: string): void {
    const d = this.opts.destination;
    for (const p of [...this.live]) {
      if ((p.source === a && d === b) || (p.source === b && d === a)) this.drop(p);
    }
  }
}
