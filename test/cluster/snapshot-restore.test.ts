// Backup and restore across clusters of real processes: a snapshot saved from a 3-server
// cluster (through a follower, forwarded to the leader) is restored into a fresh 3-server
// cluster (uploaded through a follower); every server ends with identical KV, catalog and
// sessions, blocking queries wake, and later writes get indexes above everything restored.
// Damaged archives are refused with Consul's texts and change nothing.
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

let source: Cluster | undefined;
let target: Cluster | undefined;

beforeAll(async () => {
  source = await startCluster({ size: 3 });
  await source.leader();
});

afterAll(async () => {
  await source?.stop();
  await target?.stop();
});

async function json<T>(server: AgentProcess, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(server.url(path), init);
  expect(res.status, `${init?.method ?? 'GET'} ${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

interface KvEntry {
  Key: string;
  Value: string | null;
  Flags: number;
  Session?: string;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
}

/** What the test wrote, read back from one server (from its own state unless `leader`). */
async function observed(server: AgentProcess, leader = false) {
  const q = leader ? '' : 'stale';
  return {
    kv: await json<KvEntry[]>(server, `/v1/kv/?recurse&${q}`),
    sessions: await json<unknown[]>(server, `/v1/session/list?${q}`),
    web: await json<unknown[]>(server, `/v1/catalog/service/web?${q}`),
    node: await json<unknown>(server, `/v1/catalog/node/ext-1?${q}`),
  };
}

async function write(server: AgentProcess): Promise<void> {
  await json(server, '/v1/catalog/register', {
    method: 'PUT',
    body: JSON.stringify({
      Node: 'ext-1',
      Address: '127.0.0.10',
      Service: { ID: 'web-1', Service: 'web', Port: 80, Tags: ['v1'] },
      Check: { CheckID: 'ext-check', Name: 'ext', Status: 'passing' },
    }),
  });
  const { ID } = await json<{ ID: string }>(server, '/v1/session/create', {
    method: 'PUT',
    body: JSON.stringify({ Node: 'ext-1', NodeChecks: ['ext-check'], Name: 'ext-lock', LockDelay: '1s' }),
  });
  for (let i = 0; i < 20; i++) await json(server, `/v1/kv/app/k${i}?flags=${i}`, { method: 'PUT', body: `value-${i}` });
  expect(await json<boolean>(server, `/v1/kv/lock/a?acquire=${ID}`, { method: 'PUT', body: 'held' })).toBe(true);
  await json(server, '/v1/kv/tmp', { method: 'PUT', body: 'x' });
  await json(server, '/v1/kv/tmp', { method: 'DELETE' });
}

async function download(server: AgentProcess, query = ''): Promise<{ bytes: Buffer; index: number }> {
  const res = await fetch(server.url(`/v1/snapshot${query}`));
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-gzip');
  expect(res.headers.get('x-consul-knownleader')).toBe('true');
  expect(res.headers.get('x-consul-lastcontact')).toMatch(/^\d+$/);
  return { bytes: Buffer.from(await res.arrayBuffer()), index: Number(res.headers.get('x-consul-index')) };
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function members(gz: Buffer): Promise<{ name: string; data: Buffer }[]> {
  const extract = tar.extract();
  const out: { name: string; data: Buffer }[] = [];
  const done = (async () => {
    for await (const m of extract) out.push({ name: m.header.name, data: await collect(m as unknown as AsyncIterable<Uint8Array>) });
  })();
  extract.end(gunzipSync(gz));
  await done;
  return out;
}

async function repack(files: readonly { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, mode: 0o600, size: f.data.length }, f.data);
  pack.finalize();
  return gzipSync(await collect(pack as unknown as AsyncIterable<Uint8Array>));
}

describe('snapshot save and restore across clusters', () => {
  let archive: Buffer;
  let expected: Awaited<ReturnType<typeof observed>>;
  let savedIndex: number;

  it('saves a consistent archive through a follower (forwarded to the leader) and with ?stale', async () => {
    const leader = await source!.leader();
    await write(leader);
    const [follower, other] = await source!.followers();
    const saved = await download(follower!);
    archive = saved.bytes;
    savedIndex = saved.index;
    const files = await members(archive);
    expect(files.map((f) => f.name)).toEqual(['meta.json', 'state.bin', 'SHA256SUMS']);
    const meta = JSON.parse(files[0]!.data.toString()) as { Index: number; Term: number; Size: number; Configuration: { Servers: unknown[] } };
    expect(meta.Index).toBe(savedIndex);
    expect(meta.Size).toBe(files[1]!.data.length);
    expect(meta.Configuration.Servers).toHaveLength(3);
    expected = await observed(leader, true);
    expect(expected.kv.length).toBe(21);
    expect(Math.max(...expected.kv.map((e) => e.ModifyIndex))).toBeLessThanOrEqual(savedIndex);
    const stale = await download(other!, '?stale');
    expect(stale.index).toBeGreaterThanOrEqual(savedIndex);
  });

  it('restores into a fresh cluster: damaged archives first change nothing, then the real one replaces everything', async () => {
    await source!.stop();
    source = undefined;
    target = await startCluster({ size: 3 });
    const leader = await target.leader();
    await json(leader, '/v1/kv/b/only', { method: 'PUT', body: 'from the new cluster' });
    const [follower] = await target.followers();
    const before = await fetch(follower!.url('/v1/kv/b/only'));
    const beforeIndex = Number(before.headers.get('x-consul-index'));

    const [meta, state, sums] = await members(archive);
    const flipped = Buffer.from(state!.data);
    flipped[Math.floor(flipped.length / 2)] = flipped[Math.floor(flipped.length / 2)]! ^ 0x20;
    const wrongSums = sums!.data.toString().replace(/^[0-9a-f]{64}/, 'f'.repeat(64));
    const refusals: [string, Buffer, RegExp][] = [
      ['a flipped byte', await repack([meta!, { name: 'state.bin', data: flipped }, sums!]), /^failed to read snapshot file: failed checking integrity of snapshot: hash check failed for "state.bin"$/],
      ['a truncated archive', archive.subarray(0, Math.floor(archive.length * 0.6)), /^failed to read snapshot file: failed reading snapshot: unexpected EOF$/],
      ['wrong SHA256SUMS', await repack([meta!, state!, { name: 'SHA256SUMS', data: Buffer.from(wrongSums) }]), /^failed to read snapshot file: failed checking integrity of snapshot: hash check failed for "(meta\.json|state\.bin)"$/],
      ['an unexpected file', await repack([meta!, state!, { name: 'extra.bin', data: Buffer.from('x') }, sums!]), /^failed to read snapshot file: unexpected file "extra.bin" in snapshot$/],
    ];
    for (const [what, bytes, message] of refusals) {
      const res = await fetch(follower!.url('/v1/snapshot'), { method: 'PUT', body: bytes });
      expect(res.status, what).toBe(500);
      expect(await res.text(), what).toMatch(message);
    }
    const unchanged = await fetch(follower!.url('/v1/kv/b/only'));
    expect(unchanged.status).toBe(200);
    expect(Number(unchanged.headers.get('x-consul-index'))).toBe(beforeIndex);

    // A blocking query waiting on the old state wakes when the restore replaces it.
    const blocked = fetch(follower!.url(`/v1/kv/b/only?index=${beforeIndex}&wait=60s`));
    const restored = await fetch(follower!.url('/v1/snapshot'), { method: 'PUT', body: archive });
    expect(restored.status, await restored.clone().text()).toBe(200);
    expect(await restored.text()).toBe('');
    expect((await blocked).status).toBe(404);

    for (const server of target.servers) {
      const got = await waitFor(async () => {
        const o = await observed(server);
        return o.kv.length === expected.kv.length ? o : undefined;
      }, { timeoutMs: 20_000, what: `${server.options.name} to hold the restored state` });
      expect(got.kv).toEqual(expected.kv);
      expect(got.sessions).toEqual(expected.sessions);
      expect(got.web).toEqual(expected.web);
      expect(got.node).toEqual(expected.node);
      expect((await fetch(server.url('/v1/kv/b/only?stale'))).status).toBe(404);
    }
  });

  it('indexes continue upward: a write after the restore is above everything restored and everything before it', async () => {
    const leader = await target!.leader();
    await json(leader, '/v1/kv/after', { method: 'PUT', body: 'new' });
    const [entry] = await json<KvEntry[]>(leader, '/v1/kv/after');
    const restoredMax = Math.max(...expected.kv.map((e) => e.ModifyIndex));
    expect(entry!.CreateIndex).toBeGreaterThan(savedIndex);
    expect(entry!.CreateIndex).toBeGreaterThan(restoredMax);
    // The lock held in the saved cluster is still held by the same session.
    const [lock] = await json<KvEntry[]>(leader, '/v1/kv/lock/a');
    expect(lock!.Session).toBe((expected.kv.find((e) => e.Key === 'lock/a') as KvEntry).Session);
    const config = await json<{ Servers: { Address: string }[] }>(leader, '/v1/operator/raft/configuration');
    expect(config.Servers.map((s) => s.Address).sort()).toEqual(target!.servers.map((s) => s.clusterAddress).sort());
  });
});
