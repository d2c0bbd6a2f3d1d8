// Single-server membership changes (Raft dissertation §4.1–§4.2): configurations take effect
// when appended, one change at a time, non-voters replicate without voting, and a removed
// leader steps down once its removal commits.

import { describe, expect, it } from 'vitest';
import { ServerSuffrage, nodeId, type ConfChange } from '../../../consensus/raft/index.ts';
import { Cluster, addressOf } from './harness.ts';

const n = nodeId;

function change(c: Cluster, leader: string, ch: ConfChange): void {
  const res = c.get(leader).node.proposeConfChange(ch);
  if (!res.ok) throw new Error(`conf change: ${res.error.code}`);
}

function voters(c: Cluster, id: string): string[] {
  return c.get(id).node.configuration().configuration.servers
    .filter((s) => s.suffrage === ServerSuffrage.Voter)
    .map((s) => s.id);
}

describe('dissertation §4.1 single-server changes', () => {
  it('adds a voter: the new server catches up and then counts in the quorum', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], fresh: ['4'] });
    c.elect('1');
    c.propose('1', 'a');
    c.stabilize();
    change(c, '1', { type: 'addVoter', id: n('4'), address: addressOf('4') });
    c.stabilize();
    expect(c.get('4').state).toEqual(['a']);
    expect(voters(c, '4')).toEqual(['1', '2', '3', '4']);
    // With 4 voters a quorum is 3: leader + 4 + one more. Cut 2 and 3: nothing commits.
    c.partition(['1', '4'], ['2', '3']);
    const index = c.propose('1', 'b');
    c.stabilize();
    expect(c.get('1').node.status().commit).toBeLessThan(index);
    c.heal();
    c.tick('1');
    c.stabilize();
    expect(c.get('1').node.status().commit).toBeGreaterThanOrEqual(index);
  });

  it('a non-voter receives the log but does not count towards commit', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], nonvoters: ['4'] });
    c.elect('1');
    c.isolate('2');
    c.isolate('3');
    const index = c.propose('1', 'x');
    c.stabilize();
    expect(c.get('4').storage.lastIndex()).toBe(index);
    expect(c.get('1').node.status().commit).toBeLessThan(index);
  });

  it('a non-voter never campaigns', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], nonvoters: ['4'] });
    c.tick('4', 100);
    expect(c.get('4').node.status()).toMatchObject({ role: 'follower', term: 1 });
    expect(c.get('4').node.campaign()).toEqual({ ok: false, error: { code: 'notVoter' } });
  });

  it('promotes a non-voter and demotes a voter', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], nonvoters: ['4'] });
    c.elect('1');
    change(c, '1', { type: 'promote', id: n('4') });
    c.stabilize();
    expect(voters(c, '3')).toEqual(['1', '2', '3', '4']);
    change(c, '1', { type: 'demote', id: n('2') });
    c.stabilize();
    expect(voters(c, '3')).toEqual(['1', '3', '4']);
    expect(c.get('1').node.status().progress?.find((p) => p.id === '2')?.voter).toBe(false);
  });

  it('allows one change at a time', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], fresh: ['4', '5'] });
    c.elect('1');
    change(c, '1', { type: 'addNonvoter', id: n('4'), address: addressOf('4') });
    const second = c.get('1').node.proposeConfChange({ type: 'addNonvoter', id: n('5'), address: addressOf('5') });
    expect(second).toEqual({ ok: false, error: { code: 'confChangeInFlight' } });
    c.stabilize();
    change(c, '1', { type: 'addNonvoter', id: n('5'), address: addressOf('5') });
  });

  it('refuses a change before the leader committed an entry of its term', () => {
    const c2 = new Cluster({ voters: ['1', '2', '3'], config: { preVote: false } });
    c2.get('1').node.campaign();
    c2.processReady('1');
    c2.deliver();
    c2.processReady('2');
    c2.deliver({ to: ['1'] });
    expect(c2.get('1').node.status().role).toBe('leader');
    const res = c2.get('1').node.proposeConfChange({ type: 'remove', id: n('3') });
    expect(res).toEqual({ ok: false, error: { code: 'noCommitInTerm' } });
  });

  it('rejects invalid changes with a typed error', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    const res = c.get('1').node.proposeConfChange({ type: 'addVoter', id: n('2'), address: 'x:1' });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalidConfChange', error: { code: 'exists' } } });
  });

  it('a configuration takes effect on append, before it commits', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], fresh: ['4'] });
    c.elect('1');
    c.isolate('3');
    change(c, '1', { type: 'addNonvoter', id: n('4'), address: addressOf('4') });
    c.processReady('1');
    c.deliver({ to: ['2'] });
    // Follower 2 appended the entry but nothing has committed it yet.
    expect(c.get('2').node.status().commit).toBeLessThan(c.get('2').node.status().lastIndex);
    expect(c.get('2').node.configuration().configuration.servers.map((s) => s.id)).toEqual(['1', '2', '3', '4']);
  });

  it('an uncommitted configuration is rolled back when its entry is overwritten', () => {
    // No leases, so 2 can take over at once while 1 is cut off.
    const c = new Cluster({ voters: ['1', '2', '3'], fresh: ['4'], config: { checkQuorum: false } });
    c.elect('1');
    c.isolate('1');
    change(c, '1', { type: 'addNonvoter', id: n('4'), address: addressOf('4') });
    c.stabilize();
    expect(c.get('1').node.configuration().configuration.servers).toHaveLength(4);
    // 2 becomes leader without the entry; 1 rejoins and its log is repaired.
    c.elect('2');
    c.heal();
    c.get('2').node.propose(new TextEncoder().encode('y'));
    c.tick('2');
    c.stabilize();
    expect(c.get('1').node.status()).toMatchObject({ role: 'follower', leader: '2' });
    expect(c.get('1').node.configuration().configuration.servers.map((s) => s.id)).toEqual(['1', '2', '3']);
  });

  it('removes a follower; the rest keep committing', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    change(c, '1', { type: 'remove', id: n('3') });
    c.stabilize();
    c.isolate('3');
    const index = c.propose('1', 'x');
    c.stabilize();
    expect(c.get('1').node.status().commit).toBe(index);
    expect(c.get('1').node.status().progress?.map((p) => p.id)).toEqual(['1', '2']);
  });

  it('a removed leader keeps leading until its removal commits, then steps down', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    change(c, '1', { type: 'remove', id: n('1') });
    c.processReady('1');
    expect(c.get('1').node.status().role).toBe('leader');
    c.stabilize();
    expect(c.get('1').node.status().role).toBe('follower');
    // It handed leadership over (TimeoutNow) so the others need not wait out a timeout.
    const leader = c.leader();
    expect(leader?.id).toMatch(/^[23]$/);
    expect(leader?.node.configuration().configuration.servers.map((s) => s.id)).toEqual(['2', '3']);
    // The removed server never campaigns again.
    c.tick('1', 100);
    expect(c.get('1').node.status().role).toBe('follower');
  });

  it('a server whose own uncommitted removal it holds may still campaign when only it can win', () => {
    // Voters {1,2}. Leader 1, cut off, appends "x" and its own removal; nobody else has them.
    const c = new Cluster({ voters: ['1', '2'] });
    c.elect('1');
    c.isolate('1');
    c.propose('1', 'x');
    change(c, '1', { type: 'remove', id: n('1') });
    c.stabilize();
    expect(c.get('1').node.configuration().configuration.servers.map((s) => s.id)).toEqual(['2']);
    c.tick('1', 10); // check-quorum: 1 steps down while cut off
    expect(c.get('1').node.status().role).toBe('follower');
    c.heal();
    // 2 cannot win (1's log is more up to date); 1 must campaign, although its latest
    // configuration excludes it, then commit its removal and hand over to 2.
    for (let i = 0; i < 100 && c.get('2').node.status().role !== 'leader'; i++) {
      for (const id of c.ids()) c.tick(id);
      c.stabilize();
    }
    expect(c.get('2').node.status().role).toBe('leader');
    expect(c.get('2').state).toEqual(['x']);
    expect(voters(c, '2')).toEqual(['2']);
    expect(c.get('1').node.status().role).toBe('follower');
  });

  it('a demoted leader steps down once the demotion commits', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    change(c, '1', { type: 'demote', id: n('1') });
    c.stabilize();
    expect(c.get('1').node.status().role).toBe('follower');
    expect(voters(c, '2')).toEqual(['2', '3']);
  });

  it('a restarted node recovers the latest configuration from its log', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], fresh: ['4'] });
    c.elect('1');
    change(c, '1', { type: 'addNonvoter', id: n('4'), address: addressOf('4') });
    c.stabilize();
    const t = c.restart('2');
    expect(t.node.configuration().configuration.servers.map((s) => s.id)).toEqual(['1', '2', '3', '4']);
  });

  it('reports configuration changes in Ready for the transport', () => {
    const c = new Cluster({ voters: ['1', '2', '3'], fresh: ['4'] });
    c.elect('1');
    change(c, '1', { type: 'addNonvoter', id: n('4'), address: addressOf('4') });
    const rd = c.processReady('1');
    expect(rd?.configuration?.configuration.servers.find((s) => s.id === '4')?.address).toBe(addressOf('4'));
  });
});
