// A seeded randomized test of the core alone (the full simulation with the real driver lives in
// test/sim): five nodes under message loss, duplication and reordering, partitions, crashes
// (also between taking a Ready and persisting it, after its immediate messages went out),
// membership changes, transfers, snapshots and reads, with safety checked after every step:
//   election safety       at most one leader per term
//   state-machine safety  every node applies the same entry at the same index
//   leader completeness   a new leader's log holds every entry applied anywhere
//   linearizable reads    a read state's index covers every commit before the read began
// and liveness at the end: once healed, the cluster commits a new proposal everywhere.
// CAIRN_RAFT_FUZZ_SEEDS=n runs more seeds.

import { describe, expect, it } from 'vitest';
import { createRng, nodeId, type ConfChange, type Entry, type Rng } from '../../../consensus/raft/index.ts';
import { Cluster, addressOf, entriesOf } from './harness.ts';

/** Default seeds and steps keep this file near two seconds on CI. */
const SEEDS = Number(process.env['CAIRN_RAFT_FUZZ_SEEDS'] ?? 12);
const STEPS = Number(process.env['CAIRN_RAFT_FUZZ_STEPS'] ?? 3000);
/** Rounds of tick-all + stabilize the healed cluster gets to commit a final proposal. */
const LIVENESS_ROUNDS = 200;

const text = new TextDecoder();
const ALL = ['1', '2', '3', '4', '5'];

class Checker {
  readonly leaders = new Map<number, string>();
  readonly applied = new Map<number, string>();
  readonly pendingReads = new Map<string, number>();
  private readonly seenLeader = new Set<string>();

  constructor(private readonly c: Cluster) {}

  recordApplied(id: string, entries: readonly Entry[]): void {
    for (const e of entries) {
      const v = `${e.term}:${e.type}:${text.decode(e.data)}`;
      const prev = this.applied.get(e.index);
      if (prev !== undefined && prev !== v) throw new Error(`${id} applied ${v} at ${e.index}, another node applied ${prev}`);
      this.applied.set(e.index, v);
    }
  }

  maxCommit(): number {
    return Math.max(...this.c.ids().map((id) => this.c.get(id).node.status().commit));
  }

  check(): void {
    for (const id of this.c.ids()) {
      const st = this.c.get(id).node.status();
      if (st.role !== 'leader') continue;
      const prev = this.leaders.get(st.term);
      if (prev !== undefined && prev !== id) throw new Error(`two leaders in term ${st.term}: ${prev} and ${id}`);
      this.leaders.set(st.term, id);
      if (!this.seenLeader.has(`${id}@${st.term}`)) {
        this.seenLeader.add(`${id}@${st.term}`);
        this.checkCompleteness(id);
      }
    }
  }

  private checkCompleteness(id: string): void {
    const t = this.c.get(id);
    const log = new Map(entriesOf(t).map((e) => [e.index as number, `${e.term}:${e.type}:${text.decode(e.data)}`]));
    const first = t.storage.firstIndex();
    for (const [index, v] of this.applied) {
      if (index < first) continue;
      if (log.get(index) !== v) throw new Error(`leader ${id} lacks applied entry ${index} (${v})`);
    }
  }

  /** Duplicated messages may answer a read twice: drivers ignore contexts they no longer wait on. */
  readAnswered(id: string, context: string, index: number): void {
    const floor = this.pendingReads.get(context);
    if (floor === undefined) throw new Error(`${id} got an answer to unknown read ${context}`);
    if (index < floor) throw new Error(`read ${context} answered at ${index}, below commit ${floor} when it began`);
  }
}

/** Mostly about the spare servers 4 and 5, sometimes about an original voter (even the leader). */
function confChange(rng: Rng): ConfChange {
  const id = nodeId(rng.chance(1, 4) ? rng.pick(['1', '2', '3']) : rng.pick(['4', '5']));
  switch (rng.int(5)) {
    case 0:
      return { type: 'addNonvoter', id, address: addressOf(id) };
    case 1:
      return { type: 'addVoter', id, address: addressOf(id) };
    case 2:
      return { type: 'promote', id };
    case 3:
      return { type: 'demote', id };
    default:
      return { type: 'remove', id };
  }
}

function processReady(c: Cluster, chk: Checker, id: string): void {
  const rd = c.processReady(id);
  if (!rd) return;
  chk.recordApplied(id, rd.committedEntries);
  const t = c.get(id);
  for (const r of t.readStates) chk.readAnswered(id, r.context, r.index);
  t.readStates = [];
}

/** Crash after the Ready's immediate messages left but before anything was persisted. */
function crashMidReady(c: Cluster, id: string): void {
  const t = c.get(id);
  if (t.node.hasReady()) {
    const rd = t.node.ready();
    for (const m of rd.messages) c.queue.push(c.wire(m));
  }
  c.restart(id);
}

function deliverSome(c: Cluster, rng: Rng): void {
  const n = Math.min(c.queue.length, 1 + rng.int(6));
  for (let k = 0; k < n; k++) {
    const at = rng.int(c.queue.length);
    const m = c.queue[at]!;
    if (rng.chance(1, 10)) {
      c.queue.splice(at, 1); // lost
    } else if (rng.chance(1, 20)) {
      c.deliverOne(m); // duplicated: delivered now and again later
    } else {
      c.queue.splice(at, 1);
      c.deliverOne(m);
    }
  }
}

function step(c: Cluster, chk: Checker, rng: Rng, i: number): void {
  const id = rng.pick(c.ids());
  const node = c.get(id).node;
  const roll = rng.int(100);
  if (roll < 30) node.tick();
  else if (roll < 60) deliverSome(c, rng);
  else if (roll < 80) processReady(c, chk, id);
  else if (roll < 90) (c.leader() ?? c.get(id)).node.propose(new TextEncoder().encode(`w${i}`));
  else if (roll < 92) {
    if (rng.chance(2, 3)) c.heal();
    else c.partition([id], c.ids().filter((x) => x !== id && rng.chance(1, 2)));
  } else if (roll < 93) {
    if (rng.chance(1, 2)) c.restart(id);
    else crashMidReady(c, id);
  } else if (roll < 95) (c.leader() ?? c.get(id)).node.proposeConfChange(confChange(rng));
  else if (roll < 98) {
    const context = `r${i}`;
    if (node.readIndex(context).ok) chk.pendingReads.set(context, chk.maxCommit());
  } else if (roll < 99) (c.leader() ?? c.get(id)).node.transferLeadership(nodeId(rng.pick(['1', '2', '3'])));
  else processReady(c, chk, rng.pick(c.ids()));
}

function settle(c: Cluster, chk: Checker): void {
  for (let round = 0; round < 100; round++) {
    for (const id of c.ids()) processReady(c, chk, id);
    if (c.queue.length === 0) return;
    const batch = c.queue;
    c.queue = [];
    for (const m of batch) c.deliverOne(m);
    chk.check();
  }
}

function liveness(c: Cluster, chk: Checker): void {
  c.heal();
  for (let round = 0; round < LIVENESS_ROUNDS; round++) {
    for (const id of c.ids()) c.tick(id);
    settle(c, chk);
    const leader = c.leader();
    if (!leader) continue;
    const res = leader.node.propose(new TextEncoder().encode('final'));
    if (!res.ok) continue;
    for (let k = 0; k < 5; k++) {
      for (const id of c.ids()) c.tick(id);
      settle(c, chk);
    }
    const voters = leader.node.configuration().configuration.servers.filter((s) => s.suffrage === 1);
    if (voters.every((s) => c.get(s.id).node.status().applied >= res.index)) return;
  }
  const states = c.ids().map((id) => {
    const st = c.get(id).node.status();
    return `${id}:${st.role}/t${st.term}/c${st.commit}/a${st.applied}/l${st.lastIndex}/conf${st.configurationIndex}=${st.configuration.servers.map((s) => `${s.id}${s.suffrage === 1 ? '' : '~'}`).join(',')}`;
  });
  throw new Error(`the healed cluster did not commit a proposal: ${states.join(' ')}`);
}

describe('randomized safety', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      const rng = createRng(seed).fork('fuzz');
      const c = new Cluster({
        voters: ['1', '2', '3'],
        fresh: ['4', '5'],
        seed,
        config: { snapshotThreshold: 20, snapshotTrailing: 5, maxInflightMsgs: 4, maxBytesPerMsg: 64 },
      });
      const chk = new Checker(c);
      expect(c.ids()).toEqual(ALL);
      for (let i = 0; i < STEPS; i++) {
        step(c, chk, rng, i);
        chk.check();
      }
      liveness(c, chk);
      expect(chk.leaders.size).toBeGreaterThan(0);
      expect(chk.applied.size).toBeGreaterThan(0);
    });
  }
});
