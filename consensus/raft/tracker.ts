// The set of Progress records a leader keeps, one per server in the latest configuration,
// always visited in sorted id order so that the messages a leader emits never depend on Map
// iteration order.

import { Progress } from './progress.ts';
import { committedIndex, quorumHas, voteResult, type VoteResult } from './quorum.ts';
import { ServerSuffrage, type Configuration, type Index, type NodeId } from './types.ts';

export class Tracker {
  /** Every server in the configuration, sorted. */
  ids: NodeId[] = [];
  /** Voters only, sorted. */
  voters: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  private readonly scratch: number[] = [];
  private readonly maxInflight: number;
  private readonly maxInflightBytes: number;

  constructor(maxInflight: number, maxInflightBytes: number) {
    this.maxInflight = maxInflight;
    this.maxInflightBytes = maxInflightBytes;
  }

  /**
   * Adopts a configuration. Known servers keep their progress (with updated suffrage); new ones
   * start probing at `next`; removed ones are dropped.
   */
  setConfiguration(configuration: Configuration, next: Index): void {
    const ids: NodeId[] = [];
    const voters: NodeId[] = [];
    const keep = new Set<NodeId>();
    for (const s of configuration.servers) {
      ids.push(s.id);
      keep.add(s.id);
      const voter = s.suffrage === ServerSuffrage.Voter;
      if (voter) voters.push(s.id);
      const pr = this.progress.get(s.id);
      if (pr) pr.voter = voter;
      else this.progress.set(s.id, new Progress(next, voter, this.maxInflight, this.maxInflightBytes));
    }
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    ids.sort();
    voters.sort();
    this.ids = ids;
    this.voters = voters;
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  /** Resets every record as a new leader does: probing from `next`, nothing known to match. */
  resetAll(next: Index): void {
    for (const id of this.ids) {
      const pr = this.progress.get(id)!;
      pr.match = 0 as Index;
      pr.becomeProbe();
      pr.next = next;
      pr.lastAckTick = null;
      pr.sentCommit = 0 as Index;
    }
  }

  isVoter(id: NodeId): boolean {
    return this.progress.get(id)?.voter === true;
  }

  /** The highest index replicated on a majority of voters (0 with no voters). */
  committed(): Index {
    const m = this.scratch;
    m.length = 0;
    for (const id of this.voters) m.push(this.progress.get(id)!.match);
    return committedIndex(m) as Index;
  }

  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    return voteResult(this.voters, votes);
  }

  quorumHas(predicate: (id: NodeId, pr: Progress) => boolean): boolean {
    return quorumHas(this.voters, (id) => predicate(id, this.progress.get(id)!));
  }
}
