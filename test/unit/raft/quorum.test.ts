// Majority arithmetic, checked against deliberately naive reimplementations with fast-check
// (the etcd-io/raft quorum/quick_test.go idea).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedIndex, majority, quorumHas, voteResult } from '../../../consensus/raft/quorum.ts';
import { nodeId, type NodeId } from '../../../consensus/raft/index.ts';

/** Naive commit index: the largest i such that more than half of the matches are >= i. */
function naiveCommitted(matches: number[]): number {
  let best = 0;
  for (const candidate of matches) {
    const count = matches.filter((m) => m >= candidate).length;
    if (count * 2 > matches.length && candidate > best) best = candidate;
  }
  return best;
}

function naiveVote(voters: NodeId[], votes: Map<NodeId, boolean>): string {
  const yes = voters.filter((v) => votes.get(v) === true).length;
  const no = voters.filter((v) => votes.get(v) === false).length;
  if (voters.length === 0) return 'lost';
  if (yes * 2 > voters.length) return 'won';
  if (no * 2 >= voters.length) return 'lost';
  return 'pending';
}

const ids = (k: number): NodeId[] => Array.from({ length: k }, (_, i) => nodeId(`n${i}`));

describe('quorum', () => {
  it('majority sizes', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('committedIndex agrees with the naive definition', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 9 }), (matches) => {
        expect(committedIndex([...matches])).toBe(naiveCommitted(matches));
      }),
      { numRuns: 500 },
    );
  });

  it('committedIndex of no voters is 0', () => {
    expect(committedIndex([])).toBe(0);
  });

  it('voteResult agrees with the naive tally', () => {
    const arb = fc.integer({ min: 0, max: 7 }).chain((k) =>
      fc.tuple(fc.constant(k), fc.array(fc.constantFrom<boolean | undefined>(true, false, undefined), { minLength: k + 2, maxLength: k + 2 })),
    );
    fc.assert(
      fc.property(arb, ([k, answers]) => {
        const voters = ids(k);
        const votes = new Map<NodeId, boolean>();
        // Two extra answers come from non-voters and must be ignored.
        answers.forEach((a, i) => {
          if (a !== undefined) votes.set(nodeId(`n${i}`), a);
        });
        expect(voteResult(voters, votes)).toBe(naiveVote(voters, votes));
      }),
      { numRuns: 500 },
    );
  });

  it('quorumHas counts voters only', () => {
    const voters = ids(3);
    expect(quorumHas(voters, (id) => id !== 'n0')).toBe(true);
    expect(quorumHas(voters, (id) => id === 'n0')).toBe(false);
    expect(quorumHas([], () => true)).toBe(false);
  });
});
