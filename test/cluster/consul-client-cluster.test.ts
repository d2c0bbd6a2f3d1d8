// The npm `consul` client against a 3-server cluster of real processes, through a follower and
// through the leader: KV, CAS, sessions and locks (also under concurrency), txn, status, the
// watch helper, and a leader killed in the middle of a write load.
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

/** Bound on one watch round trip. */
const WATCH_TIMEOUT_MS = 15_000;
/** Writers in the concurrency tests: enough to interleave, few enough for 2 cores. */
const WRITERS = 8;

let cluster: Cluster;
let leader: AgentProcess;
let follower: AgentProcess;

const client = (s: AgentProcess): Consul => new Consul({ host: '127.0.0.1', port: s.options.httpPort });

// node-consul 2.x resolves a JSON `false` body as undefined (papi drops falsy values), so a
// refused CAS or acquire reads as "not true" here; the exact body is asserted in test/routes.
const refused = (value: unknown): void => expect(value === false || value === undefined, `got ${String(value)}`).toBe(true);

beforeAll(async () => {
  cluster = await startCluster({ size: 3 });
  leader = await cluster.leader();
  follower = (await cluster.followers())[0]!;
  // Default sessions need every server's own node registration (synced once a leader is known).
  await waitFor(async () => ((await fetch(follower.url('/v1/session/create'), { method: 'PUT' })).status === 200 ? true : undefined), {
    timeoutMs: 15_000,
    what: 'self-registration',
  });
});

afterAll(async () => {
  await cluster?.stop();
});

describe.each([
  ['the leader', () => leader],
  ['a follower', () => follower],
])('the npm consul client through %s', (name, server) => {
  const prefix = name === 'the leader' ? 'L' : 'F';

  it('reads status, sets, gets, lists and deletes keys', async () => {
    const consul = client(server());
    expect(await consul.status.leader()).toBe(leader.clusterAddress);
    expect((await consul.status.peers()).sort()).toEqual(cluster.servers.map((s) => s.clusterAddress).sort());
    expect(await consul.kv.set(`${prefix}/app/a`, '1')).toBe(true);
    expect(await consul.kv.set(`${prefix}/app/b`, '2')).toBe(true);
    expect(await consul.kv.get(`${prefix}/app/a`)).toMatchObject({ Key: `${prefix}/app/a`, Value: '1' });
    expect(await consul.kv.keys(`${prefix}/app/`)).toEqual([`${prefix}/app/a`, `${prefix}/app/b`]);
    expect(await consul.kv.del({ key: `${prefix}/app/`, recurse: true })).toBe(true);
    expect(await consul.kv.get(`${prefix}/app/a`)).toBeUndefined();
  });

  it('does CAS: only the writer that saw the current index wins', async () => {
    const consul = client(server());
    await consul.kv.set(`${prefix}/cas`, 'v0');
    const entry = (await consul.kv.get(`${prefix}/cas`)) as { ModifyIndex: number };
    expect(await consul.kv.set({ key: `${prefix}/cas`, value: 'v1', cas: entry.ModifyIndex })).toBe(true);
    refused(await consul.kv.set({ key: `${prefix}/cas`, value: 'v2', cas: entry.ModifyIndex }));
    expect(await consul.kv.get(`${prefix}/cas`)).toMatchObject({ Value: 'v1' });
  });

  it('takes a lock with a session, refuses a second holder, and releases it', async () => {
    const consul = client(server());
    const a = await consul.session.create({ name: 'a', lockdelay: '0s' });
    const b = await consul.session.create({ name: 'b', lockdelay: '0s' });
    expect(await consul.kv.set({ key: `${prefix}/lock`, value: 'a', acquire: a.ID })).toBe(true);
    refused(await consul.kv.set({ key: `${prefix}/lock`, value: 'b', acquire: b.ID }));
    expect(await consul.kv.set({ key: `${prefix}/lock`, value: 'a-done', release: a.ID })).toBe(true);
    expect(await consul.kv.set({ key: `${prefix}/lock`, value: 'b', acquire: b.ID })).toBe(true);
    expect(await consul.kv.get(`${prefix}/lock`)).toMatchObject({ Session: b.ID, LockIndex: 2 });
    await consul.session.destroy(a.ID);
    await consul.session.destroy(b.ID);
  });

  it('runs a transaction and a rolled-back one', async () => {
    const consul = client(server());
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const ok = [{ KV: { Verb: 'set', Key: `${prefix}/txn/a`, Value: b64('1') } }, { KV: { Verb: 'get', Key: `${prefix}/txn/a` } }];
    const out = await consul.transaction.create(ok as never, { operations: ok as never });
    expect(out.Errors).toBeNull();
    expect(out.Results?.[1]?.KV?.Value).toBe(b64('1'));
    const bad = [{ KV: { Verb: 'set', Key: `${prefix}/txn/b`, Value: b64('2') } }, { KV: { Verb: 'check-not-exists', Key: `${prefix}/txn/a` } }];
    await expect(consul.transaction.create(bad as never, { operations: bad as never })).rejects.toThrow();
    expect(await consul.kv.get(`${prefix}/txn/b`)).toBeUndefined();
  });

  it('watches a key: the watch helper sees a write made through another server', async () => {
    const consul = client(server());
    const other = client(server() === leader ? follower : leader);
    await consul.kv.set(`${prefix}/watched`, 'v0');
    const watch = consul.watch({ method: consul.kv.get, options: { key: `${prefix}/watched`, wait: '5s' } as never });
    try {
      const values: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`watch saw ${JSON.stringify(values)}`)), WATCH_TIMEOUT_MS);
        watch.on('error', reject);
        watch.on('change', (data: { Value?: string } | undefined) => {
          values.push(data?.Value ?? '');
          if (values.length === 1) void other.kv.set(`${prefix}/watched`, 'v1');
          if (data?.Value === 'v1') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect(values).toEqual(['v0', 'v1']);
    } finally {
      watch.end();
    }
  });
});

describe('concurrency across servers', () => {
  it('CAS increments from every server never lose an update', async () => {
    const key = 'counter';
    await client(leader).kv.set(key, '0');
    const clients = cluster.servers.map(client);
    const incrementsPerWriter = 5;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const consul = clients[w % clients.length]!;
        for (let done = 0, attempts = 0; done < incrementsPerWriter; attempts++) {
          expect(attempts).toBeLessThan(500);
          const cur = (await consul.kv.get({ key, consistent: true } as never)) as { Value: string; ModifyIndex: number };
          if (await consul.kv.set({ key, value: String(Number(cur.Value) + 1), cas: cur.ModifyIndex })) done++;
        }
      }),
    );
    expect(await client(follower).kv.get({ key, consistent: true } as never)).toMatchObject({ Value: String(WRITERS * incrementsPerWriter) });
  });

  it('a lock contended from every server has exactly one holder at a time', async () => {
    const clients = cluster.servers.map(client);
    const holders: string[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const consul = clients[w % clients.length]!;
        const { ID } = await consul.session.create({ name: `w${w}`, lockdelay: '0s' });
        for (let attempts = 0; ; attempts++) {
          expect(attempts).toBeLessThan(1_000);
          if (await consul.kv.set({ key: 'mutex', value: `w${w}`, acquire: ID })) break;
        }
        inside++;
        maxInside = Math.max(maxInside, inside);
        holders.push(`w${w}`);
        const seen = (await consul.kv.get({ key: 'mutex', consistent: true } as never)) as unknown as { Session: string };
        expect(seen.Session).toBe(ID);
        inside--;
        expect(await consul.kv.set({ key: 'mutex', value: '', release: ID })).toBe(true);
        await consul.session.destroy(ID);
      }),
    );
    expect(maxInside).toBe(1);
    expect(new Set(holders).size).toBe(WRITERS);
  });
});

describe('the leader killed under load', () => {
  it('elects a new leader, loses no acknowledged write, and clients recover', async () => {
    const old = await cluster.leader();
    const survivors = cluster.servers.filter((s) => s !== old).map(client);
    const acknowledged = new Set<string>();
    let failures = 0;
    let stop = false;
    const load = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop && i < 400; i++) {
        const key = `load/${w}/${i}`;
        try {
          if (await survivors[w % 2]!.kv.set(key, key)) acknowledged.add(key);
        } catch {
          failures++; // no leader for a moment: Consul's 500, the client retries the next key
        }
      }
    });
    await waitFor(() => (acknowledged.size >= 40 ? true : undefined), { timeoutMs: 20_000, what: 'load to start' });
    await old.kill();
    const next = await cluster.leader();
    expect(next).not.toBe(old);
    await waitFor(() => (acknowledged.size >= 200 ? true : undefined), { timeoutMs: 30_000, what: 'writes to resume under the new leader' });
    stop = true;
    await Promise.all(load);
    const reader = client(next);
    for (const key of acknowledged) expect(await reader.kv.get({ key, consistent: true } as never), key).toMatchObject({ Value: key });
    await old.start();
    await cluster.leader();
    expect(failures).toBeLessThan(acknowledged.size);
  });
});
