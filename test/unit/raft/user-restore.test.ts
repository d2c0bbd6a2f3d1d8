// A user-supplied snapshot restored on the leader (hashicorp/raft's Raft.Restore): the log
// restarts after it at a new index, followers are forced onto it with InstallSnapshot, and
// later entries continue above it.

import { describe, expect, it } from 'vitest';
import type { Index, SnapshotMeta } from '../../../consensus/raft/index.ts';
import { Cluster, type TestNode } from './harness.ts';

const RESTORED = ['restored-a', 'restored-b'];

function settled(): Cluster {
  const c = new Cluster({ voters: ['1', '2', '3'] });
  c.elect('1');
  for (const p of ['x', 'y', 'z']) c.propose('1', p);
  c.stabilize();
  return c;
}

/** The driver's part of a user restore on the leader: store and load the state, then install. */
function restoreOnLeader(c: Cluster, t: TestNode, meta: SnapshotMeta): void {
  t.snapshots.set(meta.index, [...RESTORED]);
  const res = t.node.restoreUserSnapshot(meta);
  expect(res).toEqual({ ok: true, meta });
  const rd = t.node.ready();
  expect(rd.snapshot).toEqual(meta);
  expect(rd.committedEntries).toEqual([]);
  t.storage.applySnapshot(meta);
  t.state = [...RESTORED];
  t.appliedIndex = meta.index;
  t.storage.append(rd.entries);
  if (rd.hardState) t.storage.setHardState(rd.hardState);
  c.queue.push(...rd.messages.map((m) => c.wire(m)), ...rd.messagesAfterPersist);
  t.node.advance(rd);
}

describe('user snapshot restore on the leader', () => {
  it('takes the index above both the log and the snapshot, in the current term', () => {
    const c = settled();
    const leader = c.get('1');
    const st = leader.node.status();
    const low = leader.node.userSnapshotMeta(0 as Index);
    expect(low).toMatchObject({ ok: true, meta: { index: st.lastIndex + 1, term: st.term, configurationIndex: st.configurationIndex } });
    const high = leader.node.userSnapshotMeta(500 as Index);
    expect(high).toMatchObject({ ok: true, meta: { index: 501 } });
  });

  it('every server ends with the restored state and later entries continue above it', () => {
    const c = settled();
    const leader = c.get('1');
    const res = leader.node.userSnapshotMeta(500 as Index);
    if (!res.ok) throw new Error(res.error.code);
    restoreOnLeader(c, leader, res.meta);
    expect(leader.node.status()).toMatchObject({ commit: 501, applied: 501, lastIndex: 501, firstIndex: 502, role: 'leader' });
    c.stabilize();
    for (const id of ['2', '3']) {
      const f = c.get(id);
      expect(f.state).toEqual(RESTORED);
      expect(f.appliedIndex).toBe(501);
      expect(f.storage.snapshot().index).toBe(501);
    }
    const next = c.propose('1', 'after');
    expect(next).toBe(502);
    c.stabilize();
    for (const id of ['1', '2', '3']) expect(c.get(id).state).toEqual([...RESTORED, 'after']);
  });

  it('a follower that was partitioned during the restore catches up from the snapshot', () => {
    const c = settled();
    c.isolate('3');
    const leader = c.get('1');
    const res = leader.node.userSnapshotMeta(0 as Index);
    if (!res.ok) throw new Error(res.error.code);
    restoreOnLeader(c, leader, res.meta);
    c.propose('1', 'during');
    c.stabilize();
    expect(c.get('2').state).toEqual([...RESTORED, 'during']);
    expect(c.get('3').state).toEqual(['x', 'y', 'z']);
    // The stream to it was lost in the partition: the leader's driver reports it failed.
    expect(leader.node.status().progress?.find((p) => p.id === '3')?.state).toBe('snapshot');
    leader.node.reportSnapshot('3' as never, 'failed');
    c.heal();
    // Heartbeats reach it again; its answers show the leader it needs the snapshot.
    for (let i = 0; i < 3; i++) {
      c.tick('1');
      c.stabilize();
    }
    expect(c.get('3').state).toEqual([...RESTORED, 'during']);
  });

  it('is refused on a follower, with entries outstanding, during a membership change, and when stale', () => {
    const c = settled();
    expect(c.get('2').node.userSnapshotMeta(0 as Index)).toEqual({ ok: false, error: { code: 'notLeader', leader: '1' } });
    const leader = c.get('1');
    const res = leader.node.userSnapshotMeta(0 as Index);
    if (!res.ok) throw new Error(res.error.code);
    c.propose('1', 'late');
    expect(leader.node.userSnapshotMeta(0 as Index)).toEqual({ ok: false, error: { code: 'notQuiescent' } });
    c.stabilize();
    // The log moved on since the position was chosen: installing there would reuse an index.
    expect(leader.node.restoreUserSnapshot(res.meta)).toEqual({ ok: false, error: { code: 'stale' } });
    const change = leader.node.proposeConfChange({ type: 'remove', id: '3' as never });
    expect(change.ok).toBe(true);
    expect(leader.node.userSnapshotMeta(0 as Index)).toMatchObject({ ok: false });
    expect(leader.node.status().lastIndex).toBeGreaterThan(res.meta.index - 1);
  });
});
