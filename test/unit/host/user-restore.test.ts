// RaftHost.restoreUserSnapshot over three real hosts (real WAL, snapshot store and TCP on
// 127.0.0.1, the tiny KV FSM): the leader installs the snapshot at a new index above its log
// and the snapshot's own index, followers take it by InstallSnapshot, writes continue above it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FatalStorageError, NotLeaderError, RejectedError } from '../../../consensus/host/errors.ts';
import type { UserSnapshot } from '../../../consensus/host/raft-host.ts';
import { listen, startNode, stopNode, voters, waitForApplied, waitForLeader, type TestNode } from './harness.ts';
import { KvFsm, put } from './kv-fsm.ts';

let root: string;
let nodes: TestNode[] = [];

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-restore-'));
  const transports = await Promise.all(['a', 'b', 'c'].map((id) => listen(id)));
  const config = voters(...transports.map((t, i) => ({ id: ['a', 'b', 'c'][i]!, address: t.localAddress })));
  nodes = await Promise.all(
    transports.map((t, i) => {
      const id = ['a', 'b', 'c'][i]!;
      const dir = join(root, id);
      mkdirSync(dir, { recursive: true });
      return startNode({ id, dir, bootstrap: config }, t);
    }),
  );
});

afterEach(async () => {
  for (const n of nodes) await stopNode(n).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

async function leader(): Promise<TestNode> {
  const info = await Promise.any(nodes.map((n) => waitForLeader(n.host, (i) => i.isLeader)));
  return nodes.find((n) => n.id === info.leaderId)!;
}

async function* bytes(entries: [string, string][]): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(JSON.stringify(entries));
}

function kvSnapshot(index: number, entries: [string, string][]): UserSnapshot & { opened: { index: number; term: number }[] } {
  const opened: { index: number; term: number }[] = [];
  return {
    index,
    opened,
    open(at) {
      opened.push(at);
      return bytes(entries);
    },
    empty: () => bytes([]),
  };
}

describe('RaftHost.restoreUserSnapshot', () => {
  it('replaces the state on every server at a new index and later writes continue above it', async () => {
    const l = await leader();
    for (let i = 0; i < 5; i++) await l.host.propose(put(`old${i}`, 'x'));
    const before = l.host.status().lastIndex;
    const snap = kvSnapshot(1_000, [['restored', 'yes']]);
    const at = await l.host.restoreUserSnapshot(snap);
    expect(at.index).toBe(1_001);
    expect(at.index).toBeGreaterThan(before);
    expect(snap.opened).toEqual([at]);
    const next = await l.host.propose(put('after', 'z'));
    expect(next.index).toBeGreaterThan(at.index);
    await Promise.all(nodes.map((n) => waitForApplied(n.host, next.index)));
    for (const n of nodes) {
      expect([...n.fsm.data].sort()).toEqual([['after', 'z'], ['restored', 'yes']]);
      expect(n.host.status().snapshotIndex).toBe(at.index);
    }
  });

  it('installs just above the log when the snapshot is older than it', async () => {
    const l = await leader();
    for (let i = 0; i < 3; i++) await l.host.propose(put(`k${i}`, 'x'));
    const last = l.host.status().lastIndex;
    // A barrier entry precedes the restore, so the snapshot lands two above the last write.
    const at = await l.host.restoreUserSnapshot(kvSnapshot(1, [['only', '1']]));
    expect(at.index).toBe(last + 2);
  });

  it('is refused on a follower and nothing changes', async () => {
    const l = await leader();
    const written = await l.host.propose(put('k', 'v'));
    const follower = nodes.find((n) => n !== l)!;
    await waitForApplied(follower.host, written.index);
    await expect(follower.host.restoreUserSnapshot(kvSnapshot(1, []))).rejects.toBeInstanceOf(NotLeaderError);
    expect(follower.fsm.data.get('k')).toBe('v');
  });

  it('refuses proposals while it runs and a failing source changes nothing', async () => {
    const l = await leader();
    await l.host.propose(put('k', 'v'));
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const failing: UserSnapshot = {
      index: 1,
      open: () =>
        (async function* () {
          yield new TextEncoder().encode('[["half"');
          await gate;
          throw new Error('upload cut off');
        })(),
      empty: () => bytes([]),
    };
    const restoring = l.host.restoreUserSnapshot(failing);
    const refused = await waitUntilRefused(() => l.host.propose(put('during', 'x')));
    expect(refused).toBeInstanceOf(RejectedError);
    expect((refused as RejectedError).code).toBe('restoring');
    release();
    await expect(restoring).rejects.toThrow('upload cut off');
    const after = await l.host.propose(put('k', 'v2'));
    await Promise.all(nodes.map((n) => waitForApplied(n.host, after.index)));
    for (const n of nodes) expect([...n.fsm.data]).toEqual([['k', 'v2']]);
    expect((await l.snapshots.list()).every((s) => s.meta.index < after.index)).toBe(true);
  });
});

describe('losing leadership while the state machine loads the snapshot', () => {
  it('stops the host with the state emptied and the snapshot discarded; a restart rebuilds the state from the log', async () => {
    const l = await leader();
    for (let i = 0; i < 3; i++) await l.host.propose(put(`k${i}`, 'v'));
    const before = [...l.fsm.data].sort();
    // Hold the FSM restore until the followers are gone and this server has stepped down.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const restore = l.fsm.restore.bind(l.fsm);
    l.fsm.restore = async (source, at) => {
      if (at.index > 0) await gate;
      return restore(source, at);
    };
    const restoring = l.host.restoreUserSnapshot(kvSnapshot(1_000, [['restored', 'yes']]));
    await waitForSnapshotFile(l);
    for (const f of nodes.filter((n) => n !== l)) await stopNode(f);
    await waitForLeader(l.host, (i) => !i.isLeader, 10_000);
    release();
    await expect(restoring).rejects.toBeInstanceOf(FatalStorageError);
    expect(l.host.status().state).toBe('failed');
    expect(l.fsm.applied()).toEqual({ index: 0, term: 0 });
    expect((await l.snapshots.list()).some((s) => s.meta.index >= 1_000)).toBe(false);
    // The cluster restarted over the same directories (in-memory FSMs start empty everywhere):
    // the emptied server rebuilds the pre-restore state from its log like the others.
    await stopNode(l);
    nodes = await Promise.all(nodes.map((n) => startNode({ id: n.id, dir: n.dir, port: n.port, fsm: new KvFsm() })));
    const next = await leader();
    const written = await next.host.propose(put('later', 'x'));
    const rebuilt = nodes.find((n) => n.id === l.id)!;
    await waitForApplied(rebuilt.host, written.index);
    expect([...rebuilt.fsm.data].sort()).toEqual([...before, ['later', 'x']].sort());
  });
});

async function waitForSnapshotFile(n: TestNode): Promise<void> {
  // Bounded: the restore writes the staged snapshot within a few event-loop turns.
  for (let i = 0; i < 500; i++) {
    if ((await n.snapshots.list()).some((s) => s.meta.index >= 1_000)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the staged snapshot never appeared');
}

/** Proposals are refused once the restore passed its barrier; retries until then (bounded). */
async function waitUntilRefused(propose: () => Promise<unknown>): Promise<unknown> {
  for (let i = 0; i < 200; i++) {
    try {
      await propose();
    } catch (err) {
      return err;
    }
  }
  throw new Error('proposals were never refused');
}
