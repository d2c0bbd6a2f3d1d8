// Policies Consul defines itself: the two built-in policies (agent/structs/acl.go) and the
// synthetic policies a token's service and node identities stand for (acl_ce.go templates).

import { parsePolicyRules } from './parse.ts';
import { emptyRules, type PolicyRules } from './types.ts';

export const GLOBAL_MANAGEMENT_POLICY_ID = '00000000-0000-0000-0000-000000000001';
export const GLOBAL_MANAGEMENT_POLICY_NAME = 'global-management';
export const GLOBAL_MANAGEMENT_POLICY_DESCRIPTION = 'Builtin Policy that grants unlimited access';
/** The policy's Rules exactly as Consul stores and returns them. */
export const GLOBAL_MANAGEMENT_RULES = `
acl = "write"
agent_prefix "" {
	policy = "write"
}
event_prefix "" {
	policy = "write"
}
key_prefix "" {
	policy = "write"
}
keyring = "write"
node_prefix "" {
	policy = "write"
}
operator = "write"
mesh = "write"
peering = "write"
query_prefix "" {
	policy = "write"
}
service_prefix "" {
	policy = "write"
	intentions = "write"
}
session_prefix "" {
	policy = "write"
}`;

export const GLOBAL_READ_ONLY_POLICY_ID = '00000000-0000-0000-0000-000000000002';
export const GLOBAL_READ_ONLY_POLICY_NAME = 'builtin/global-read-only';
export const GLOBAL_READ_ONLY_POLICY_DESCRIPTION = 'Builtin Policy that grants unlimited read-only access to all components';
export const GLOBAL_READ_ONLY_RULES = GLOBAL_MANAGEMENT_RULES.replaceAll('"write"', '"read"');

const parsedBuiltins = new Map<string, PolicyRules>();

/** The parsed rules of a built-in policy, or undefined for any other ID. */
export function builtinPolicyRules(id: string): PolicyRules | undefined {
  const source =
    id === GLOBAL_MANAGEMENT_POLICY_ID ? GLOBAL_MANAGEMENT_RULES : id === GLOBAL_READ_ONLY_POLICY_ID ? GLOBAL_READ_ONLY_RULES : undefined;
  if (source === undefined) return undefined;
  let rules = parsedBuiltins.get(id);
  if (rules === undefined) {
    const parsed = parsePolicyRules(source);
    if (!parsed.ok) throw new Error(`built-in policy ${id} does not parse: ${parsed.message}`);
    rules = parsed.rules;
    parsedBuiltins.set(id, rules);
  }
  return rules;
}

/**
 * A service identity `web`: write on the service and its sidecar proxy, read on every service
 * and node (so it can discover upstreams).
 */
export function serviceIdentityRules(service: string): PolicyRules {
  return {
    ...emptyRules(),
    service: [
      { segment: service, policy: 'write' },
      { segment: `${service}-sidecar-proxy`, policy: 'write' },
    ],
    service_prefix: [{ segment: '', policy: 'read' }],
    node_prefix: [{ segment: '', policy: 'read' }],
  };
}

/** A node identity `n1`: write on its own node, read on every service (anti-entropy). */
export function nodeIdentityRules(node: string): PolicyRules {
  return {
    ...emptyRules(),
    node: [{ segment: node, policy: 'write' }],
    service_prefix: [{ segment: '', policy: 'read' }],
  };
}
