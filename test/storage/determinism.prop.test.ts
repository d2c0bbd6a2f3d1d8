// FSM determinism: the same committed commands give the same state and change feed whatever
// the batching, and snapshot → restore → continue equals continuing without the snapshot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, TxnOp } from '../../storage/commands.ts';
import { encodeCommand, validateCommand } from '../../storage/commands.ts';
import type { FsmEntry, FsmSnapshot } from '../../storage/fsm.ts';
import { dumpTables } from '../../storage/snapshot.ts';
import { b64, checkSpec, harness, nodeSpec, register, serviceSpec, sessionCreate } from './harness.ts';
import type { Harness } from './harness.ts';

const KEYS = ['a', 'a/b', 'a/c', 'b', 'c/d/e'];
const SESSIONS = ['5e550000-0000-4000-8000-000000000001', '5e550000-0000-4000-8000-000000000002', '5e550000-0000-4000-8000-000000000003'];
const NODES = ['n1', 'N2'];
const CHECKS = ['serfHealth', 'c1'];
const SERVICES = ['web', 'db'];

const key = fc.constantFrom(...KEYS);
const prefix = fc.constantFrom('', 'a', 'a/', 'c/', 'zz');
const session = fc.constantFrom(...SESSIONS);
const node = fc.constantFrom(...NODES);
const value = fc.option(fc.constantFrom('x', 'y', ''), { nil: null }).map((v) => (v === null ? null : b64(v)));
const flags = fc.constantFrom('0', '1', '18446744073709551615');
const index = fc.nat({ max: 30 });
const status = fc.constantFrom('passing', 'warning', 'critical' as const);

const kvCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ key, value, flags }).map((w) => ({ type: 'kv.set', ...w }) as Command),
  fc.record({ key, value, flags, index }).map((w) => ({ type: 'kv.cas', ...w }) as Command),
  fc.record({ key, value, flags, session }).map((w) => ({ type: 'kv.lock', ...w }) as Command),
  fc.record({ key, value, flags, session }).map((w) => ({ type: 'kv.unlock', ...w }) as Command),
  key.map((k) => ({ type: 'kv.delete', key: k }) as Command),
  prefix.map((p) => ({ type: 'kv.delete-tree', prefix: p }) as Command),
  fc.record({ key, index }).map((d) => ({ type: 'kv.delete-cas', ...d }) as Command),
  index.map((upTo) => ({ type: 'kv.reap-tombstones', upTo }) as Command),
);

const catalogCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ node, svc: fc.option(fc.constantFrom(...SERVICES), { nil: null }), check: fc.constantFrom(...CHECKS), status, port: fc.nat({ max: 2 }) })
    .map(({ node: n, svc, check, status: st, port }) =>
      register(n, {
        ...(svc === null ? {} : { service: serviceSpec(svc, { port }) }),
        checks: [checkSpec(n, check, { status: st, ...(svc !== null && check === 'c1' ? { serviceId: svc } : {}) })],
      })),
  fc.record({ node, what: fc.constantFrom('node', 'service', 'check'), svc: fc.constantFrom(...SERVICES), check: fc.constantFrom(...CHECKS) })
    .map(({ node: n, what, svc, check }) => ({
      type: 'catalog.deregister', node: n, serviceId: what === 'service' ? svc : null, checkId: what === 'check' ? check : null,
    }) as Command),
  fc.record({ id: session, node, behavior: fc.constantFrom('release', 'delete' as const), checks: fc.subarray(CHECKS) })
    .map(({ id, node: n, behavior, checks }) => sessionCreate(id, n, { behavior, nodeChecks: checks })),
  session.map((id) => ({ type: 'session.destroy', id }) as Command),
);

const txnOp: fc.Arbitrary<TxnOp> = fc.oneof(
  fc.record({ verb: fc.constantFrom('set', 'cas', 'lock', 'unlock', 'get', 'get-tree', 'check-index', 'delete', 'delete-cas', 'check-not-exists' as const), key, value, flags, index, session })
    .map((kv) => ({ KV: kv })),
  fc.record({ verb: fc.constantFrom('set', 'delete', 'get' as const), n: node }).map(({ verb, n }) => ({ Node: { verb, node: nodeSpec(n), index: 0 } })),
);
const txnCommand: fc.Arbitrary<Command> = fc.array(txnOp, { minLength: 1, maxLength: 5 }).map((ops) => ({ type: 'txn', ops }) as Command);

const command = fc.oneof({ arbitrary: kvCommand, weight: 5 }, { arbitrary: catalogCommand, weight: 3 }, { arbitrary: txnCommand, weight: 2 });

/** A catalog and sessions to act on, so locks, invalidations and CAS hit real rows. */
const PRELUDE: readonly Command[] = [
  register('n1', { service: serviceSpec('web'), checks: [checkSpec('n1', 'serfHealth'), checkSpec('n1', 'c1', { serviceId: 'web' })] }),
  register('N2', { checks: [checkSpec('N2', 'serfHealth')] }),
  sessionCreate(SESSIONS[0]!, 'n1', { nodeChecks: ['serfHealth', 'c1'] }),
  sessionCreate(SESSIONS[1]!, 'n2', { behavior: 'delete', lockDelayNs: 1_000_000_000 }),
  { type: 'kv.set', key: 'a/b', value: b64('seed'), flags: '0' },
];

const commands = (minLength: number) =>
  fc.array(command, { minLength, maxLength: 40, size: 'max' }).map((cmds) => [...PRELUDE, ...cmds]);

function entries(cmds: readonly Command[]): FsmEntry[] {
  return cmds.map((c, i) => ({ index: i + 1, term: 1 + Math.floor(i / 10), kind: i % 13 === 7 ? 'noop' : 'command', data: i % 13 === 7 ? new Uint8Array() : encodeCommand(c) }));
}

/** Applies entries cut into batches at the given (sorted, deduplicated) cut points. */
function applyInBatches(h: Harness, es: readonly FsmEntry[], cuts: readonly number[]): unknown[] {
  const bounds = [...new Set([0, ...cuts.filter((c) => c > 0 && c < es.length), es.length])].sort((a, b) => a - b);
  const results: unknown[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) results.push(...h.fsm.apply(es.slice(bounds[i], bounds[i + 1])));
  return results;
}

const flatFeed = (h: Harness): unknown[] => h.feed.flat();

async function snapshotChunks(snap: FsmSnapshot): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  await snap.write(async (c) => {
    out.push(c);
  });
  snap.release();
  return out;
}

async function* replay(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/** Runs per property: enough to cover every command type many times within a few seconds. */
const RUNS = 60;

describe('FSM determinism (property)', () => {
  it('any batching of the same entries gives identical state, results and change feed', () => {
    fc.assert(
      fc.property(commands(1), fc.array(fc.nat({ max: 40 })), fc.array(fc.nat({ max: 40 })), (cmds, cutsA, cutsB) => {
        // Everything the generators build is a command a proposer would accept.
        for (const c of cmds) expect(validateCommand(c)).toBeNull();
        const es = entries(cmds);
        const a = harness();
        const b = harness();
        try {
          const ra = applyInBatches(a, es, cutsA);
          const rb = applyInBatches(b, es, cutsB);
          expect(rb).toEqual(ra);
          expect(dumpTables(b.db.sqlite)).toEqual(dumpTables(a.db.sqlite));
          expect(flatFeed(b)).toEqual(flatFeed(a));
          expect(a.db.sqlite.pragma('foreign_key_check')).toEqual([]);
        } finally {
          a.close();
          b.close();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('snapshot → restore → continue equals continuing without the snapshot', async () => {
    await fc.assert(
      fc.asyncProperty(commands(2), fc.nat(), async (cmds, cutSeed) => {
        const es = entries(cmds);
        const cut = 1 + (cutSeed % (es.length - 1));
        const straight = harness();
        const source = harness();
        const restored = harness();
        try {
          const expected = straight.fsm.apply(es);
          const before = source.fsm.apply(es.slice(0, cut));
          const snap = source.fsm.snapshot();
          await restored.fsm.restore(replay(await snapshotChunks(snap)), snap.at);
          const after = restored.fsm.apply(es.slice(cut));
          expect([...before, ...after]).toEqual(expected);
          expect(dumpTables(restored.db.sqlite)).toEqual(dumpTables(straight.db.sqlite));
          expect(restored.feed.at(-1)).toEqual(straight.feed.length > 0 ? feedFrom(straight, es[cut]!.index) : []);
        } finally {
          straight.close();
          source.close();
          restored.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** The straight run's feed rows from entry `from` on (the restored run applied them as one batch). */
function feedFrom(h: Harness, from: number): unknown[] {
  return h.feed.flat().filter((r) => r.index >= from);
}
