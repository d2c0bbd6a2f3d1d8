// RaftHost.restoreUserSnapshot over three real hosts (real WAL, snapshot store and TCP on
// 127.0.0.1, the tiny KV FSM): the leader installs the snapshot at a new index above its log
// and the snapshot's own index, followers take it by InstallSnapshot, writes continue above it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotLeaderError, RejectedError } from '../../../consensus/host/errors.ts';
import type { UserSnapshot } from '../../../consensus/host/raft-host.ts';
import { listen, startNode, stopNode, voters, waitForApplied, waitForLeader, type TestNode } from './harness.ts';
import { put } from './kv-fsm.ts';

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

function kvSnapshot(index: number, entries: [string, string][]): UserSnapshot & { opened: { index: number; term: number }[] } {
  const opened: { index: number; term: number }[] = [];
  return {
    index,
    opened,
    open(at) {
      opened.push(at);
      return (async function* () {
        yield new TextEncoder().encode(JSON.stringify(entries));
      })();
    },
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
