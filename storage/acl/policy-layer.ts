// The decisions one merged policy makes (Consul's policyAuthorizer, acl/policy_authorizer.go).
// Each check answers allow, deny, or "default" when no rule applies, so the next layer of the
// chain (the default policy) decides. Rules for named resources live in one radix tree per
// resource, each leaf holding the exact and the prefix rule for that segment.

import type { Check } from './checks.ts';
import { spelled } from './merge.ts';
import { RadixTree } from './radix.ts';
import { NAMED_RESOURCES, type AccessLevel, type NamedResource, type PolicyRules, type ServiceRule } from './types.ts';

export type Enforcement = 'allow' | 'deny' | 'default';

/** One link of an authorizer chain. */
export interface Layer {
  decide(check: Check, segment: string): Enforcement;
}

type Required = 'read' | 'list' | 'write';

/** What a segment's rules say: the exact rule and the prefix rule, when present. */
interface SegmentRules {
  exact?: AccessLevel;
  prefix?: AccessLevel;
}

type Tree = RadixTree<SegmentRules>;

type Aggregate = 'nodeReadAll' | 'serviceReadAll' | 'serviceWriteAny' | 'intentionReadAny' | 'intentionWriteAll';

/** enforce(): write grants everything, list grants list and read, read grants read. */
export function enforce(level: AccessLevel | undefined, required: Required): Enforcement {
  switch (level) {
    case undefined:
      return 'default';
    case 'write':
      return 'allow';
    case 'list':
      return required === 'write' ? 'deny' : 'allow';
    case 'read':
      return required === 'read' ? 'allow' : 'deny';
    case 'deny':
      return 'deny';
  }
}

export class PolicyLayer implements Layer {
  private readonly trees: Readonly<Record<NamedResource | 'intention', Tree>>;
  private readonly levels: PolicyRules;
  /** The "every"/"any" checks depend on no argument, so they are decided once here. */
  private readonly aggregates: Readonly<Record<Aggregate, Enforcement>>;

  /** `rules` must already be merged (merge.ts): one rule per segment and form. */
  constructor(rules: PolicyRules) {
    this.levels = rules;
    this.trees = buildTrees(rules);
    this.aggregates = {
      nodeReadAll: allAllowed(this.trees.node, 'read'),
      serviceReadAll: allAllowed(this.trees.service, 'read'),
      serviceWriteAny: anyAllowed(this.trees.service, 'write'),
      intentionReadAny: anyAllowed(this.trees.intention, 'read'),
      intentionWriteAll: allAllowed(this.trees.intention, 'write'),
    };
  }

  decide(check: Check, segment: string): Enforcement {
    return DECISIONS[check](this, segment);
  }

  global(resource: 'acl' | 'keyring' | 'operator', required: Required): Enforcement {
    return enforce(this.levels[resource]?.policy, required);
  }

  /** mesh and peering fall back to the operator level when the policy does not set them. */
  operatorScoped(resource: 'mesh' | 'peering', required: Required): Enforcement {
    const grant = this.levels[resource];
    return grant === undefined ? this.global('operator', required) : enforce(grant.policy, required);
  }

  named(resource: NamedResource | 'intention', segment: string, required: Required): Enforcement {
    return enforce(governingLevel(this.trees[resource], segment), required);
  }

  aggregate(name: Aggregate): Enforcement {
    return this.aggregates[name];
  }

  /**
   * KeyWritePrefix (recursive delete): allowed only when the longest prefix rule covering the
   * prefix grants write and no rule at or below the prefix grants less; default when no rule
   * covers the prefix and none below it objects.
   */
  keyWritePrefix(prefix: string): Enforcement {
    const base = longestPrefixWrite(this.trees.key, prefix);
    if (base === 'deny' || withholdsWriteBelow(this.trees.key, prefix)) return 'deny';
    return base;
  }
}

/** Whether the longest prefix rule covering `prefix` grants write; default when none does. */
function longestPrefixWrite(tree: Tree, prefix: string): Enforcement {
  let decision: Enforcement = 'default';
  tree.walkPath(prefix, (_key, rules) => {
    if (rules.prefix !== undefined) decision = rules.prefix === 'write' ? 'allow' : 'deny';
    return false;
  });
  return decision;
}

/** Whether some rule at or below `prefix`, exact or prefix, grants less than write. */
function withholdsWriteBelow(tree: Tree, prefix: string): boolean {
  let withholds = false;
  tree.walkPrefix(prefix, (_key, rules) => {
    withholds = (rules.prefix !== undefined && rules.prefix !== 'write') || (rules.exact !== undefined && rules.exact !== 'write');
    return withholds;
  });
  return withholds;
}

const DECISIONS: Readonly<Record<Check, (layer: PolicyLayer, segment: string) => Enforcement>> = {
  aclRead: (layer) => layer.global('acl', 'read'),
  aclWrite: (layer) => layer.global('acl', 'write'),
  agentRead: (layer, segment) => layer.named('agent', segment, 'read'),
  agentWrite: (layer, segment) => layer.named('agent', segment, 'write'),
  eventRead: (layer, segment) => layer.named('event', segment, 'read'),
  eventWrite: (layer, segment) => layer.named('event', segment, 'write'),
  // Never decided by a policy: it comes from the default policy alone.
  intentionDefaultAllow: () => 'default',
  // "*" asks about intentions on every destination.
  intentionRead: (layer, segment) =>
    segment === '*' ? layer.aggregate('intentionReadAny') : layer.named('intention', segment, 'read'),
  intentionWrite: (layer, segment) =>
    segment === '*' ? layer.aggregate('intentionWriteAll') : layer.named('intention', segment, 'write'),
  keyList: (layer, segment) => layer.named('key', segment, 'list'),
  keyRead: (layer, segment) => layer.named('key', segment, 'read'),
  keyWrite: (layer, segment) => layer.named('key', segment, 'write'),
  keyWritePrefix: (layer, segment) => layer.keyWritePrefix(segment),
  keyringRead: (layer) => layer.global('keyring', 'read'),
  keyringWrite: (layer) => layer.global('keyring', 'write'),
  meshRead: (layer) => layer.operatorScoped('mesh', 'read'),
  meshWrite: (layer) => layer.operatorScoped('mesh', 'write'),
  nodeRead: (layer, segment) => layer.named('node', segment, 'read'),
  nodeReadAll: (layer) => layer.aggregate('nodeReadAll'),
  nodeWrite: (layer, segment) => layer.named('node', segment, 'write'),
  operatorRead: (layer) => layer.global('operator', 'read'),
  operatorWrite: (layer) => layer.global('operator', 'write'),
  peeringRead: (layer) => layer.operatorScoped('peering', 'read'),
  peeringWrite: (layer) => layer.operatorScoped('peering', 'write'),
  queryRead: (layer, segment) => layer.named('query', segment, 'read'),
  queryWrite: (layer, segment) => layer.named('query', segment, 'write'),
  serviceRead: (layer, segment) => layer.named('service', segment, 'read'),
  serviceReadAll: (layer) => layer.aggregate('serviceReadAll'),
  serviceWrite: (layer, segment) => layer.named('service', segment, 'write'),
  serviceWriteAny: (layer) => layer.aggregate('serviceWriteAny'),
  sessionRead: (layer, segment) => layer.named('session', segment, 'read'),
  sessionWrite: (layer, segment) => layer.named('session', segment, 'write'),
  snapshot: (layer) => layer.global('acl', 'write'),
};

function buildTrees(rules: PolicyRules): Record<NamedResource | 'intention', Tree> {
  const trees = {} as Record<NamedResource | 'intention', Tree>;
  for (const resource of NAMED_RESOURCES) {
    const tree: Tree = new RadixTree();
    for (const rule of rules[resource]) place(tree, rule.segment, 'exact', rule.policy);
    for (const rule of rules[`${resource}_prefix`]) place(tree, rule.segment, 'prefix', rule.policy);
    trees[resource] = tree;
  }
  const intentions: Tree = new RadixTree();
  for (const rule of rules.service) place(intentions, rule.segment, 'exact', intentionLevel(rule));
  for (const rule of rules.service_prefix) place(intentions, rule.segment, 'prefix', intentionLevel(rule));
  trees.intention = intentions;
  return trees;
}

function place(tree: Tree, segment: string, form: 'exact' | 'prefix', level: AccessLevel): void {
  const existing = tree.get(segment);
  if (existing === undefined) tree.insert(segment, { [form]: level });
  else existing[form] = level;
}

/**
 * A service rule's intentions level; when unset it is read for a service policy spelled
 * exactly "read" or "write", deny otherwise (loadRules compares the spelling).
 */
function intentionLevel(rule: ServiceRule): AccessLevel {
  if (rule.intentions !== undefined) return rule.intentions.policy;
  const level = spelled(rule);
  return level === 'read' || level === 'write' ? 'read' : 'deny';
}

/** getPolicy(): the exact rule for the whole segment, else the longest prefix rule. */
function governingLevel(tree: Tree, segment: string): AccessLevel | undefined {
  let level: AccessLevel | undefined;
  tree.walkPath(segment, (key, rules) => {
    if (rules.exact !== undefined && key === segment) {
      level = rules.exact;
      return true;
    }
    if (rules.prefix !== undefined) level = rules.prefix;
    return false;
  });
  return level;
}

/** What one leaf says for the all/any checks; `prefixOnly` ignores its exact rule. */
type LeafDecision = (rules: SegmentRules, prefixOnly: boolean) => Enforcement;

/** anyAllowed(): does some rule grant the access? A deny on "" only sets the default. */
function anyAllowed(tree: Tree, required: Required): Enforcement {
  const decideLeaf: LeafDecision = (rules, prefixOnly) => {
    const decision = enforce(rules.prefix, required);
    if (prefixOnly || decision === 'allow' || rules.exact === undefined) return decision;
    return enforce(rules.exact, required);
  };
  let decision: Enforcement = 'default';
  const catchAll = tree.get('');
  if (catchAll !== undefined) {
    decision = decideLeaf(catchAll, true);
    if (decision === 'allow') return 'allow';
  }
  tree.walk((_key, rules) => {
    if (decideLeaf(rules, false) !== 'allow') return false;
    decision = 'allow';
    return true;
  });
  return decision;
}

/** allAllowed(): does every rule grant the access, starting from the "" prefix rule? */
function allAllowed(tree: Tree, required: Required): Enforcement {
  const decideLeaf: LeafDecision = (rules, prefixOnly) => {
    const prefixDecision = enforce(rules.prefix, required);
    if (prefixOnly || prefixDecision === 'deny' || rules.exact === undefined) return prefixDecision;
    return enforce(rules.exact, required);
  };
  let decision: Enforcement = 'default';
  const catchAll = tree.get('');
  if (catchAll !== undefined) {
    decision = decideLeaf(catchAll, true);
    if (decision === 'deny') return 'deny';
  }
  tree.walk((_key, rules) => {
    if (decideLeaf(rules, false) !== 'deny') return false;
    decision = 'deny';
    return true;
  });
  return decision;
}
