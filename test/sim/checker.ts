// The safety checkers, run as the simulation goes (TigerBeetle and hashicorp/raft's fuzzy
// verifier are the models):
//   election safety     at most one leader per term (from every leader-change event)
//   state-machine safety every server applies the same entry at each index: the FSM's hash
//                        chain over all applied entries, and its register digest, agree with
//                        the first server that reached that index (also after a restore and
//                        at startup from the FSM's durable state)
//   log matching        the durable log of every server agrees, at each index it has applied,
//                        with the entry applied there (incrementally after every event)
//   leader completeness once a new leader applies an entry of its own term, its log holds
//                        every entry that was applied anywhere when it was elected
//   monotonicity        commit and applied never go back within a process, and a restarted
//                        process starts at or above the commit index and FSM position that
//                        were durable when it crashed
//   acknowledgements    (at the end) every acknowledged proposal is committed at its index
//                        and applied by every live server
// Checkers never throw into the code under test (an FSM or listener exception would only
// crash a server); they record the first violation and the simulator stops after the event.
import type { LogEntry } from 'raft-wal-ts';
import type { LeaderInfo } from '../../consensus/host/raft-host.ts';
import type { AppliedPosition, FsmEntry } from '../../consensus/host/fsm.ts';
import { EntryType } from '../../consensus/raft/index.ts';
import { Hasher } from './hash.ts';
import type { FsmObserver } from './kv-fsm.ts';
import type { SimNode } from './sim-node.ts';
import type { OpRecord } from './workload.ts';

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(`${check}: ${message}`);
  }
}

interface PerNode {
  incarnation: number;
  lastCommit: number;
  lastApplied: number;
  /** Log entries up to here were compared with what was applied. */
  walChecked: number;
  /** Durable positions when the process last crashed. */
  floor: { commit: number; applied: number } | undefined;
  /** A leader awaiting its completeness check: its term and the highest index applied anywhere at election. */
  completeness: { term: number; upTo: number } | undefined;
}

const EMPTY = new Uint8Array(0);

export class Checker {
  private readonly leaders = new Map<number, number>();
  /** Per index: the entry hash and the FSM chain after it, from the first server to apply it. */
  private readonly entries = new Map<number, { term: number; entry: string; chain: string }>();
  private readonly digests = new Map<number, string>();
  private maxApplied = 0;
  private readonly per: PerNode[];
  violation: SafetyViolation | undefined;
  /** Counters for the run summary. */
  readonly stats = { leaders: 0, checkedEntries: 0, completenessChecks: 0 };
  /** FSM restores from snapshots per server (installs from a leader and restores at startup). */
  readonly restores: number[];

  constructor(private readonly nodes: readonly SimNode[]) {
    this.restores = nodes.map(() => 0);
    this.per = nodes.map(() => ({ incarnation: 0, lastCommit: 0, lastApplied: 0, walChecked: 0, floor: undefined, completeness: undefined }));
  }

  fail(check: string, message: string): void {
    this.violation ??= new SafetyViolation(check, message);
  }

  get highestApplied(): number {
    return this.maxApplied;
  }

  termAt(index: number): number | undefined {
    return this.entries.get(index)?.term;
  }

  // ---- events from the servers -------------------------------------------------------------

  leaderChanged(node: number, info: LeaderInfo): void {
    if (!info.isLeader) return;
    const prev = this.leaders.get(info.term);
    if (prev !== undefined && prev !== node) this.fail('election safety', `n${prev} and n${node} both lead term ${info.term}`);
    if (prev === undefined) this.stats.leaders++;
    this.leaders.set(info.term, node);
    this.per[node]!.completeness = { term: info.term, upTo: this.maxApplied };
  }

  fsmObserver(node: number): FsmObserver {
    return {
      applied: (e, chain, digest) => this.applied(node, e, chain, digest),
      restored: (at, chain, digest) => this.restored(node, at, chain, digest),
    };
  }

  private applied(node: number, e: FsmEntry, chain: string, digest: string): void {
    const entry = entryHash(e.index, e.term, e.kind, e.data);
    const known = this.entries.get(e.index);
    if (known === undefined) this.entries.set(e.index, { term: e.term, entry, chain });
    else if (known.entry !== entry || known.chain !== chain) {
      this.fail('state-machine safety', `n${node} applied ${e.kind}@${e.index} term ${e.term} (chain ${chain}), another server applied term ${known.term} (chain ${known.chain})`);
    }
    if (digest !== '') this.digest(node, e.index, digest);
    this.maxApplied = Math.max(this.maxApplied, e.index);
    const c = this.per[node]!.completeness;
    if (c !== undefined && e.term === c.term) {
      this.per[node]!.completeness = undefined;
      this.checkCompleteness(node, c.term, c.upTo);
    }
  }

  private restored(node: number, at: AppliedPosition, chain: string, digest: string): void {
    this.restores[node]!++;
    const known = this.entries.get(at.index);
    if (known !== undefined && (known.chain !== chain || known.term !== at.term)) {
      this.fail('state-machine safety', `n${node} restored a snapshot at ${at.index} term ${at.term} with chain ${chain}, but the entry applied there is term ${known.term} chain ${known.chain}`);
    }
    this.digest(node, at.index, digest);
  }

  private digest(node: number, index: number, digest: string): void {
    const known = this.digests.get(index);
    if (known === undefined) this.digests.set(index, digest);
    else if (known !== digest) this.fail('state-machine safety', `n${node} has register digest ${digest} at ${index}, another server had ${known}`);
  }

  /** The leader applied an entry of its term: its log must hold everything applied at its election. */
  private checkCompleteness(node: number, term: number, upTo: number): void {
    const n = this.nodes[node]!;
    const wal = n.wal;
    const host = n.host;
    if (wal === undefined || host === undefined) return;
    this.stats.completenessChecks++;
    const first = host.status().firstIndex;
    for (let i = Math.max(1, first); i <= upTo; i++) {
      const e = wal.get(i);
      const want = this.entries.get(i);
      if (e === undefined) return this.fail('leader completeness', `n${node}, leader of term ${term}, lacks entry ${i} (its log is ${wal.firstIndex()}..${wal.lastIndex()})`);
      if (want !== undefined && walEntryHash(e) !== want.entry) {
        return this.fail('leader completeness', `n${node}, leader of term ${term}, has term ${e.term} at ${i} where term ${want.term} was applied`);
      }
    }
  }

  // ---- after every event -------------------------------------------------------------------

  /** Monotonicity and log matching for one server after an event touched it. */
  afterEvent(node: number): void {
    const n = this.nodes[node]!;
    const host = n.host;
    const wal = n.wal;
    if (host === undefined || wal === undefined) return;
    const p = this.per[node]!;
    if (p.incarnation !== n.incarnation) return;
    let s;
    try {
      s = host.status();
    } catch {
      return; // a failed host may not be able to read its log; the simulator handles it
    }
    if (s.state !== 'running') return;
    if (s.commitIndex < p.lastCommit) this.fail('commit monotonicity', `n${node} commit went from ${p.lastCommit} to ${s.commitIndex}`);
    if (s.appliedIndex < p.lastApplied) this.fail('applied monotonicity', `n${node} applied went from ${p.lastApplied} to ${s.appliedIndex}`);
    p.lastCommit = s.commitIndex;
    p.lastApplied = s.appliedIndex;
    this.checkLog(node, wal, s.appliedIndex);
  }

  /** Durable log entries at applied indexes must be the entries applied there. */
  private checkLog(node: number, wal: { firstIndex(): number; lastIndex(): number; get(i: number): LogEntry | undefined }, applied: number): void {
    const p = this.per[node]!;
    const last = Math.min(applied, wal.lastIndex());
    for (let i = Math.max(p.walChecked + 1, wal.firstIndex()); i <= last; i++) {
      const e = wal.get(i);
      const want = this.entries.get(i);
      if (e === undefined || want === undefined) continue;
      this.stats.checkedEntries++;
      if (walEntryHash(e) !== want.entry) {
        return this.fail('log matching', `n${node} holds term ${e.term} type ${e.type} at applied index ${i}, term ${want.term} was applied there`);
      }
    }
    p.walChecked = Math.max(p.walChecked, last);
  }

  // ---- crashes and restarts ------------------------------------------------------------------

  /** Called just before a crash: remember what was durable. */
  crashing(node: number): void {
    const floor = this.nodes[node]!.durableFloor();
    const p = this.per[node]!;
    if (floor !== undefined) p.floor = floor;
    p.completeness = undefined;
  }

  /** A process finished starting: it must start at or above what was durable, on the same chain. */
  started(node: number): void {
    const n = this.nodes[node]!;
    const p = this.per[node]!;
    p.incarnation = n.incarnation;
    p.walChecked = 0;
    const s = n.host!.status();
    const fsm = n.fsm!;
    p.lastCommit = s.commitIndex;
    p.lastApplied = s.appliedIndex;
    if (p.floor !== undefined) {
      if (s.commitIndex < p.floor.commit) this.fail('durability', `n${node} restarted at commit ${s.commitIndex}, below the durable ${p.floor.commit}`);
      if (s.appliedIndex < p.floor.applied) this.fail('durability', `n${node} restarted at applied ${s.appliedIndex}, below the FSM's durable ${p.floor.applied}`);
    }
    const at = fsm.applied().index;
    const known = this.entries.get(at);
    if (at > 0 && known !== undefined && known.chain !== fsm.chainHash) {
      this.fail('state-machine safety', `n${node} restarted with FSM chain ${fsm.chainHash} at ${at}, the entry applied there has chain ${known.chain}`);
    }
  }

  // ---- at the end ----------------------------------------------------------------------------

  /** Every acknowledged proposal is committed at its index and applied by each live server. */
  checkAcknowledged(acked: readonly OpRecord[], live: readonly SimNode[]): void {
    for (const r of acked) {
      const index = r.index!;
      const known = this.entries.get(index);
      if (known === undefined || known.term !== r.term) {
        return this.fail('acknowledged writes', `op #${r.id} was acknowledged at ${index} term ${r.term}, but ${known === undefined ? 'nothing' : `term ${known.term}`} was applied there`);
      }
      for (const n of live) {
        const s = n.host!.status();
        if (s.appliedIndex < index) return this.fail('acknowledged writes', `n${n.index} applied only up to ${s.appliedIndex}, op #${r.id} was acknowledged at ${index}`);
        const e = n.wal!.get(index);
        if (e !== undefined && e.term !== r.term) return this.fail('acknowledged writes', `n${n.index} holds term ${e.term} at ${index}, op #${r.id} was acknowledged at term ${r.term}`);
      }
    }
  }
}

const KIND_OF: Record<number, FsmEntry['kind']> = {
  [EntryType.Command]: 'command',
  [EntryType.Noop]: 'noop',
  [EntryType.Barrier]: 'barrier',
  [EntryType.Configuration]: 'config',
};

/** What identifies an entry as the FSM sees it (non-command payloads are not passed to it). */
function entryHash(index: number, term: number, kind: string, data: Uint8Array): string {
  return new Hasher()
    .num(index)
    .num(term)
    .str(kind)
    .bytes(kind === 'command' ? data : EMPTY)
    .hex();
}

function walEntryHash(e: LogEntry): string {
  return entryHash(e.index, e.term, KIND_OF[e.type] ?? `type${e.type}`, e.data);
}
