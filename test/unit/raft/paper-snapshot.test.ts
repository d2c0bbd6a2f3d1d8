// Log compaction and InstallSnapshot (Raft paper §7).

import { describe, expect, it } from 'vitest';
import { nodeId, type Index, type Term } from '../../../consensus/raft/index.ts';
import { Cluster } from './harness.ts';

const n = nodeId;
const config = { snapshotThreshold: 10, snapshotTrailing: 2 };

function proposeMany(c: Cluster, leader: string, count: number, prefix = 'p'): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    c.propose(leader, `${prefix}${i}`);
    out.push(`${prefix}${i}`);
    c.stabilize();
  }
  return out;
}

/** A 3-node cluster whose node 3 missed enough entries that the leader compacted them. */
function laggingCluster(): { c: Cluster; written: string[] } {
  const c = new Cluster({ voters: ['1', '2', '3'], config });
  c.elect('1');
  c.isolate('3');
  const written = proposeMany(c, '1', 25);
  expect(c.get('1').storage.firstIndex()).toBeGreaterThan(c.get('3').storage.lastIndex() + 1);
  return { c, written };
}

describe('§7 log compaction', () => {
  it('raises snapshotDue after snapshotThreshold applied entries, once', () => {
    const c = new Cluster({ voters: ['1'], config });
    c.get('1').autoSnapshot = false;
    c.elect('1');
    let due = 0;
    for (let i = 0; i < 12; i++) {
      c.propose('1', `p${i}`);
      for (let k = 0; k < 5; k++) if (c.processReady('1')?.snapshotDue) due++;
    }
    expect(due).toBe(1);
    expect(c.get('1').appliedIndex).toBeGreaterThanOrEqual(10);
  });

  it('compacts the log behind a snapshot, keeping snapshotTrailing entries', () => {
    const c = new Cluster({ voters: ['1'], config });
    c.get('1').autoSnapshot = false;
    c.elect('1');
    proposeMany(c, '1', 12);
    const t = c.get('1');
    const meta = c.snapshot(t);
    expect(meta.index).toBe(t.appliedIndex);
    const rd = c.processReady('1');
    expect(rd?.compactTo).toBe(meta.index - 2);
    expect(t.storage.firstIndex()).toBe(meta.index - 1);
  });

  it('a failed snapshot is asked for again only after more entries are applied', () => {
    const c = new Cluster({ voters: ['1'], config });
    c.get('1').autoSnapshot = false;
    c.elect('1');
    proposeMany(c, '1', 12);
    c.get('1').node.snapshotFailed();
    expect(c.get('1').node.hasReady()).toBe(false);
    c.propose('1', 'more');
    let due = false;
    for (let k = 0; k < 5; k++) due ||= c.processReady('1')?.snapshotDue ?? false;
    expect(due).toBe(true);
  });

  it('a restarted node starts from its snapshot and the log after it', () => {
    const c = new Cluster({ voters: ['1'], config });
    c.elect('1');
    proposeMany(c, '1', 25);
    const t = c.get('1');
    expect(t.storage.snapshot().index).toBeGreaterThan(0);
    const snapIndex = t.storage.snapshot().index;
    const restarted = c.start(t.id, t.storage, [...(t.snapshots.get(snapIndex) ?? [])], snapIndex);
    c.elect('1');
    c.stabilize();
    expect(restarted.state).toEqual(proposeManyNames(25));
    expect(restarted.node.configuration().configuration.servers.map((s) => s.id)).toEqual(['1']);
  });
});

function proposeManyNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `p${i}`);
}

describe('§7 InstallSnapshot', () => {
  it('a follower behind the compacted log receives a snapshot and then the rest', () => {
    const { c, written } = laggingCluster();
    c.heal();
    c.tick('1');
    let installs = 0;
    let sends = 0;
    for (let round = 0; round < 50; round++) {
      for (const id of c.ids()) {
        const rd = c.processReady(id);
        if (rd?.snapshot && id === '3') installs++;
      }
      sends += c.queue.filter((m) => m.type === 'snapshot').length;
      if (c.queue.length === 0) break;
      c.deliver();
    }
    expect(installs).toBe(1);
    expect(sends).toBe(1);
    expect(c.get('3').state).toEqual(written);
    const more = proposeMany(c, '1', 3, 'q');
    expect(c.get('3').state).toEqual([...written, ...more]);
    expect(c.get('1').node.status().progress?.find((p) => p.id === '3')?.state).toBe('replicate');
  });

  it('a failed snapshot stream is reported and the snapshot is sent again', () => {
    const { c } = laggingCluster();
    c.heal();
    c.tick('1');
    c.stabilize(['1']);
    c.processReady('1');
    // Let heartbeats through until the leader decides to send a snapshot; drop it.
    for (let i = 0; i < 5 && !c.queue.some((m) => m.type === 'snapshot'); i++) {
      c.deliver();
      c.processReady('3');
      c.deliver();
      c.processReady('1');
    }
    expect(c.queue.some((m) => m.type === 'snapshot' && m.to === '3')).toBe(true);
    c.queue = c.queue.filter((m) => m.type !== 'snapshot');
    expect(c.get('1').node.status().progress?.find((p) => p.id === '3')?.state).toBe('snapshot');
    c.get('1').node.reportSnapshot(n('3'), 'failed');
    expect(c.get('1').node.status().progress?.find((p) => p.id === '3')?.state).toBe('probe');
    c.tick('1');
    c.stabilize();
    expect(c.get('3').state).toEqual(c.get('1').state);
  });

  it('a snapshot stream that never ends times out back to probing', () => {
    const { c } = laggingCluster();
    c.heal();
    const state = (): string | undefined => c.get('1').node.status().progress?.find((p) => p.id === '3')?.state;
    // The network loses every snapshot stream: the follower stays in snapshot state until the
    // send timeout (600 ticks by default), then is probed and sent a snapshot again.
    let lost = 0;
    for (let tick = 0; tick < 700; tick++) {
      c.tick('1');
      for (let round = 0; round < 10; round++) {
        for (const id of c.ids()) c.processReady(id);
        lost += c.queue.filter((m) => m.type === 'snapshot').length;
        c.queue = c.queue.filter((m) => m.type !== 'snapshot');
        if (c.queue.length === 0) break;
        c.deliver();
      }
      if (tick === 100) expect(state()).toBe('snapshot');
    }
    expect(lost).toBe(2);
    expect(state()).toBe('snapshot');
    c.get('1').node.reportSnapshot(n('3'), 'failed');
    c.tick('1');
    c.stabilize();
    expect(c.get('3').state).toEqual(c.get('1').state);
  });

  it('a snapshot at or below the commit index is refused without touching the log', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], config });
    c.elect('1');
    proposeMany(c, '1', 3);
    const follower = c.get('2').node;
    const before = follower.status();
    follower.step({
      type: 'snapshot', from: n('1'), to: n('2'), term: before.term,
      meta: { index: 2 as Index, term: 2 as Term, configuration: before.configuration, configurationIndex: 1 as Index },
      offset: 0, data: new Uint8Array(0), done: true,
    });
    const rd = follower.ready();
    expect(rd.snapshot).toBeNull();
    expect(rd.messagesAfterPersist).toEqual([expect.objectContaining({ type: 'appendResp', index: before.commit })]);
  });

  it('intermediate chunks only reset the election timer', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], config });
    c.elect('1');
    const follower = c.get('2').node;
    const st = follower.status();
    c.tick('2', 5);
    follower.step({
      type: 'snapshot', from: n('1'), to: n('2'), term: st.term,
      meta: { index: 100 as Index, term: st.term, configuration: st.configuration, configurationIndex: 1 as Index },
      offset: 0, data: new Uint8Array(10), done: false,
    });
    expect(follower.status().ticksSinceLeaderContact).toBe(0);
    expect(follower.hasReady()).toBe(false);
  });
});
