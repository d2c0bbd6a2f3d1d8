// The fixed seed corpus (seeds that once exposed a harness or product problem, and seeds with
// heavy fault profiles) and the determinism self-test. Random seeds: swarm-random-*.test.ts.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TICKS } from './profile.ts';
import { expectSeedOk } from './swarm.ts';
import { simulate } from './simulator.ts';

/** Fault-phase ticks of a corpus seed: enough to reach what each seed is in the corpus for. */
const CORPUS_TICKS = 300;

interface CorpusSeed {
  readonly seed: string;
  readonly nodes: number;
  /** Why the seed is in the corpus. */
  readonly why: string;
  /** Fault-phase ticks if it needs more than CORPUS_TICKS to get there. */
  readonly ticks?: number;
}

const CORPUS: readonly CorpusSeed[] = [
  { seed: '571b04ee', nodes: 3, why: 'a torn FSM state-file tail once hid later records (FSM recovery)' },
  { seed: 'e9c19fee', nodes: 3, why: 'a zeroed FSM record once parsed as an empty record' },
  { seed: 'c780f533', nodes: 3, why: 'the liveness phase once isolated a voter the core needed' },
  { seed: 'c6ddf2a4', nodes: 3, why: 'a lost snapshot chunk once held the stream until its 30 s timeout' },
  { seed: '58dc3096', nodes: 5, why: 'a fault-phase heal once undid the liveness isolation' },
  { seed: 'c5bddd84', nodes: 5, why: 'a server holding a rolled-back configuration entry is not part of the core' },
  { seed: '7d9d99ff', nodes: 5, why: 'membership + frequent snapshots + crashes during fsync' },
  { seed: 'd902a553', nodes: 5, why: 'tiny segments, 10% loss, every partition mode, crashes, membership, transfers' },
  { seed: 'fa4947dd', nodes: 5, why: 'all servers may be down at once; EIO on writes and fsyncs' },
  { seed: '77a55ef6', nodes: 5, why: 'no pre-vote, no check-quorum, reordered directory operations' },
  { seed: '56ea3042', nodes: 5, why: 'EIO during a snapshot write (was an unhandled rejection in the host)', ticks: DEFAULT_TICKS },
  { seed: '5f689e74', nodes: 5, why: 'a crash during the first meta write (openWal could not start)', ticks: DEFAULT_TICKS },
  { seed: 'bc0bf435', nodes: 5, why: "a 1-message window of 64-byte appends: liveness once chased the clients' latest write", ticks: DEFAULT_TICKS },
];

describe('seed corpus', () => {
  it.each(CORPUS)('seed $seed with $nodes servers ($why)', async ({ seed, nodes, ticks }) => {
    await expectSeedOk(seed, nodes, ticks ?? CORPUS_TICKS);
  });
});

describe('determinism', () => {
  it('one seed run twice gives the same trace hash; another seed gives another', async () => {
    const a = await simulate({ seed: 'd902a553', nodes: 5, ticks: 200 });
    const b = await simulate({ seed: 'd902a553', nodes: 5, ticks: 200 });
    const c = await simulate({ seed: 'd902a554', nodes: 5, ticks: 200 });
    expect(a.events).toBeGreaterThan(1_000);
    expect({ hash: b.traceHash, events: b.events, ops: b.history.ops.length }).toEqual({ hash: a.traceHash, events: a.events, ops: a.history.ops.length });
    expect(c.traceHash).not.toBe(a.traceHash);
  });
});
