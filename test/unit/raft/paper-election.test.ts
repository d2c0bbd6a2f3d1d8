// Leader election, one test per rule of the Raft paper (Ongaro & Ousterhout, "In Search of an
// Understandable Consensus Algorithm", extended version) and the dissertation (§9.6 pre-vote,
// §6.2 check-quorum). Section numbers are the paper's unless marked "dissertation".

import { describe, expect, it } from 'vitest';
import { nodeId, type Index, type Message, type Term } from '../../../consensus/raft/index.ts';
import { Cluster } from './harness.ts';

const n = nodeId;

function voteRequest(from: string, to: string, term: number, lastIndex: number, lastTerm: number, type: 'vote' | 'preVote' = 'vote'): Message {
  return { type, from: n(from), to: n(to), term: term as Term, lastLogIndex: lastIndex as Index, lastLogTerm: lastTerm as Term, transfer: false };
}

/** Ticks every node n times, settling the cluster after each tick. */
function tickAll(c: Cluster, times: number): void {
  for (let i = 0; i < times; i++) {
    for (const id of c.ids()) c.tick(id);
    c.stabilize();
  }
}

/** Takes the node's next Ready, performs it and returns all messages it sent. */
function sent(c: Cluster, id: string): Message[] {
  const rd = c.processReady(id);
  const msgs = c.queue;
  c.queue = [];
  return rd ? msgs : [];
}

describe('§5.1 terms', () => {
  it('a leader that sees a higher term becomes a follower of that term', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    const term = c.get('1').node.status().term;
    c.get('1').node.step({ type: 'heartbeat', from: n('2'), to: n('1'), term: (term + 5) as Term, commit: 0 as Index, context: null });
    const st = c.get('1').node.status();
    expect(st.role).toBe('follower');
    expect(st.term).toBe(term + 5);
    expect(st.leader).toBe('2');
  });

  it('a message with a stale term is answered with the current term and otherwise ignored', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    c.stabilize();
    const before = c.get('2').node.status();
    c.get('2').node.step({ type: 'append', from: n('3'), to: n('2'), term: 1 as Term, prevLogIndex: 1 as Index, prevLogTerm: 1 as Term, entries: [], commit: 0 as Index });
    const msgs = sent(c, '2');
    expect(msgs).toEqual([expect.objectContaining({ type: 'appendResp', to: '3', term: before.term })]);
    expect(c.get('2').node.status()).toEqual(before);
  });
});

describe('§5.2 leader election', () => {
  it('a follower that hears nothing for an election timeout starts an election', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], config: { preVote: false } });
    c.tick('1', 20);
    const st = c.get('1').node.status();
    expect(st.role).toBe('candidate');
    expect(st.term).toBe(2);
    expect(st.vote).toBe('1');
    const msgs = sent(c, '1');
    expect(msgs.map((m) => `${m.type}->${m.to}`)).toEqual(['vote->2', 'vote->3']);
  });

  it('election timeouts are randomized in [electionTicks, 2 * electionTicks)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const c = new Cluster({ voters: ['1', '2', '3'], config: { preVote: false }, seed });
      let ticks = 0;
      while (c.get('1').node.status().role === 'follower' && ticks < 100) {
        c.tick('1');
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  it('a candidate that wins a majority becomes leader and appends a no-op of its term', () => {
    const c = new Cluster({ voters: ['1', '2', '3', '4', '5'], config: { preVote: false } });
    c.get('1').node.campaign();
    c.processReady('1');
    // Only two of four voters answer: with its own vote that is 3 of 5.
    c.deliver({ to: ['2', '3'] });
    c.queue = [];
    c.processReady('2');
    c.processReady('3');
    c.deliver({ to: ['1'] });
    expect(c.get('1').node.status().role).toBe('leader');
    const rd = c.processReady('1');
    expect(rd?.entries.map((e) => [e.term, e.type])).toEqual([[2, 2]]);
  });

  it("a candidate's own vote counts only once it is durable", () => {
    const c = new Cluster({ voters: ['1'], config: { preVote: false } });
    c.get('1').node.campaign();
    expect(c.get('1').node.status().role).toBe('candidate');
    const rd = c.get('1').node.ready();
    expect(rd.hardState).toMatchObject({ term: 2, vote: '1' });
    expect(c.get('1').node.status().role).toBe('candidate');
    c.get('1').storage.setHardState(rd.hardState!);
    c.get('1').node.advance(rd);
    expect(c.get('1').node.status().role).toBe('leader');
  });

  it('a candidate that hears from a leader of its term becomes its follower', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], config: { preVote: false } });
    c.get('1').node.campaign();
    c.get('2').node.campaign();
    c.queue = [];
    c.processReady('1');
    c.processReady('2');
    c.queue = [];
    expect(c.get('2').node.status()).toMatchObject({ role: 'candidate', term: 2 });
    c.get('2').node.step({ type: 'append', from: n('1'), to: n('2'), term: 2 as Term, prevLogIndex: 1 as Index, prevLogTerm: 1 as Term, entries: [], commit: 0 as Index });
    expect(c.get('2').node.status()).toMatchObject({ role: 'follower', term: 2, leader: '1' });
  });

  it('a split vote times out and a new election starts in a higher term', () => {
    const c = new Cluster({ voters: ['1', '2', '3', '4'], config: { preVote: false } });
    c.get('1').node.campaign();
    c.get('2').node.campaign();
    c.stabilize(['1', '2']);
    c.queue = [];
    // Nobody has a majority of 4 (each has its own vote only).
    expect(c.get('1').node.status().role).toBe('candidate');
    c.tick('1', 20);
    expect(c.get('1').node.status()).toMatchObject({ role: 'candidate', term: 3 });
  });

  it('grants at most one vote per term, first come first served', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    const voter = c.get('3').node;
    voter.step(voteRequest('1', '3', 2, 1, 1));
    voter.step(voteRequest('2', '3', 2, 1, 1));
    const msgs = sent(c, '3');
    expect(msgs.map((m) => m.type === 'voteResp' && `${m.to}:${m.reject}`)).toEqual(['1:false', '2:true']);
    expect(voter.status().vote).toBe('1');
    // A repeated request from the same candidate is granted again (idempotent).
    voter.step(voteRequest('1', '3', 2, 1, 1));
    expect(sent(c, '3')).toEqual([expect.objectContaining({ type: 'voteResp', reject: false })]);
  });

  it('a granted vote is persisted before the grant is sent', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.get('3').node.step(voteRequest('1', '3', 2, 1, 1));
    const rd = c.get('3').node.ready();
    expect(rd.hardState).toMatchObject({ term: 2, vote: '1' });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist).toEqual([expect.objectContaining({ type: 'voteResp', reject: false })]);
  });

  it('a vote survives a restart: no second vote in the same term', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.get('3').node.step(voteRequest('1', '3', 2, 1, 1));
    sent(c, '3');
    c.restart('3');
    c.get('3').node.step(voteRequest('2', '3', 2, 1, 1));
    expect(sent(c, '3')).toEqual([expect.objectContaining({ type: 'voteResp', to: '2', reject: true })]);
  });
});

describe('§5.4.1 election restriction', () => {
  // Voter 3's log: entries of terms 1 (bootstrap), 2, 3 → last = 3/3. Without check-quorum:
  // with it, a voter that starts at a term a leader may have held honours that leader's lease
  // for an election timeout (see the lease tests), and these tests are about the log rule alone.
  const cases: [string, number, number, boolean][] = [
    ['lower last term', 5, 2, false],
    ['same last term, shorter log', 2, 3, false],
    ['same last term, same length', 3, 3, true],
    ['same last term, longer log', 4, 3, true],
    ['higher last term, shorter log', 2, 4, true],
  ];
  for (const [name, lastIndex, lastTerm, granted] of cases) {
    it(`${granted ? 'grants' : 'rejects'} a candidate with ${name}`, () => {
      const c = new Cluster({ voters: ['1', '2', '3'], logs: { '3': [2, 3] }, config: { checkQuorum: false } });
      c.get('3').node.step(voteRequest('1', '3', 5, lastIndex, lastTerm));
      const [resp] = sent(c, '3');
      expect(resp).toMatchObject({ type: 'voteResp', reject: !granted });
    });
  }

  it('a node with a stale log cannot win even when it times out first', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], logs: { '2': [2, 2], '3': [2, 2] }, config: { checkQuorum: false } });
    c.get('1').node.campaign();
    c.stabilize();
    expect(c.get('1').node.status().role).not.toBe('leader');
    c.elect('2');
    expect(c.get('2').node.status().role).toBe('leader');
  });
});

describe('dissertation §9.6 pre-vote', () => {
  it('a partitioned node does not raise its term, so rejoining does not disrupt the leader', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    const term = c.get('1').node.status().term;
    c.isolate('3');
    for (let i = 0; i < 100; i++) {
      c.tick('3');
      c.stabilize();
    }
    expect(c.get('3').node.status().term).toBe(term);
    c.heal();
    tickAll(c, 50);
    expect(c.get('1').node.status()).toMatchObject({ role: 'leader', term });
    expect(c.get('3').node.status()).toMatchObject({ role: 'follower', leader: '1', term });
  });

  it('without pre-vote and check-quorum the same rejoin deposes the leader', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], config: { preVote: false, checkQuorum: false } });
    c.elect('1');
    const term = c.get('1').node.status().term;
    c.isolate('3');
    for (let i = 0; i < 100; i++) {
      c.tick('3');
      c.stabilize();
    }
    expect(c.get('3').node.status().term).toBeGreaterThan(term);
    c.heal();
    tickAll(c, 50);
    expect(c.get('1').node.status().term).toBeGreaterThan(term);
  });

  it('a pre-vote is not granted while the voter hears from a leader', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    c.get('2').node.step(voteRequest('3', '2', 3, 100, 2, 'preVote'));
    expect(sent(c, '2').filter((m) => m.type === 'preVoteResp')).toEqual([]);
  });
});

describe('dissertation §6.2 check-quorum', () => {
  it('a leader that has not heard from a quorum within an election timeout steps down', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    c.isolate('1');
    for (let i = 0; i < 10; i++) {
      c.tick('1');
      c.stabilize();
    }
    expect(c.get('1').node.status().role).toBe('follower');
  });

  it('a leader that keeps hearing from a quorum stays', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    c.isolate('3');
    for (let i = 0; i < 50; i++) {
      c.tick('1');
      c.stabilize();
    }
    expect(c.get('1').node.status().role).toBe('leader');
  });

  it('a follower that heard from its leader recently ignores a vote request of a higher term', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], config: { preVote: false } });
    c.elect('1');
    const term = c.get('2').node.status().term;
    c.get('2').node.step(voteRequest('3', '2', term + 1, 100, term));
    expect(c.get('2').node.status()).toMatchObject({ term, leader: '1' });
    expect(sent(c, '2').filter((m) => m.type === 'voteResp')).toEqual([]);
  });
});
