// A token's compiled authorizer: its merged policies, then the configured default policy, then
// deny (Consul's ChainedAuthorizer over [policyAuthorizer, allowAll|denyAll],
// acl/chained_authorizer.go). Compile once per token and keep it while the token and its
// policies are unchanged; every check is then a tree lookup or a precomputed answer.

import { CHECKS, type Check, type GlobalCheck, type NamedCheck } from './checks.ts';
import { mergePolicies } from './merge.ts';
import { formatPermissionDenied, permissionDeniedBecause } from './permission-denied.ts';
import { PolicyLayer, type Enforcement, type Layer } from './policy-layer.ts';
import type { PolicyRules } from './types.ts';

export interface AuthorizerInput {
  /** The token's AccessorID; permission-denied texts name it. */
  readonly accessorId: string;
  /**
   * Every policy the token reaches: its own, its roles' policies, and the policies synthesized
   * from its service and node identities. Order does not matter.
   */
  readonly policies: readonly PolicyRules[];
  /** `acl.default_policy`: decides whatever no rule covers. */
  readonly defaultPolicy: 'allow' | 'deny';
}

/**
 * The fixed answers of Consul's staticAuthorizer: `manage` allows everything (the authorizer
 * used when ACLs are disabled); `allow` allows everything except ACL management and snapshots;
 * `deny` denies everything.
 */
export type StaticKind = 'manage' | 'allow' | 'deny';

const MANAGEMENT_CHECKS: ReadonlySet<Check> = new Set<Check>(['aclRead', 'aclWrite', 'snapshot']);

class StaticLayer implements Layer {
  constructor(private readonly kind: StaticKind) {}

  decide(check: Check): Enforcement {
    if (this.kind === 'manage') return 'allow';
    if (this.kind === 'deny' || MANAGEMENT_CHECKS.has(check)) return 'deny';
    return 'allow';
  }
}

export function compileAuthorizer(input: AuthorizerInput): Authorizer {
  const policyLayer = new PolicyLayer(mergePolicies(input.policies));
  return new Authorizer(input.accessorId, [policyLayer, new StaticLayer(input.defaultPolicy)]);
}

export function staticAuthorizer(kind: StaticKind, accessorId = ''): Authorizer {
  return new Authorizer(accessorId, [new StaticLayer(kind)]);
}

/**
 * The enforcement API. Each check returns whether the operation is allowed; `denied` gives the
 * 403 text for a refused check. Named checks take the object's name (key, node, service, …).
 */
export class Authorizer {
  constructor(
    readonly accessorId: string,
    private readonly chain: readonly Layer[],
  ) {}

  /** The first decision in the chain that is not "default"; deny when none decides. */
  allows(check: Check, segment = ''): boolean {
    for (const layer of this.chain) {
      const decision = layer.decide(check, segment);
      if (decision !== 'default') return decision === 'allow';
    }
    return false;
  }

  /** Consul's permission-denied text when `check` is refused, otherwise null. */
  denied(check: NamedCheck, segment: string): string | null;
  denied(check: GlobalCheck): string | null;
  denied(check: Check, segment = ''): string | null {
    if (this.allows(check, segment)) return null;
    if (check === 'intentionDefaultAllow') return permissionDeniedBecause('Denied by intention default');
    const spec = CHECKS[check];
    const name = spec.target === 'segment' ? segment : spec.target === 'none' ? undefined : spec.target;
    return formatPermissionDenied({
      accessorId: this.accessorId,
      resource: spec.resource,
      level: spec.level,
      ...(name === undefined ? {} : { name }),
    });
  }

  aclRead(): boolean {
    return this.allows('aclRead');
  }
  aclWrite(): boolean {
    return this.allows('aclWrite');
  }
  agentRead(node: string): boolean {
    return this.allows('agentRead', node);
  }
  agentWrite(node: string): boolean {
    return this.allows('agentWrite', node);
  }
  eventRead(name: string): boolean {
    return this.allows('eventRead', name);
  }
  eventWrite(name: string): boolean {
    return this.allows('eventWrite', name);
  }
  /** Whether traffic no intention matches is allowed: the default policy alone decides. */
  intentionDefaultAllow(): boolean {
    return this.allows('intentionDefaultAllow');
  }
  /** Intentions whose destination is `service`; "*" asks whether any destination is readable. */
  intentionRead(service: string): boolean {
    return this.allows('intentionRead', service);
  }
  /** "*" asks whether every destination is writable. */
  intentionWrite(service: string): boolean {
    return this.allows('intentionWrite', service);
  }
  keyRead(key: string): boolean {
    return this.allows('keyRead', key);
  }
  /** Listing keys under `prefix` (only enforced with `acl.enable_key_list_policy`). */
  keyList(prefix: string): boolean {
    return this.allows('keyList', prefix);
  }
  keyWrite(key: string): boolean {
    return this.allows('keyWrite', key);
  }
  /** Writing everything under `prefix` (recursive delete): no rule below may withhold write. */
  keyWritePrefix(prefix: string): boolean {
    return this.allows('keyWritePrefix', prefix);
  }
  keyringRead(): boolean {
    return this.allows('keyringRead');
  }
  keyringWrite(): boolean {
    return this.allows('keyringWrite');
  }
  meshRead(): boolean {
    return this.allows('meshRead');
  }
  meshWrite(): boolean {
    return this.allows('meshWrite');
  }
  nodeRead(node: string): boolean {
    return this.allows('nodeRead', node);
  }
  nodeReadAll(): boolean {
    return this.allows('nodeReadAll');
  }
  nodeWrite(node: string): boolean {
    return this.allows('nodeWrite', node);
  }
  operatorRead(): boolean {
    return this.allows('operatorRead');
  }
  operatorWrite(): boolean {
    return this.allows('operatorWrite');
  }
  peeringRead(): boolean {
    return this.allows('peeringRead');
  }
  peeringWrite(): boolean {
    return this.allows('peeringWrite');
  }
  queryRead(name: string): boolean {
    return this.allows('queryRead', name);
  }
  queryWrite(name: string): boolean {
    return this.allows('queryWrite', name);
  }
  serviceRead(service: string): boolean {
    return this.allows('serviceRead', service);
  }
  serviceReadAll(): boolean {
    return this.allows('serviceReadAll');
  }
  serviceWrite(service: string): boolean {
    return this.allows('serviceWrite', service);
  }
  serviceWriteAny(): boolean {
    return this.allows('serviceWriteAny');
  }
  sessionRead(node: string): boolean {
    return this.allows('sessionRead', node);
  }
  sessionWrite(node: string): boolean {
    return this.allows('sessionWrite', node);
  }
  /** Saving or restoring a snapshot (needs acl = "write"). */
  snapshot(): boolean {
    return this.allows('snapshot');
  }
}
