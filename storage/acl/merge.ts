// Several policies → one, as Consul's PolicyMerger does (acl/policy_merger.go) before it builds
// an authorizer: for the same resource and the same segment in the same form (exact or
// prefix), the level that "takes precedence" wins — deny over write over list over read.
// Different segments are not merged here; longest-prefix lookup decides between them later.

import { GLOBAL_RESOURCES, NAMED_RESOURCES, emptyRules, type Grant, type PolicyRules, type Rule, type RuleListKey, type ServiceRule } from './types.ts';

const RANK: Readonly<Record<string, number>> = { deny: 4, write: 3, list: 2, read: 1 };

/**
 * acl/policy.go takesPrecedenceOver(a, b) on the levels as spelled: deny > write > list > read,
 * and a spelling that is not one of those lower-case words (or an absent level, "") never takes
 * precedence — so `acl = "Write"` is dropped by the merge while `key "k" { policy = "Write" }`
 * survives as the first rule for its segment.
 */
export function takesPrecedenceOver(a: string, b: string): boolean {
  const rankA = RANK[a] ?? 0;
  return rankA > 0 && rankA >= (RANK[b] ?? 0);
}

/** The level as Consul's merger sees it: the spelling when there is one. */
export function spelled(grant: Grant | undefined): string {
  return grant === undefined ? '' : (grant.spelling ?? grant.policy);
}

export function mergePolicies(policies: readonly PolicyRules[]): PolicyRules {
  const merged: { -readonly [K in keyof PolicyRules]: PolicyRules[K] } = { ...emptyRules() };
  for (const resource of GLOBAL_RESOURCES) {
    let winner: Grant | undefined;
    for (const policy of policies) {
      const candidate = policy[resource];
      if (takesPrecedenceOver(spelled(candidate), spelled(winner))) winner = candidate;
    }
    if (winner !== undefined) merged[resource] = winner;
  }
  for (const resource of NAMED_RESOURCES) {
    for (const list of [resource, `${resource}_prefix`] as const satisfies readonly RuleListKey[]) {
      merged[list] =
        resource === 'service'
          ? mergeServiceRules(policies.map((policy) => policy[list as 'service' | 'service_prefix']))
          : mergeRules(policies.map((policy) => policy[list]));
    }
  }
  return merged;
}

function mergeRules(lists: readonly (readonly Rule[])[]): Rule[] {
  const bySegment = new Map<string, Rule>();
  for (const rules of lists) {
    for (const rule of rules) {
      const existing = bySegment.get(rule.segment);
      if (existing === undefined || takesPrecedenceOver(spelled(rule), spelled(existing))) bySegment.set(rule.segment, rule);
    }
  }
  return [...bySegment.values()];
}

/** Service rules merge their policy and their intentions level independently. */
function mergeServiceRules(lists: readonly (readonly ServiceRule[])[]): ServiceRule[] {
  const bySegment = new Map<string, ServiceRule>();
  for (const rules of lists) {
    for (const rule of rules) {
      const existing = bySegment.get(rule.segment);
      if (existing === undefined) {
        bySegment.set(rule.segment, rule);
        continue;
      }
      const level = takesPrecedenceOver(spelled(rule), spelled(existing)) ? rule : existing;
      const intentions = takesPrecedenceOver(spelled(rule.intentions), spelled(existing.intentions))
        ? rule.intentions
        : existing.intentions;
      const combined: ServiceRule = { segment: rule.segment, policy: level.policy };
      bySegment.set(rule.segment, {
        ...combined,
        ...(level.spelling === undefined ? {} : { spelling: level.spelling }),
        ...(intentions === undefined ? {} : { intentions }),
      });
    }
  }
  return [...bySegment.values()];
}
