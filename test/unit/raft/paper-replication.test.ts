// Log replication and commitment, one test per rule of the Raft paper (§5.3, §5.4.2, §5.5,
// Figures 7 and 8), plus the Ready contract's durability ordering.

import { describe, expect, it } from 'vitest';
import { EntryType, nodeId, type Index, type Message, type Term } from '../../../consensus/raft/index.ts';
import { Cluster, entriesOf } from './harness.ts';

const n = nodeId;

function appendResp(from: string, to: string, term: number, index: number): Message {
  return { type: 'appendResp', from: n(from), to: n(to), term: term as Term, index: index as Index, reject: false, hintIndex: 0 as Index, hintTerm: 0 as Term };
}

function logTerms(c: Cluster, id: string): number[] {
  return entriesOf(c.get(id)).map((e) => e.term);
}

describe('§5.3 log replication', () => {
  it('the leader appends a proposal, replicates it, and commits once a majority stores it', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    const index = c.propose('1', 'x');
    c.processReady('1');
    expect(c.get('1').node.status().commit).toBeLessThan(index);
    c.deliver({ to: ['2'] }); // only follower 2 gets the entry
    c.processReady('2');
    c.deliver({ to: ['1'] });
    expect(c.get('1').node.status().commit).toBe(index);
    c.stabilize();
    for (const id of c.ids()) expect(c.get(id).state).toEqual(['x']);
  });

  it('a follower rejects an append whose previous entry does not match, hinting where to retry', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], logs: { '2': [2, 2, 2] } });
    c.get('2').node.step({
      type: 'append', from: n('1'), to: n('2'), term: 3 as Term,
      prevLogIndex: 4 as Index, prevLogTerm: 3 as Term, entries: [], commit: 0 as Index,
    });
    const rd = c.get('2').node.ready();
    expect(rd.messagesAfterPersist).toEqual([
      expect.objectContaining({ type: 'appendResp', reject: true, index: 4, hintIndex: 4, hintTerm: 2 }),
    ]);
  });

  it('Figure 7: followers with missing, extra and conflicting entries converge on the leader log', () => {
    // Leader log terms (after the bootstrap entry at 1/1): 1 1 1 4 4 5 5 6 6 6.
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const c = new Cluster({
      voters: ['1', '2', '3', '4', '5', '6', '7'],
      config: { checkQuorum: false }, // no restart lease guard: the logs are the subject here
      logs: {
        '1': leaderLog,
        '2': [1, 1, 1, 4, 4, 5, 5, 6, 6], // (a) missing one
        '3': [1, 1, 1, 4], // (b) missing many
        '4': [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // (c) one extra uncommitted
        '5': [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // (d) extra of a later term
        '6': [1, 1, 1, 4, 4, 4, 4], // (e) conflicting term 4 entries
        '7': [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // (f) conflicting terms 2 and 3
      },
    });
    // Node 1 wins with votes from the nodes whose logs are not more up to date (a, b, e, f).
    c.get('1').node.campaign();
    c.stabilize();
    expect(c.get('1').node.status().role).toBe('leader');
    c.propose('1', 'z');
    c.stabilize();
    const expected = logTerms(c, '1');
    expect(expected).toEqual([1, ...leaderLog, 8, 8]);
    for (const id of c.ids()) expect(logTerms(c, id)).toEqual(expected);
  });

  it('conflict hints skip a whole term per round trip', () => {
    // Follower 2 holds 30 entries of term 2 the leader (term 3 log) never had.
    const c = new Cluster({ voters: ['1', '2', '3'], logs: { '1': [3], '3': [3], '2': Array(30).fill(2) }, config: { checkQuorum: false } });
    c.elect('1');
    let rejects = 0;
    for (let round = 0; round < 50; round++) {
      c.processReady('1');
      c.processReady('2');
      c.processReady('3');
      rejects += c.queue.filter((m) => m.type === 'appendResp' && m.reject).length;
      if (c.queue.length === 0) break;
      c.deliver();
    }
    expect(logTerms(c, '2')).toEqual(logTerms(c, '1'));
    expect(rejects).toBeLessThanOrEqual(2);
  });

  it('the leader pipelines appends to a replicating follower up to maxInflightMsgs', () => {
    const c = new Cluster({ voters: ['1', '2'], config: { maxInflightMsgs: 3, maxBytesPerMsg: 1 } });
    c.elect('1');
    for (let i = 0; i < 10; i++) c.propose('1', `p${i}`);
    c.processReady('1');
    // One entry per message (maxBytesPerMsg 1), at most three outstanding.
    const appends = c.queue.filter((m) => m.type === 'append' && m.entries.length > 0);
    expect(appends).toHaveLength(3);
    c.stabilize();
    expect(c.get('2').state).toHaveLength(10);
  });

  it('appends are batched up to maxBytesPerMsg', () => {
    const c = new Cluster({ voters: ['1', '2'], config: { maxBytesPerMsg: 200 } });
    c.elect('1');
    for (let i = 0; i < 20; i++) c.propose('1', 'x'.repeat(40));
    c.processReady('1');
    const sizes = c.queue.flatMap((m) => (m.type === 'append' ? [m.entries.length] : []));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
    // 40 bytes of data + 24 of overhead = 64 per entry: three fit in 200.
    expect(Math.max(...sizes)).toBe(3);
  });
});

describe('§5.4.2 committing entries from previous terms', () => {
  it('Figure 8: a leader never commits an entry of an earlier term by counting replicas', () => {
    // Node 1 holds an uncommitted entry of term 2 at index 2, becomes leader of term 3.
    const c = new Cluster({ voters: ['1', '2', '3'], logs: { '1': [2] }, config: { preVote: false, checkQuorum: false } });
    c.get('1').node.campaign();
    c.processReady('1');
    c.deliver();
    c.processReady('2');
    c.processReady('3');
    c.deliver({ to: ['1'] });
    c.queue = [];
    const st = c.get('1').node.status();
    expect(st).toMatchObject({ role: 'leader', term: 3, commit: 0 });
    c.processReady('1'); // persists the no-op 3/3
    c.queue = [];
    // Follower 2 acknowledges index 2 (the term-2 entry): a majority holds it, yet no commit.
    c.get('1').node.step(appendResp('2', '1', 3, 2));
    expect(c.get('1').node.status().commit).toBe(0);
    // Once a majority holds the term-3 no-op, everything before it commits too.
    c.get('1').node.step(appendResp('2', '1', 3, 3));
    expect(c.get('1').node.status().commit).toBe(3);
  });

  it("the leader counts its own log only after its storage acknowledged it", () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    c.isolate('3');
    const index = c.propose('1', 'x');
    const leader = c.get('1');
    const rd = leader.node.ready(); // handed out, not yet persisted
    expect(rd.entries.map((e) => e.index)).toEqual([index]);
    expect(rd.messages.some((m) => m.type === 'append' && m.to === '2')).toBe(true);
    leader.node.step(appendResp('2', '1', 2, index));
    // Follower 2 alone is not a majority while the leader's copy is not durable.
    expect(leader.node.status().commit).toBeLessThan(index);
    leader.storage.append(rd.entries);
    leader.node.advance(rd);
    expect(leader.node.status().commit).toBe(index);
  });

  it('committed entries are handed out only once durable locally', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    const index = c.propose('1', 'x');
    const leader = c.get('1');
    const rd = leader.node.ready();
    leader.node.step(appendResp('2', '1', 2, index));
    leader.node.step(appendResp('3', '1', 2, index));
    // Two followers make a majority: committed, but not applicable before the leader persists.
    expect(leader.node.status().commit).toBe(index);
    expect(rd.committedEntries.map((e) => e.index)).not.toContain(index);
    leader.storage.append(rd.entries);
    leader.node.advance(rd);
    const next = leader.node.ready();
    expect(next.committedEntries.map((e) => e.index)).toContain(index);
  });
});

describe('§5.5 follower and candidate crashes', () => {
  it('a restarted follower keeps its log and is brought up to date', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    c.propose('1', 'a');
    c.stabilize();
    c.isolate('3');
    c.propose('1', 'b');
    c.stabilize();
    c.restart('3');
    c.heal();
    c.tick('1');
    c.stabilize();
    expect(c.get('3').state).toEqual(['a', 'b']);
  });

  it('after a restart, committed entries past the applied index are applied again', () => {
    const c = new Cluster({ voters: ['1'] });
    c.elect('1');
    c.propose('1', 'a');
    c.propose('1', 'b');
    c.stabilize();
    const t = c.get('1');
    // Pretend the FSM durably applied only up to the no-op (index 2): it forgets "a" and "b".
    const restarted = c.start(t.id, t.storage, [], 2);
    c.stabilize();
    c.elect('1');
    expect(restarted.state).toEqual(['a', 'b']);
  });

  it('a leader that restarts as follower keeps its term and does not vote twice', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    const term = c.get('1').node.status().term;
    const t = c.restart('1');
    expect(t.node.status()).toMatchObject({ role: 'follower', term, vote: '1' });
  });
});

describe('Ready contract', () => {
  it('entries and hard state carry mustSync; a commit-only change does not', () => {
    const c = new Cluster({ voters: ['1', '2'] });
    c.elect('1');
    c.propose('1', 'x');
    const rd1 = c.processReady('1')!;
    expect(rd1.mustSync).toBe(true);
    c.deliver();
    c.processReady('2');
    c.deliver();
    const rd2 = c.processReady('1')!;
    expect(rd2.hardState?.commit).toBeGreaterThan(0);
    expect(rd2.entries).toEqual([]);
    expect(rd2.mustSync).toBe(false);
  });

  it('only one Ready may be outstanding and advance must get that Ready back', () => {
    const c = new Cluster({ voters: ['1'] });
    const node = c.get('1').node;
    node.campaign();
    const rd = node.ready();
    expect(() => node.ready()).toThrow(/before advance/);
    expect(node.hasReady()).toBe(false);
    expect(() => node.advance({ ...rd })).toThrow(/not the outstanding/);
  });

  it('barrier entries are proposed and applied like commands', () => {
    const c = new Cluster({ voters: ['1'] });
    c.elect('1');
    const res = c.get('1').node.propose(new Uint8Array(0), 'barrier');
    expect(res.ok).toBe(true);
    const rd1 = c.processReady('1');
    expect(rd1?.entries.map((e) => e.type)).toEqual([EntryType.Barrier]);
  });

  it('the leader refuses proposals past maxUncommittedBytes', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], config: { maxUncommittedBytes: 100 } });
    c.elect('1');
    c.isolate('1');
    expect(c.get('1').node.propose(new Uint8Array(60)).ok).toBe(true);
    const res = c.get('1').node.propose(new Uint8Array(60));
    expect(res).toEqual({ ok: false, error: { code: 'tooManyUncommitted' } });
  });

  it('followers refuse proposals and name the leader', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    expect(c.get('2').node.propose(new Uint8Array(1))).toEqual({ ok: false, error: { code: 'notLeader', leader: '1' } });
  });
});
