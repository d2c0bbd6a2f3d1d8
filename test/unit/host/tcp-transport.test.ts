// The cluster transport over real loopback sockets: delivery, RPC, authentication, garbage,
// backpressure, lanes and reconnect.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../consensus/host/clock.ts';
import { decodeBatch, encodeBatchBytes } from '../../../consensus/host/codec.ts';
import { RemoteError, ShutdownError, TimeoutError, TransportError } from '../../../consensus/host/errors.ts';
import {
  decodeHelloAck,
  encodeHello,
  encodeHelloAck,
  decodeHello,
  handshakeAuth,
  HELLO_ACK_LABEL,
  HELLO_LABEL,
  sessionAuth,
} from '../../../consensus/host/frame-auth.ts';
import { encodeHeader, type Frame, FrameDecoder, FrameKind } from '../../../consensus/host/frame.ts';
import { silentLogger } from '../../../consensus/host/logger.ts';
import { MAX_QUEUED_RAFT_FRAMES, WRITE_STALL_TIMEOUT_MS } from '../../../consensus/host/tcp-connection.ts';
import { TcpTransport, parseAddress } from '../../../consensus/host/tcp-transport.ts';
import { RpcChannel, type PeerIdentity } from '../../../consensus/host/transport.ts';
import type { Message, NodeId, Term } from '../../../consensus/raft/types.ts';
import { deferred, ManualClock, RecordingLogger, within } from './support.ts';

const clock = new SystemClock();
/** Upper bound for any single awaited event in these tests. */
const WAIT_MS = 5_000;
const open: { close(): Promise<void> | void }[] = [];

afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function transport(nodeId: string, extra: { clusterKey?: Uint8Array; logger?: RecordingLogger; port?: number } = {}): Promise<TcpTransport> {
  const t = await TcpTransport.listen({
    nodeId,
    bindHost: '127.0.0.1',
    port: extra.port ?? 0,
    clock,
    logger: extra.logger ?? silentLogger,
    ...(extra.clusterKey === undefined ? {} : { clusterKey: extra.clusterKey }),
  });
  open.push(t);
  return t;
}

function heartbeat(from: string, to: string, commit: number): Message {
  return { type: 'heartbeat', from: from as NodeId, to: to as NodeId, term: 3 as Term, commit: commit as never, context: null };
}

function inbox(t: TcpTransport) {
  const got: { messages: readonly Message[]; from: PeerIdentity }[] = [];
  let wake = deferred();
  t.onMessages((messages, from) => {
    got.push({ messages, from });
    wake.resolve();
    wake = deferred();
  });
  return {
    got,
    async until(n: number): Promise<void> {
      // Bounded by n deliveries, each awaited with a deadline.
      while (got.length < n) await within(wake.promise, WAIT_MS, `${n} deliveries`);
    },
  };
}

describe('TcpTransport', () => {
  it('delivers Raft batches with the sender identity', async () => {
    const a = await transport('a');
    const b = await transport('b');
    const box = inbox(b);
    const batch = [heartbeat('a', 'b', 1), heartbeat('a', 'b', 2)];
    expect(a.send({ id: 'b', address: b.localAddress }, batch)).toBe(true);
    await box.until(1);
    expect(box.got[0]!.messages).toEqual(batch);
    expect(box.got[0]!.from).toEqual({ nodeId: 'a', address: a.localAddress });
  });

  it('answers requests per channel, and reports handler errors, missing handlers and timeouts', async () => {
    const a = await transport('a');
    const b = await transport('b');
    b.handle(RpcChannel.App, async (payload, from) => new TextEncoder().encode(`${from.nodeId}:${new TextDecoder().decode(payload)}`));
    const answer = await a.request(b.localAddress, new TextEncoder().encode('ping'));
    expect(new TextDecoder().decode(answer)).toBe('a:ping');

    await expect(a.request(b.localAddress, new Uint8Array(), { channel: RpcChannel.Snapshot })).rejects.toThrow(TransportError);

    b.handle(RpcChannel.App, async () => {
      throw new Error('no such key');
    });
    await expect(a.request(b.localAddress, new Uint8Array())).rejects.toEqual(new RemoteError('no such key'));

    b.handle(RpcChannel.App, () => new Promise(() => {}));
    await expect(a.request(b.localAddress, new Uint8Array(), { timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('refuses a request larger than a frame without sending it', async () => {
    const a = await transport('a');
    const b = await transport('b');
    await expect(a.request(b.localAddress, new Uint8Array(17 * 1024 * 1024))).rejects.toThrow(/exceeds the frame limit/);
    b.handle(RpcChannel.App, async () => new Uint8Array([9]));
    expect(await a.request(b.localAddress, new Uint8Array(1))).toEqual(new Uint8Array([9]));
  });

  it('rejects pending requests with ShutdownError on close and refuses new ones', async () => {
    const a = await transport('a');
    const b = await transport('b');
    b.handle(RpcChannel.App, () => new Promise(() => {}));
    const pending = a.request(b.localAddress, new Uint8Array());
    await a.close();
    await expect(pending).rejects.toBeInstanceOf(ShutdownError);
    await expect(a.request(b.localAddress, new Uint8Array())).rejects.toBeInstanceOf(ShutdownError);
    expect(a.send({ id: 'b', address: b.localAddress }, [heartbeat('a', 'b', 1)])).toBe(false);
  });

  it('works with a shared cluster key', async () => {
    const key = randomBytes(32);
    const a = await transport('a', { clusterKey: key });
    const b = await transport('b', { clusterKey: key });
    const box = inbox(b);
    b.handle(RpcChannel.App, async (p) => p);
    a.send({ id: 'b', address: b.localAddress }, [heartbeat('a', 'b', 7)]);
    expect(await a.request(b.localAddress, new Uint8Array([1, 2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    await box.until(1);
    expect(box.got[0]!.messages).toEqual([heartbeat('a', 'b', 7)]);
  });

  it.each([
    ['a different key', randomBytes(32)],
    ['no key', undefined],
  ])('drops and logs a peer with %s when a key is configured', async (_name, dialerKey) => {
    const logger = new RecordingLogger();
    const b = await transport('b', { clusterKey: randomBytes(32), logger });
    const a = await transport('a', dialerKey === undefined ? {} : { clusterKey: dialerKey });
    const box = inbox(b);
    b.handle(RpcChannel.App, async (p) => p);
    a.send({ id: 'b', address: b.localAddress }, [heartbeat('a', 'b', 1)]);
    await expect(a.request(b.localAddress, new Uint8Array([1]))).rejects.toBeInstanceOf(TransportError);
    await within(logger.waitFor((r) => r.level === 'warn'), WAIT_MS, 'the rejection to be logged');
    const warn = logger.records.find((r) => r.level === 'warn')!;
    expect(String(warn.fields['reason'])).toMatch(dialerKey === undefined ? /unauthenticated/ : /bad frame MAC/);
    expect(box.got).toHaveLength(0);
  });

  it('closes a connection that sends garbage (an HTTP request) and logs it', async () => {
    const logger = new RecordingLogger();
    const b = await transport('b', { logger });
    const { host, port } = parseAddress(b.localAddress);
    const socket = connect({ host, port });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.write('GET /v1/kv/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await within(closed, WAIT_MS, 'the server to close the connection');
    await within(logger.waitFor((r) => r.level === 'warn' && /bad frame length/.test(String(r.fields['reason']))), WAIT_MS, 'a warning');
  });

  it('refuses a frame replayed within a connection and a recorded session replayed on a new one', async () => {
    const key = new Uint8Array(randomBytes(32));
    const logger = new RecordingLogger();
    const b = await transport('b', { clusterKey: key, logger });
    const box = inbox(b);
    const client = await RawClient.connect(b.localAddress);
    const nonce = new Uint8Array(randomBytes(16));
    const hello = client.frame(FrameKind.Hello, encodeHello({ nonce, nodeId: 'mallory', address: '127.0.0.1:1' }), handshakeAuth(key, HELLO_LABEL, HELLO_ACK_LABEL));
    client.write(hello);
    const ack = decodeHelloAck((await client.next()).body);
    const session = sessionAuth(key, nonce, ack.nonce, true);
    const raft = client.frame(FrameKind.Raft, encodeBatchBytes([heartbeat('mallory', 'b', 5)]), session);
    client.write(raft);
    await box.until(1);
    client.write(raft); // the same bytes again: sequence number 0 is spent
    await within(client.closed, WAIT_MS, 'the replay to close the connection');
    expect(box.got).toHaveLength(1);

    const replay = await RawClient.connect(b.localAddress);
    replay.write(hello); // a valid Hello is answered with a fresh nonce ...
    await replay.next();
    replay.write(raft); // ... so the recorded session's frames no longer verify
    await within(replay.closed, WAIT_MS, 'the cross-connection replay to close the connection');
    expect(box.got).toHaveLength(1);
    expect(logger.records.filter((r) => r.level === 'warn' && r.fields['reason'] === 'bad frame MAC')).toHaveLength(2);
  });

  it('drops Raft batches beyond the queue bound instead of blocking, and delivers the accepted ones in order', async () => {
    const peer = await StallingPeer.start();
    const a = await transport('a');
    const to = { id: 'b', address: peer.address };
    const payload = new Uint8Array(64 * 1024);
    const big = (n: number): Message => ({
      type: 'append',
      from: 'a' as NodeId,
      to: 'b' as NodeId,
      term: 1 as Term,
      prevLogIndex: n as never,
      prevLogTerm: 1 as Term,
      commit: 0 as never,
      entries: [{ index: (n + 1) as never, term: 1 as Term, type: 1, data: payload }],
    });
    let accepted = 0;
    let dropped = 0;
    // Bounded: the queue holds at most 8 MiB (128 such frames) plus what the kernel buffers.
    for (let n = 0; n < MAX_QUEUED_RAFT_FRAMES && dropped === 0; n++) {
      if (a.send(to, [big(n)])) accepted++;
      else dropped++;
      if (n === 0) await within(peer.handshaken, WAIT_MS, 'the handshake');
    }
    expect(dropped).toBe(1);
    expect(accepted).toBeGreaterThan(100);
    peer.resume();
    await within(peer.waitForFrames(accepted), WAIT_MS, 'every accepted frame');
    const indexes = peer.frames.map((f) => (decodeBatch(f.body)[0] as Extract<Message, { type: 'append' }>).prevLogIndex);
    expect(indexes).toEqual([...Array(accepted).keys()]);
  });

  it('writes Raft frames ahead of queued bulk (snapshot) frames', async () => {
    const peer = await StallingPeer.start(1);
    const a = await transport('a');
    // A first heartbeat opens the connection; the peer stops reading once it has it.
    expect(a.send({ id: 'b', address: peer.address }, [heartbeat('a', 'b', 1)])).toBe(true);
    await within(peer.waitForFrames(1), WAIT_MS, 'the first frame');
    const chunk = new Uint8Array(8 * 1024 * 1024);
    // Three 8 MiB bulk requests: the first fills the socket while the peer is not reading.
    const requests = [1, 2, 3].map(() => a.request(peer.address, chunk, { channel: RpcChannel.Snapshot, lane: 'bulk', timeoutMs: 60_000 }).catch(() => {}));
    expect(a.send({ id: 'b', address: peer.address }, [heartbeat('a', 'b', 42)])).toBe(true);
    peer.resume();
    await within(peer.waitForFrames(5), 20_000, 'five frames');
    expect(peer.frames.map((f) => f.kind)).toEqual([FrameKind.Raft, FrameKind.Request, FrameKind.Raft, FrameKind.Request, FrameKind.Request]);
    await a.close();
    await Promise.all(requests);
  });

  it('closes a connection whose peer stopped reading, failing its requests', async () => {
    const peer = await StallingPeer.start(1);
    const manual = new ManualClock();
    const a = await TcpTransport.listen({ nodeId: 'a', bindHost: '127.0.0.1', port: 0, clock: manual, logger: silentLogger });
    open.push(a);
    a.send({ id: 'b', address: peer.address }, [heartbeat('a', 'b', 1)]);
    await within(peer.waitForFrames(1), WAIT_MS, 'the first frame'); // the connection is open
    // 8 MiB cannot fit the peer's socket buffers while it does not read: the write stalls.
    const pending = a.request(peer.address, new Uint8Array(8 * 1024 * 1024), { timeoutMs: 60_000 });
    manual.advance(WRITE_STALL_TIMEOUT_MS - 1);
    manual.advance(1);
    await expect(pending).rejects.toThrow(/write stalled/);
  });

  it('reconnects with backoff after the peer restarts on the same port', async () => {
    const a = await transport('a');
    let b = await transport('b');
    const port = parseAddress(b.localAddress).port;
    b.handle(RpcChannel.App, async () => new Uint8Array([1]));
    expect(await a.request(b.localAddress, new Uint8Array())).toEqual(new Uint8Array([1]));
    await b.close();
    await expect(a.request(b.localAddress, new Uint8Array())).rejects.toBeInstanceOf(TransportError);
    b = await transport('b2', { port });
    b.handle(RpcChannel.App, async () => new Uint8Array([2]));
    // Poll: requests fail fast while the dialer backs off (at most BACKOFF_MAX_MS), then succeed.
    let answer: Uint8Array | undefined;
    for (let attempt = 0; attempt < 100 && answer === undefined; attempt++) {
      answer = await a.request(b.localAddress, new Uint8Array()).catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return undefined;
      });
    }
    expect(answer).toEqual(new Uint8Array([2]));
  });

  it('marks a request "maybe delivered" only when its connection had opened (a refused dial sent nothing)', async () => {
    const a = await transport('a');
    // A port nobody listens on: the dial is refused before any frame could be written.
    const gone = await transport('gone');
    const refusedAt = gone.localAddress;
    await gone.close();
    const refused = await a.request(refusedAt, new Uint8Array()).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TransportError);
    expect((refused as TransportError).maybeDelivered).toBe(false);

    // An open connection that dies while the request waits for its answer: the peer may have acted on it.
    const b = await transport('b');
    const received = deferred<void>();
    b.handle(RpcChannel.App, async () => {
      received.resolve();
      return new Promise<Uint8Array>(() => {});
    });
    const pending = a.request(b.localAddress, new Uint8Array([1]), { timeoutMs: WAIT_MS }).catch((err: unknown) => err);
    await within(received.promise, WAIT_MS, 'the request at the peer');
    await b.close();
    const lost = await pending;
    expect(lost).toBeInstanceOf(TransportError);
    expect((lost as TransportError).maybeDelivered).toBe(true);
  });
});

/** A raw client speaking frames by hand, for authentication tests. */
class RawClient {
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private wake = deferred();
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.frames.push(...this.decoder.push(d));
      this.wake.resolve();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async connect(address: string): Promise<RawClient> {
    const { host, port } = parseAddress(address);
    const socket = connect({ host, port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return new RawClient(socket);
  }

  frame(kind: FrameKind, body: Uint8Array, auth: ReturnType<typeof handshakeAuth>): Uint8Array {
    const header = encodeHeader(kind, body.byteLength, auth.withMac);
    return Buffer.concat([header, body, auth.sign(header, [body])]);
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  async next(): Promise<Frame> {
    while (this.frames.length === 0) {
      this.wake = deferred();
      await within(this.wake.promise, WAIT_MS, 'a frame');
    }
    return this.frames.shift()!;
  }
}

/** An unauthenticated peer that completes the handshake and then reads nothing until resume(). */
class StallingPeer {
  readonly frames: Frame[] = [];
  private socket: Socket | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly handshake = deferred();
  private wake = deferred();
  readonly handshaken = this.handshake.promise;

  private constructor(
    private readonly server: Server,
    readonly address: string,
    private readonly readFirst: number,
  ) {
    open.push({ close: () => this.close() });
  }

  /** Stops reading after the handshake and `readFirst` more frames. */
  static async start(readFirst = 0): Promise<StallingPeer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const peer = new StallingPeer(server, `127.0.0.1:${port}`, readFirst);
    server.on('connection', (s) => peer.attach(s));
    return peer;
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    socket.on('error', () => {});
    let greeted = false;
    socket.on('data', (d: Buffer) => {
      for (const f of this.decoder.push(d)) {
        if (!greeted) {
          greeted = true;
          const hello = decodeHello(f.body);
          const ack = encodeHelloAck({ dialerNonce: hello.nonce, nonce: new Uint8Array(16), nodeId: 'b' });
          socket.write(Buffer.concat([encodeHeader(FrameKind.HelloAck, ack.byteLength, false), ack]));
          if (this.readFirst === 0) socket.pause();
          this.handshake.resolve();
        } else {
          this.frames.push(f);
          if (this.frames.length === this.readFirst) socket.pause();
          this.wake.resolve();
        }
      }
    });
  }

  resume(): void {
    this.socket?.resume();
  }

  async waitForFrames(n: number): Promise<void> {
    // Bounded by n frames; the caller puts a deadline on the whole wait.
    while (this.frames.length < n) {
      this.wake = deferred();
      await this.wake.promise;
    }
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
