// GET /v1/acl/token/⟨id⟩?expanded: the token plus everything it resolves to (Consul's
// lookupExpandedTokenInfo): its policies and its roles' policies, its roles, and the agent's
// ACL settings. Synthetic identity policies are not listed (they have no stored object).
import type { Context } from 'hono';
import type { AclPolicyRow, AclRoleEntry, AclTokenEntry } from '../../storage/acl-entries.ts';
import type { AppEnv } from '../env.ts';
import { requireAclEnabled } from './acl-requests.ts';
import { toPolicyJson, toRoleJson, type PolicyJson, type RoleJson, type TokenJson } from './schemas.ts';

export interface ExpandedTokenJson extends TokenJson {
  readonly ExpandedPolicies: PolicyJson[] | null;
  readonly ExpandedRoles: RoleJson[] | null;
  readonly NamespaceDefaultPolicyIDs: null;
  readonly NamespaceDefaultRoleIDs: null;
  readonly AgentACLDefaultPolicy: string;
  readonly AgentACLDownPolicy: string;
  readonly ResolvedByAgent: string;
}

export function expandedToken(c: Context<AppEnv>, token: AclTokenEntry, json: TokenJson): ExpandedTokenJson {
  const acl = requireAclEnabled(c);
  const roles: AclRoleEntry[] = token.roles.flatMap((link) => acl.store.roleGet(link.id).role ?? []);
  const policyIds = new Set([...token.policies.map((p) => p.id), ...roles.flatMap((r) => r.policies.map((p) => p.id))]);
  const policies: AclPolicyRow[] = [...policyIds].flatMap((id) => acl.store.policyGet(id).policy ?? []);
  return {
    ...json,
    ExpandedPolicies: policies.length === 0 ? null : policies.map(toPolicyJson),
    ExpandedRoles: roles.length === 0 ? null : roles.map(toRoleJson),
    NamespaceDefaultPolicyIDs: null,
    NamespaceDefaultRoleIDs: null,
    AgentACLDefaultPolicy: acl.defaultPolicy,
    AgentACLDownPolicy: acl.downPolicy,
    ResolvedByAgent: c.var.services.info.nodeName,
  };
}
