// Majority arithmetic, pure and deterministic: the commit index a quorum of match indexes
// supports, election tallies, and "has a quorum done X". A configuration with no voters has no
// quorum at all (nothing commits, nobody wins), which is what a cluster being bootstrapped or a
// node that knows no configuration needs.

import type { NodeId } from './types.ts';

/** The number of voters that form a majority. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index that a majority of `matches` has reached. Sorts `matches` in place
 * (callers pass a scratch array to avoid allocating). 0 when there are no voters.
 */
export function committedIndex(matches: number[]): number {
  if (matches.length === 0) return 0;
  matches.sort((a, b) => b - a);
  return matches[majority(matches.length) - 1]!;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * Tallies an election. `votes` maps a voter to its answer; other entries (non-voters, strangers)
 * are ignored. Lost as soon as a majority can no longer be reached.
 */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'lost';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = majority(voters.length);
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

/** Whether a majority of `voters` satisfies `predicate`. */
export function quorumHas(voters: readonly NodeId[], predicate: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return false;
  let n = 0;
  for (const id of voters) if (predicate(id)) n++;
  return n >= majority(voters.length);
}
