// The app behind a real HTTP server on 127.0.0.1 (@hono/node-server), driven by the npm
// `consul` client in its own style, plus raw sockets for what only a real server shows.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

/** Bound on one watch round trip in this test. */
const WATCH_TIMEOUT_MS = 10_000;

let h: RoutesHarness;
let server: ServerType;
let port: number;
let consul: Consul;

beforeAll(async () => {
  h = startRoutesHarness();
  await new Promise<void>((resolve) => {
    server = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      port = info.port;
      resolve();
    });
  });
  consul = new Consul({ host: '127.0.0.1', port });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  h.close();
});

/** One raw HTTP exchange; resolves at the response head without sending a body. */
function rawHead(method: string, path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, resolve);
    req.on('error', reject);
    req.flushHeaders();
  });
}

const readAll = async (res: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

describe('npm consul client', () => {
  it('reads the leader and peers', async () => {
    expect(await consul.status.leader()).toBe('127.0.0.1:8300');
    expect(await consul.status.peers()).toEqual(['127.0.0.1:8300']);
  });

  it('sets, gets, lists and deletes keys', async () => {
    expect(await consul.kv.set('app/config', 'v1')).toBe(true);
    expect(await consul.kv.set({ key: 'app/flags', value: 'x', flags: 42 })).toBe(true);
    const entry = await consul.kv.get('app/config');
    expect(entry).toMatchObject({ Key: 'app/config', Value: 'v1', Flags: 0 });
    expect((await consul.kv.get({ key: 'app/flags' }))?.Flags).toBe(42);
    expect(await consul.kv.keys('app/')).toEqual(['app/config', 'app/flags']);
    expect(await consul.kv.get('app/missing')).toBeUndefined();
    const all = await consul.kv.get({ key: 'app/', recurse: true });
    expect((all as unknown as { Key: string }[]).map((e) => e.Key)).toEqual(['app/config', 'app/flags']);
    expect(await consul.kv.del({ key: 'app/', recurse: true })).toBe(true);
    expect(await consul.kv.keys('')).toEqual([]);
  });

  it('checks-and-sets on ModifyIndex', async () => {
    await consul.kv.set('cas', 'a');
    const entry = await consul.kv.get('cas');
    // The client resolves a JSON `false` body as undefined (papi drops falsy values).
    expect(await consul.kv.set({ key: 'cas', value: 'x', cas: entry!.ModifyIndex + 1000 })).toBeUndefined();
    expect((await consul.kv.get('cas'))?.Value).toBe('a');
    expect(await consul.kv.set({ key: 'cas', value: 'b', cas: entry!.ModifyIndex })).toBe(true);
    expect((await consul.kv.get('cas'))?.Value).toBe('b');
  });

  it('creates a session and takes and releases a lock with it', async () => {
    const { ID } = await consul.session.create({ name: 'locker', ttl: '15s', lockdelay: '1s', behavior: 'release' });
    expect((await consul.session.info(ID))).toMatchObject({ ID, Name: 'locker', TTL: '15s', LockDelay: 1_000_000_000 });
    expect(await consul.kv.set({ key: 'lock', value: 'me', acquire: ID })).toBe(true);
    const held = (await consul.kv.get('lock')) as { Session?: string } | undefined;
    expect(held?.Session).toBe(ID);
    expect(await consul.kv.set({ key: 'lock', value: 'done', release: ID })).toBe(true);
    const released = (await consul.kv.get('lock')) as { Session?: string; Value?: string } | undefined;
    expect(released).toMatchObject({ Value: 'done' });
    expect(released?.Session).toBeUndefined();
    expect((await consul.session.renew(ID))[0]?.ID).toBe(ID);
    await consul.session.destroy(ID);
    expect(await consul.session.info(ID)).toBeUndefined();
  });

  it('runs a transaction', async () => {
    const ops = [
      { KV: { Verb: 'set', Key: 'txn/a', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'get', Key: 'txn/a' } },
    ];
    // The client's typings describe ops without their KV wrapper; its JS sends what it is given.
    const out = await consul.transaction.create(ops as never, { operations: ops as never });
    expect(out.Errors).toBeNull();
    expect(out.Results?.[1]?.KV?.Value).toBe(Buffer.from('1').toString('base64'));
  });

  it('rejects on Consul error statuses', async () => {
    await expect(consul.kv.set({ key: 'x', value: 'y', acquire: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(/invalid session/);
  });

  it('watches a key with blocking queries', async () => {
    await consul.kv.set('watched', 'v0');
    const watch = consul.watch({ method: consul.kv.get, options: { key: 'watched', wait: '5s' } as never });
    try {
      const values: string[] = [];
      const changed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('watch saw no change')), WATCH_TIMEOUT_MS);
        watch.on('error', reject);
        watch.on('change', (data: { Value?: string } | undefined) => {
          values.push(data?.Value ?? '');
          if (values.length === 1) void consul.kv.set('watched', 'v1');
          if (data?.Value === 'v1') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await changed;
      expect(values).toEqual(['v0', 'v1']);
    } finally {
      watch.end();
    }
  });
});

describe('over real sockets', () => {
  it('refuses an oversize Content-Length before the body is sent', async () => {
    const res = await rawHead('PUT', '/v1/kv/huge', { 'Content-Length': String(10 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(await readAll(res)).toMatch(/^Request body\(10485760 bytes\) too large, max size: 524288 bytes\./);
    res.socket.destroy();
  });

  it('redirects dot segments in the raw request target', async () => {
    const res = await rawHead('GET', '/v1/kv/a/./b?raw');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/v1/kv/a/b?raw');
    await readAll(res);
  });

  it('reads a body only up to Content-Length and answers 405 for HEAD', async () => {
    const res = await rawHead('HEAD', '/v1/kv/x');
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('OPTIONS,GET,PUT,DELETE');
    await readAll(res);
  });
});
