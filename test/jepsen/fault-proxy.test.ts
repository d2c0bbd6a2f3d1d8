// The fault-injecting proxy over real loopback sockets: per-link drop (held, then delivered in
// order), one-way faults, delay, trickle, reset, and the cluster transport dialling from its
// bind address so the proxy can tell who dialled.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../consensus/host/clock.ts';
import { silentLogger } from '../../consensus/host/logger.ts';
import { sourceAddress, TcpTransport } from '../../consensus/host/tcp-transport.ts';
import { RpcChannel } from '../../consensus/host/transport.ts';
import { FaultNet, FaultProxy } from '../support/fault-proxy.ts';
import { loopbackSubnet } from './addresses.ts';

/** Bound on every awaited socket event here. */
const WAIT_MS = 5_000;
const subnet = loopbackSubnet();
const A_IP = subnet.host(11);
const B_IP = subnet.host(12);
const PROXY_IP = subnet.host(112);
const closers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

/** An echo server behind a proxy that names 127.x.y.11 "a"; the server is "b". */
async function setup(): Promise<{ net: FaultNet; proxy: FaultProxy; received: Buffer[] }> {
  const received: Buffer[] = [];
  const sockets: Socket[] = [];
  const echo = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => {
      received.push(d);
      s.write(d);
    });
    s.on('error', () => {});
  });
  const port = await listen(echo, B_IP);
  closers.push(() => sockets.forEach((s) => s.destroy()));
  const net = new FaultNet();
  const proxyPort = await freePort(PROXY_IP);
  const proxy = await FaultProxy.listen({ net, destination: 'b', listen: { host: PROXY_IP, port: proxyPort }, target: { host: B_IP, port }, sourceOf: (ip) => (ip === A_IP ? 'a' : undefined) });
  closers.push(() => proxy.close());
  return { net, proxy, received };
}

async function freePort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, host, resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function dial(proxy: FaultProxy, from: string): Promise<{ socket: Socket; got: () => string; ended: Promise<void> }> {
  const [host, port] = proxy.address.split(':') as [string, string];
  const socket = connect({ host, port: Number(port), localAddress: from });
  closers.push(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (d) => (text += d.toString()));
  socket.on('error', () => {});
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, got: () => text, ended };
}

async function until(probe: () => boolean, what: string): Promise<number> {
  const start = performance.now();
  while (!probe()) {
    if (performance.now() - start > WAIT_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - start;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault proxy', () => {
  it('passes bytes both ways on a healthy link', async () => {
    const { proxy } = await setup();
    const c = await dial(proxy, A_IP);
    c.socket.write('hello');
    await until(() => c.got() === 'hello', 'the echo');
  });

  it('holds bytes on a dropped link and delivers them in order once it heals', async () => {
    const { net, proxy, received } = await setup();
    const c = await dial(proxy, A_IP);
    net.set('a', 'b', { kind: 'drop' });
    for (const part of ['one ', 'two ', 'three']) c.socket.write(part);
    await settle(200);
    expect(Buffer.concat(received).toString()).toBe('');
    net.healAll();
    await until(() => c.got() === 'one two three', 'the held bytes, in order');
  });

  it('a one-way fault cuts only its direction', async () => {
    const { net, proxy, received } = await setup();
    const c = await dial(proxy, A_IP);
    net.set('b', 'a', { kind: 'drop' });
    c.socket.write('ping');
    await until(() => Buffer.concat(received).toString() === 'ping', 'the request to reach the server');
    await settle(200);
    expect(c.got()).toBe('');
    expect(net.describe()).toBe('b->a drop');
    net.set('b', 'a', { kind: 'ok' });
    await until(() => c.got() === 'ping', 'the answer after the heal');
  });

  it('delays and trickles', async () => {
    const { net, proxy } = await setup();
    const c = await dial(proxy, A_IP);
    net.set('a', 'b', { kind: 'delay', ms: 300 });
    c.socket.write('x');
    expect(await until(() => c.got() === 'x', 'the delayed echo')).toBeGreaterThanOrEqual(290);
    net.set('a', 'b', { kind: 'trickle', bytesPerSecond: 20_000 });
    const payload = 'y'.repeat(16_000);
    c.socket.write(payload);
    // 16 000 bytes at 20 000 B/s (the bucket starts empty): no sooner than ~0.8 s.
    expect(await until(() => c.got() === `x${payload}`, 'the trickled echo')).toBeGreaterThanOrEqual(700);
  });

  it('reset closes the connections between two servers; strangers are never faulted', async () => {
    const { net, proxy } = await setup();
    const c = await dial(proxy, A_IP);
    net.reset('a', 'b');
    await c.ended;
    const stranger = await dial(proxy, subnet.host(99));
    net.set('a', 'b', { kind: 'drop' });
    stranger.socket.write('free');
    await until(() => stranger.got() === 'free', 'the stranger echo');
  });
});

describe('the cluster transport dials from its bind address', () => {
  it('chooses the bind address only where it can route', () => {
    expect(sourceAddress('127.0.5.1', '127.0.5.2')).toBe('127.0.5.1');
    expect(sourceAddress('0.0.0.0', '127.0.5.2')).toBeUndefined();
    expect(sourceAddress('::', '::1')).toBeUndefined();
    expect(sourceAddress('127.0.5.1', '10.1.2.3')).toBeUndefined();
    expect(sourceAddress('10.1.2.4', '10.1.2.3')).toBe('10.1.2.4');
    expect(sourceAddress('10.1.2.4', 'server.example')).toBeUndefined();
    expect(sourceAddress('::1', '127.0.0.1')).toBeUndefined();
  });

  it('so a proxy names the dialling server, and faults its link', async () => {
    const clock = new SystemClock();
    const b = await TcpTransport.listen({ nodeId: 'b', bindHost: B_IP, port: 0, clock, logger: silentLogger });
    closers.push(() => b.close());
    b.handle(RpcChannel.App, async (payload) => payload);
    const bPort = Number(b.localAddress.split(':')[1]);
    const net = new FaultNet();
    const seen: string[] = [];
    const proxyPort = await freePort(PROXY_IP);
    const proxy = await FaultProxy.listen({
      net, destination: 'b', listen: { host: PROXY_IP, port: proxyPort }, target: { host: B_IP, port: bPort },
      sourceOf: (ip) => (seen.push(ip), ip === A_IP ? 'a' : undefined),
    });
    closers.push(() => proxy.close());
    const a = await TcpTransport.listen({ nodeId: 'a', bindHost: A_IP, port: 0, clock, logger: silentLogger });
    closers.push(() => a.close());
    const answer = await a.request(proxy.address, new Uint8Array([1, 2, 3]), { timeoutMs: WAIT_MS });
    expect([...answer]).toEqual([1, 2, 3]);
    expect(seen).toEqual([A_IP]);
    net.set('a', 'b', { kind: 'drop' });
    await expect(a.request(proxy.address, new Uint8Array([4]), { timeoutMs: 300 })).rejects.toThrow(/timed out/);
  });
});
