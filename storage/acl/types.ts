// The typed form of a parsed ACL policy (Consul's acl.PolicyRules), shared by the parser, the
// merger and the authorizer compiler. Property names are the keywords of the rules language
// (`key_prefix`, `service`, …) so a reader can map a rules text onto the structure at a glance.

/** Access levels a rule can grant. `list` is valid on keys only. */
export type AccessLevel = 'deny' | 'read' | 'list' | 'write';

/** A level as written in a rule. */
export interface Grant {
  readonly policy: AccessLevel;
  /**
   * The level as spelled in the source, present only when it is not the lower-case keyword
   * (`"Write"`). Consul validates levels case-insensitively but its policy merger and the
   * intentions default compare the spelling verbatim (acl/policy.go takesPrecedenceOver,
   * acl/policy_authorizer.go loadRules), so the spelling changes how policies combine.
   */
  readonly spelling?: string;
}

/** One named rule, e.g. `key_prefix "app/" { policy = "read" }`. */
export interface Rule extends Grant {
  readonly segment: string;
}

/** A service rule also carries the intentions level for that destination service. */
export interface ServiceRule extends Rule {
  readonly intentions?: Grant;
}

/** Resources whose rules name a segment (exact and `_prefix` forms). */
export const NAMED_RESOURCES = ['agent', 'event', 'key', 'node', 'query', 'service', 'session'] as const;
export type NamedResource = (typeof NAMED_RESOURCES)[number];

/** Resources with a single level for the whole cluster. */
export const GLOBAL_RESOURCES = ['acl', 'keyring', 'operator', 'mesh', 'peering'] as const;
export type GlobalResource = (typeof GLOBAL_RESOURCES)[number];

/**
 * Every resource name that can appear in Consul's permission-denied text. `intention` has no
 * rules of its own: it is derived from `service` rules.
 */
export type Resource = NamedResource | GlobalResource | 'intention';

/** The parsed rules of one policy, in source order within each list. */
export interface PolicyRules {
  readonly acl?: Grant;
  readonly keyring?: Grant;
  readonly operator?: Grant;
  readonly mesh?: Grant;
  readonly peering?: Grant;
  readonly agent: readonly Rule[];
  readonly agent_prefix: readonly Rule[];
  readonly event: readonly Rule[];
  readonly event_prefix: readonly Rule[];
  readonly key: readonly Rule[];
  readonly key_prefix: readonly Rule[];
  readonly node: readonly Rule[];
  readonly node_prefix: readonly Rule[];
  readonly query: readonly Rule[];
  readonly query_prefix: readonly Rule[];
  readonly service: readonly ServiceRule[];
  readonly service_prefix: readonly ServiceRule[];
  readonly session: readonly Rule[];
  readonly session_prefix: readonly Rule[];
}

/** Rules of one named resource, keyed the way PolicyRules spells them. */
export type RuleListKey = NamedResource | `${NamedResource}_prefix`;

/** A policy with no rules at all (what Consul returns for an empty rules text). */
export function emptyRules(): PolicyRules {
  return {
    agent: [],
    agent_prefix: [],
    event: [],
    event_prefix: [],
    key: [],
    key_prefix: [],
    node: [],
    node_prefix: [],
    query: [],
    query_prefix: [],
    service: [],
    service_prefix: [],
    session: [],
    session_prefix: [],
  };
}
