// Differential tests: the radix tree and the compiled policy layer against deliberately naive
// scans over the same rules (written from Consul's description of the semantics, not from our
// implementation). A small alphabet makes segments overlap, so prefixes nest and collide often.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergePolicies } from '../../../storage/acl/merge.ts';
import { PolicyLayer, type Enforcement } from '../../../storage/acl/policy-layer.ts';
import { RadixTree } from '../../../storage/acl/radix.ts';
import { emptyRules, type AccessLevel, type PolicyRules, type Rule, type ServiceRule } from '../../../storage/acl/index.ts';

/** Fixed seed: the run is reproducible; raise RUNS locally to search harder. */
const SEED = 20_240_611;
const RUNS = 400;

const segment = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 4 });

describe('RadixTree against a scan of all keys', () => {
  it('get, walkPath, walkPrefix and walk agree with the scan', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(segment, fc.nat(9)), { maxLength: 12 }), fc.array(segment, { maxLength: 8 }), (entries, queries) => {
        const tree = new RadixTree<number>();
        const naive = new Map<string, number>();
        for (const [key, value] of entries) {
          tree.insert(key, value);
          naive.set(key, value);
        }
        const keys = [...naive.keys()];
        for (const query of [...queries, ...keys]) {
          expect(tree.get(query)).toBe(naive.get(query));
          const onPath: string[] = [];
          tree.walkPath(query, (key, value) => {
            expect(value).toBe(naive.get(key));
            onPath.push(key);
            return false;
          });
          expect(onPath).toEqual(keys.filter((key) => query.startsWith(key)).sort((x, y) => x.length - y.length));
          const below: string[] = [];
          tree.walkPrefix(query, (key) => {
            below.push(key);
            return false;
          });
          expect(below.sort()).toEqual(keys.filter((key) => key.startsWith(query)).sort());
        }
        const all: string[] = [];
        tree.walk((key) => {
          all.push(key);
          return false;
        });
        expect(all.sort()).toEqual(keys.sort());
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('stops a walk when the visitor asks to', () => {
    fc.assert(
      fc.property(fc.uniqueArray(segment, { minLength: 1, maxLength: 10 }), (keys) => {
        const tree = new RadixTree<true>();
        for (const key of keys) tree.insert(key, true);
        let visits = 0;
        tree.walk(() => ++visits === 1);
        expect(visits).toBe(1);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});

// ---- the naive reference --------------------------------------------------------------------

const RANK: Readonly<Record<AccessLevel, number>> = { read: 1, list: 2, write: 3, deny: 4 };
type Required = 'read' | 'list' | 'write';

function strongest(levels: readonly AccessLevel[]): AccessLevel | undefined {
  return levels.reduce<AccessLevel | undefined>((best, level) => (best === undefined || RANK[level] > RANK[best] ? level : best), undefined);
}

/** Per segment, the merged exact and prefix level of one resource across all policies. */
function naiveLeaves(exact: readonly Rule[], prefix: readonly Rule[]): Map<string, { exact?: AccessLevel; prefix?: AccessLevel }> {
  const leaves = new Map<string, { exact?: AccessLevel; prefix?: AccessLevel }>();
  for (const segmentName of new Set([...exact, ...prefix].map((rule) => rule.segment))) {
    const e = strongest(exact.filter((rule) => rule.segment === segmentName).map((rule) => rule.policy));
    const p = strongest(prefix.filter((rule) => rule.segment === segmentName).map((rule) => rule.policy));
    leaves.set(segmentName, { ...(e === undefined ? {} : { exact: e }), ...(p === undefined ? {} : { prefix: p }) });
  }
  return leaves;
}

function naiveEnforce(level: AccessLevel | undefined, required: Required): Enforcement {
  if (level === undefined) return 'default';
  const granted: Readonly<Record<AccessLevel, readonly Required[]>> = { write: ['read', 'list', 'write'], list: ['read', 'list'], read: ['read'], deny: [] };
  return granted[level].includes(required) ? 'allow' : 'deny';
}

/** An exact rule for the whole name, else the longest prefix rule. */
function naiveLevel(leaves: ReturnType<typeof naiveLeaves>, name: string): AccessLevel | undefined {
  const exact = leaves.get(name)?.exact;
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const [key, leaf] of leaves) {
    if (leaf.prefix !== undefined && name.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : leaves.get(best)?.prefix;
}

function naiveKeyWritePrefix(leaves: ReturnType<typeof naiveLeaves>, prefix: string): Enforcement {
  let covering: string | undefined;
  for (const [key, leaf] of leaves) {
    if (leaf.prefix !== undefined && prefix.startsWith(key) && (covering === undefined || key.length > covering.length)) covering = key;
  }
  const base: Enforcement = covering === undefined ? 'default' : leaves.get(covering)?.prefix === 'write' ? 'allow' : 'deny';
  if (base === 'deny') return 'deny';
  for (const [key, leaf] of leaves) {
    if (!key.startsWith(prefix)) continue;
    if ((leaf.prefix !== undefined && leaf.prefix !== 'write') || (leaf.exact !== undefined && leaf.exact !== 'write')) return 'deny';
  }
  return base;
}

/** Every rule must grant; a "" prefix rule sets the starting answer. */
function naiveAll(leaves: ReturnType<typeof naiveLeaves>, required: Required): Enforcement {
  const catchAll = leaves.get('');
  const start = catchAll === undefined ? 'default' : naiveEnforce(catchAll.prefix, required);
  if (start === 'deny') return 'deny';
  for (const leaf of leaves.values()) {
    const fromPrefix = naiveEnforce(leaf.prefix, required);
    const verdict = fromPrefix === 'deny' || leaf.exact === undefined ? fromPrefix : naiveEnforce(leaf.exact, required);
    if (verdict === 'deny') return 'deny';
  }
  return start;
}

/** Some rule must grant; a "" prefix rule sets the fallback answer. */
function naiveAny(leaves: ReturnType<typeof naiveLeaves>, required: Required): Enforcement {
  const catchAll = leaves.get('');
  const start = catchAll === undefined ? 'default' : naiveEnforce(catchAll.prefix, required);
  if (start === 'allow') return 'allow';
  for (const leaf of leaves.values()) {
    if (naiveEnforce(leaf.prefix, required) === 'allow') return 'allow';
    if (leaf.exact !== undefined && naiveEnforce(leaf.exact, required) === 'allow') return 'allow';
  }
  return start;
}

/** A service rule's intentions level when none is written: read for read/write, else deny. */
function intentionOf(rule: ServiceRule): AccessLevel {
  return rule.intentions?.policy ?? (rule.policy === 'read' || rule.policy === 'write' ? 'read' : 'deny');
}

// ---- generated policies -------------------------------------------------------------------

const keyLevel = fc.constantFrom<AccessLevel>('deny', 'read', 'list', 'write');
const otherLevel = fc.constantFrom<AccessLevel>('deny', 'read', 'write');
const rule = (level: fc.Arbitrary<AccessLevel>) => fc.record({ segment, policy: level });
const serviceRule = fc
  .tuple(segment, otherLevel, fc.option(otherLevel, { nil: undefined }))
  .map(([name, policy, intentions]): ServiceRule => (intentions === undefined ? { segment: name, policy } : { segment: name, policy, intentions: { policy: intentions } }));
const rules = (level: fc.Arbitrary<AccessLevel>) => fc.array(rule(level), { maxLength: 4 });

const policy = fc
  .record({
    key: rules(keyLevel),
    key_prefix: rules(keyLevel),
    node: rules(otherLevel),
    node_prefix: rules(otherLevel),
    service: fc.array(serviceRule, { maxLength: 3 }),
    service_prefix: fc.array(serviceRule, { maxLength: 3 }),
  })
  .map((lists): PolicyRules => ({ ...emptyRules(), ...lists }));

describe('compiled policy layer against the naive reference', () => {
  it('decides every check like the scan, for merged random policies', () => {
    fc.assert(
      fc.property(fc.array(policy, { minLength: 1, maxLength: 3 }), fc.array(segment, { maxLength: 6 }), (policies, extraQueries) => {
        const layer = new PolicyLayer(mergePolicies(policies));
        const all = (list: 'key' | 'key_prefix' | 'node' | 'node_prefix' | 'service' | 'service_prefix') => policies.flatMap((p) => p[list]);
        const keys = naiveLeaves(all('key'), all('key_prefix'));
        const nodes = naiveLeaves(all('node'), all('node_prefix'));
        const services = naiveLeaves(all('service'), all('service_prefix'));
        const intentions = naiveLeaves(
          mergedServices(policies, 'service').map((r) => ({ segment: r.segment, policy: intentionOf(r) })),
          mergedServices(policies, 'service_prefix').map((r) => ({ segment: r.segment, policy: intentionOf(r) })),
        );
        const queries = [...extraQueries, ...keys.keys(), ...[...keys.keys()].map((k) => `${k}a`)];
        for (const query of queries) {
          const got = {
            read: layer.decide('keyRead', query),
            list: layer.decide('keyList', query),
            write: layer.decide('keyWrite', query),
            writePrefix: layer.decide('keyWritePrefix', query),
            nodeRead: layer.decide('nodeRead', query),
            serviceWrite: layer.decide('serviceWrite', query),
            intentionRead: layer.decide('intentionRead', query),
          };
          const level = naiveLevel(keys, query);
          expect({ query, ...got }).toEqual({
            query,
            read: naiveEnforce(level, 'read'),
            list: naiveEnforce(level, 'list'),
            write: naiveEnforce(level, 'write'),
            writePrefix: naiveKeyWritePrefix(keys, query),
            nodeRead: naiveEnforce(naiveLevel(nodes, query), 'read'),
            serviceWrite: naiveEnforce(naiveLevel(services, query), 'write'),
            intentionRead: naiveEnforce(naiveLevel(intentions, query), 'read'),
          });
        }
        expect({
          nodeReadAll: layer.decide('nodeReadAll', ''),
          serviceReadAll: layer.decide('serviceReadAll', ''),
          serviceWriteAny: layer.decide('serviceWriteAny', ''),
          intentionReadAny: layer.decide('intentionRead', '*'),
          intentionWriteAll: layer.decide('intentionWrite', '*'),
        }).toEqual({
          nodeReadAll: naiveAll(nodes, 'read'),
          serviceReadAll: naiveAll(services, 'read'),
          serviceWriteAny: naiveAny(services, 'write'),
          intentionReadAny: naiveAny(intentions, 'read'),
          intentionWriteAll: naiveAll(intentions, 'write'),
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

/** Service rules merged per segment: policy and intentions each take the strongest level. */
function mergedServices(policies: readonly PolicyRules[], list: 'service' | 'service_prefix'): ServiceRule[] {
  const rulesOfList = policies.flatMap((p) => p[list]);
  return [...new Set(rulesOfList.map((r) => r.segment))].map((name) => {
    const same = rulesOfList.filter((r) => r.segment === name);
    const policyLevel = strongest(same.map((r) => r.policy)) as AccessLevel;
    const intentions = strongest(same.flatMap((r) => (r.intentions === undefined ? [] : [r.intentions.policy])));
    return intentions === undefined ? { segment: name, policy: policyLevel } : { segment: name, policy: policyLevel, intentions: { policy: intentions } };
  });
}
