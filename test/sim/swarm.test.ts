// The fixed seed corpus (seeds that once exposed a harness or product problem, and seeds with
// heavy fault profiles) and the determinism self-test. Random seeds: swarm-random-*.test.ts.
import { describe, expect, it } from 'vitest';
import { expectSeedOk } from './swarm.ts';
import { simulate } from './simulator.ts';

/** seed/nodes. Each line says why the seed is in the corpus. */
const CORPUS: readonly (readonly [string, number, string])[] = [
  ['571b04ee', 3, 'a torn FSM state-file tail once hid later records (FSM recovery)'],
  ['e9c19fee', 3, 'a zeroed FSM record once parsed as an empty record'],
  ['c780f533', 3, 'the liveness phase once isolated a voter the core needed'],
  ['c6ddf2a4', 3, 'a lost snapshot chunk holds the stream until its 30 s timeout'],
  ['58dc3096', 5, 'a fault-phase heal once undid the liveness isolation'],
  ['7d9d99ff', 5, 'membership + frequent snapshots + crashes during fsync'],
  ['d902a553', 5, 'tiny segments, 10% loss, every partition mode, crashes, membership, transfers'],
  ['fa4947dd', 5, 'all servers may be down at once; EIO on writes and fsyncs'],
  ['77a55ef6', 5, 'no pre-vote, no check-quorum, reordered directory operations'],
  ['56ea3042', 5, 'EIO during snapshot writes (known bug host-snapshot-task-unhandled)'],
  ['5f689e74', 5, 'crash during the first meta write (known bug wal-open-stale-meta-tmp)'],
];

describe('seed corpus', () => {
  it.each(CORPUS)('seed %s with %i servers (%s)', async (seed, nodes) => {
    await expectSeedOk(seed, nodes, 400);
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
