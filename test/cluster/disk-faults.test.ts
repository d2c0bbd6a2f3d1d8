// Disk faults on real server processes: a full disk (a size-limited tmpfs where the test may
// mount one, else the server's test-only fault Vfs), a failing fsync, and a state database
// deleted or damaged while the server was stopped. Nothing acknowledged is lost in any of them.
import { mkdtempSync, openSync, closeSync, readdirSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DISK_FAULTS_ENV } from '../../app/test-faults.ts';
import type { AgentProcess } from '../support/agent-process.ts';
import { fullDisk, raftLastIndex, startSmallCluster, type FullDisk, type SmallCluster } from '../support/disk-faults.ts';
import { waitFor } from '../support/wait.ts';

/** Every wait for another process is bounded by this. */
const WAIT_MS = 30_000;
const MIB = 1024 * 1024;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'cairn-disk-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

function disk(root: string): FullDisk {
  const d = fullDisk(root, 96);
  cleanups.push(() => d.dispose());
  return d;
}

async function cluster(specs: Parameters<typeof startSmallCluster>[0], extraArgs: string[] = []): Promise<SmallCluster> {
  const c = await startSmallCluster(specs, extraArgs);
  cleanups.push(() => c.stop());
  return c;
}

async function put(server: AgentProcess, key: string, value: string): Promise<{ status: number; body: string }> {
  const res = await fetch(server.url(`/v1/kv/${key}`), { method: 'PUT', body: value, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.text() };
}

async function value(server: AgentProcess, key: string, query = '?stale'): Promise<string | null> {
  const res = await fetch(server.url(`/v1/kv/${key}${query}${query === '' ? '?' : '&'}raw`), { signal: AbortSignal.timeout(15_000) });
  return res.status === 200 ? res.text() : null;
}

/** Resolves once `server` has exited on its own (it was not signalled). */
async function exitedOnItsOwn(server: AgentProcess): Promise<void> {
  await waitFor(() => (server.running ? undefined : true), { timeoutMs: WAIT_MS, what: `${server.options.name} to stop` });
}

async function caughtUp(server: AgentProcess, keys: readonly string[]): Promise<void> {
  await waitFor(async () => ((await value(server, keys.at(-1)!)) === null ? undefined : true), { timeoutMs: WAIT_MS, what: `${server.options.name} to catch up` });
  for (const k of keys) expect(await value(server, k), k).toBe(`v-${k}`);
}

async function writeAll(via: AgentProcess, keys: readonly string[]): Promise<void> {
  for (const k of keys) expect(await put(via, k, `v-${k}`)).toEqual({ status: 200, body: 'true' });
}

const keys = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}/${i}`);

describe('a full disk', () => {
  it('the leader refuses client writes with a clear 500 (nothing reaches Raft), serves reads, and accepts writes once space returns', async () => {
    const d = disk(scratch());
    const c = await cluster([{ dataDir: d.dataDir, env: d.env }]);
    const [server] = c.servers as [AgentProcess];
    await c.leader();
    const before = keys('before', 10);
    await writeAll(server, before);

    d.fill(8 * MIB); // below the 32 MiB reserve, with room for what the server writes itself
    // The leader reads the free space at most every 100 ms: a write or two may still pass.
    let attempt = 0;
    const refused = await waitFor(async () => {
      const r = await put(server, `refused/${attempt++}`, 'x');
      return r.status === 500 ? { ...r, key: `refused/${attempt - 1}` } : undefined;
    }, { timeoutMs: WAIT_MS, what: 'the write to be refused' });
    expect(refused.body).toMatch(/^No space left on device: .* free in the data directory, below the 32\.0 MiB kept in reserve; writes are refused until space is freed$/);
    const index = await raftLastIndex(server);
    const txn = await fetch(server.url('/v1/txn'), { method: 'PUT', body: JSON.stringify([{ KV: { Verb: 'set', Key: 'refused/txn', Value: 'eA==' } }]) });
    expect(txn.status).toBe(500);
    const session = await fetch(server.url('/v1/session/create'), { method: 'PUT' });
    expect(session.status).toBe(500);
    expect(await raftLastIndex(server)).toBe(index);
    for (const k of before) expect(await value(server, k, '?consistent')).toBe(`v-${k}`);

    d.release();
    await waitFor(async () => ((await put(server, 'after/0', 'v-after/0')).status === 200 ? true : undefined), { timeoutMs: WAIT_MS, what: 'writes to be accepted again' });
    await server.kill();
    await c.start(server);
    await c.leader();
    await caughtUp(server, [...before, 'after/0']);
    expect(await value(server, refused.key)).toBeNull();
    expect(await value(server, 'refused/txn')).toBeNull();
    console.log(`full-disk mode: ${d.mode}`);
  });

  it('a follower whose disk fills stops without damaging its WAL or state, and catches up once restarted with space', async () => {
    const root = scratch();
    const d = disk(root);
    const c = await cluster([{ dataDir: join(root, 's1') }, { dataDir: join(root, 's2') }, { dataDir: d.dataDir, env: d.env }]);
    const victim = c.servers[2]!;
    let leader = await c.leader();
    if (leader === victim) {
      await fetch(victim.url('/v1/operator/raft/transfer-leader'), { method: 'POST' });
      leader = await waitFor(async () => {
        const l = await c.leader();
        return l === victim ? undefined : l;
      }, { timeoutMs: WAIT_MS, what: 'leadership to leave the victim' });
    }
    const before = keys('a', 20);
    await writeAll(leader, before);
    await caughtUp(victim, before);

    d.fill(0);
    const during = keys('b', 50);
    // The quorum (the other two) keeps acknowledging writes while the victim's disk is full.
    await writeAll(leader, during);
    await exitedOnItsOwn(victim);
    expect(victim.tail(400)).toMatch(/Raft stopped on a fatal error/);

    d.release();
    await c.start(victim);
    await caughtUp(victim, [...before, ...during]);
    console.log(`full-disk mode: ${d.mode}`);
  });
});

describe('a failed fsync', () => {
  it('stops the server (never retry-and-continue); a restart recovers it and nothing acknowledged is lost', async () => {
    const root = scratch();
    const triggers = [0, 1, 2].map((i) => join(root, `fsync-fails-${i}`));
    const c = await cluster(triggers.map((t, i) => ({ dataDir: join(root, `s${i + 1}`), env: { [DISK_FAULTS_ENV]: JSON.stringify({ fsyncEio: t }) } })));
    const leader = await c.leader();
    const i = c.servers.indexOf(leader);
    const before = keys('a', 20);
    await writeAll(leader, before);

    writeFileSync(triggers[i]!, '');
    const failed = await put(leader, 'during', 'v-during');
    // The write whose fsync failed is not acknowledged by the failing leader.
    expect(failed.status === 200 && failed.body === 'true').toBe(false);
    await exitedOnItsOwn(leader);
    expect(leader.tail(400)).toMatch(/EIO: i\/o error, fdatasync[\s\S]*Raft stopped on a fatal error/);

    const next = await c.leader();
    expect(next).not.toBe(leader);
    const after = keys('b', 10);
    await writeAll(next, after);
    rmSync(triggers[i]!);
    await c.start(leader);
    await caughtUp(leader, [...before, ...after]);
  });
});

describe('a damaged state database', () => {
  /** Small snapshot thresholds: the rebuild needs a snapshot and the log after it. */
  const SNAPSHOT_ARGS = { raft_snapshot_threshold: 40, raft_trailing_logs: 10 };

  it('deleted or damaged while the server was stopped, it is rebuilt from the snapshots and the log', async () => {
    const root = scratch();
    const configFile = join(root, 'config.json');
    writeFileSync(configFile, JSON.stringify(SNAPSHOT_ARGS));
    const dirs = [1, 2, 3].map((i) => join(root, `s${i}`));
    const c = await cluster(dirs.map((dataDir) => ({ dataDir })), ['-config-file', configFile]);
    const leader = await c.leader();
    const first = keys('a', 60);
    await writeAll(leader, first);
    const [f1, f2] = c.servers.filter((s) => s !== leader) as [AgentProcess, AgentProcess];
    await caughtUp(f1, first);
    await caughtUp(f2, first);
    await waitFor(() => (readdirSync(join(dirs[c.servers.indexOf(f1)]!, 'raft', 'snapshots')).some((n) => n.endsWith('.snap')) ? true : undefined), {
      timeoutMs: WAIT_MS, what: 'a snapshot on the follower',
    });

    // One follower at a time (the other two keep a quorum for the writes meanwhile).
    const stateFiles = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('state.db'));
    // f1: every state file deleted.
    await f1.stop();
    const f1dir = dirs[c.servers.indexOf(f1)]!;
    for (const n of stateFiles(f1dir)) rmSync(join(f1dir, n));
    const more = keys('b', 15);
    await writeAll(leader, more);
    await c.start(f1);
    await caughtUp(f1, [...first, ...more]);
    // f2: its live database and its WAL overwritten with garbage.
    await f2.stop();
    const f2dir = dirs[c.servers.indexOf(f2)]!;
    for (const n of stateFiles(f2dir).filter((n) => !n.endsWith('-shm') && !n.endsWith('.current'))) scribble(join(f2dir, n));
    const yet = keys('c', 15);
    await writeAll(leader, yet);
    await c.start(f2);
    await caughtUp(f2, [...first, ...more, ...yet]);
    expect(f2.tail(400)).toMatch(/the state database is damaged; moved aside/);
    expect(readdirSync(f2dir).some((n) => n.startsWith('damaged-state-'))).toBe(true);
    // Both serve as before: a write through each, read back everywhere.
    await writeAll(f1, ['d/1']);
    await writeAll(f2, ['d/2']);
    for (const s of c.servers) await caughtUp(s, ['d/1', 'd/2']);
  });
});

/** Overwrites the start of a file (its header, for a SQLite database) with garbage. */
function scribble(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(Math.min(size, 8192), 0xa5), 0, Math.min(size, 8192), 0);
  } finally {
    closeSync(fd);
  }
}
