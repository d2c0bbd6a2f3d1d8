// Consul's checks on ACL writes, as pure functions over the read half of the apply handle. The
// leader runs them before Raft (so a refused write never reaches the log, with Consul's
// texts); the appliers run the state-dependent ones again, because the state may have moved
// between the leader's check and the apply (a name taken, a linked policy deleted).
import type { AclLinkSpec, AclPolicySpec, AclRoleSpec, AclTokenSet, AclTokenSpec, NodeIdentitySpec, ServiceIdentitySpec } from '../acl-commands.ts';
import type { AclTokenRow } from '../acl-entries.ts';
import { goQuote } from '../acl/go-format.ts';
import { GLOBAL_MANAGEMENT_POLICY_ID, GLOBAL_MANAGEMENT_POLICY_NAME, GLOBAL_READ_ONLY_POLICY_ID, GLOBAL_READ_ONLY_POLICY_NAME } from '../acl/builtins.ts';
import type { AclReadTx } from './acl-tx.ts';

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

const POLICY_NAME = /^[A-Za-z0-9\-_]{1,128}$/;
const ROLE_NAME = /^[A-Za-z0-9\-_]{1,256}$/;
const IDENTITY_NAME = /^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$/;
const IDENTITY_NAME_MAX = 256;

/** The built-in policies by ID, with the name Consul's refusals print. */
export const BUILTIN_POLICY_NAMES: ReadonlyMap<string, string> = new Map([
  [GLOBAL_MANAGEMENT_POLICY_ID, GLOBAL_MANAGEMENT_POLICY_NAME],
  [GLOBAL_READ_ONLY_POLICY_ID, GLOBAL_READ_ONLY_POLICY_NAME],
]);

const validIdentityName = (name: string): boolean => name.length >= 1 && name.length <= IDENTITY_NAME_MAX && IDENTITY_NAME.test(name);

/** Links by ID or name → IDs of existing objects, de-duplicated in order (Consul's normalize*Links). */
function resolveLinks(links: readonly AclLinkSpec[], kind: 'policy' | 'role', byId: (id: string) => unknown, byName: (name: string) => { id: string } | undefined): Checked<string[]> {
  const ids: string[] = [];
  for (const link of links) {
    let id = link.id;
    if (id === '') {
      const found = byName(link.name);
      if (found === undefined) return fail(`No such ACL ${kind} with name ${goQuote(link.name)}`);
      id = found.id;
    } else if (byId(id) === undefined) {
      return fail(`No such ACL ${kind} with ID ${goQuote(id)}`);
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return { ok: true, value: ids };
}

export function resolvePolicyLinks(tx: AclReadTx, links: readonly AclLinkSpec[]): Checked<string[]> {
  return resolveLinks(links, 'policy', (id) => tx.policyById(id), (name) => tx.policyByName(name));
}

export function resolveRoleLinks(tx: AclReadTx, links: readonly AclLinkSpec[]): Checked<string[]> {
  return resolveLinks(links, 'role', (id) => tx.roleById(id), (name) => tx.roleByName(name));
}

/** Service and node identity checks of a token or role ("on this token" / "on this role"). */
export function identitiesError(
  services: readonly ServiceIdentitySpec[] | null,
  nodes: readonly NodeIdentitySpec[] | null,
  owner: 'token' | 'role',
  local = false,
): string | null {
  for (const s of services ?? []) {
    if (s.serviceName === '') return `Service identity is missing the service name field on this ${owner}`;
    if (local && (s.datacenters?.length ?? 0) > 0) return `Service identity ${goQuote(s.serviceName)} cannot specify a list of datacenters on a local token`;
    if (!validIdentityName(s.serviceName)) {
      return `Service identity ${goQuote(s.serviceName)} has an invalid name. Only lowercase alphanumeric characters, '-' and '_' are allowed`;
    }
  }
  for (const n of nodes ?? []) {
    if (n.nodeName === '') return `Node identity is missing the node name field on this ${owner}`;
    if (n.datacenter === '') return `Node identity is missing the datacenter field on this ${owner}`;
    if (!validIdentityName(n.nodeName)) return "Node identity has an invalid name. Only lowercase alphanumeric characters, '-' and '_' are allowed";
  }
  return null;
}

/** Consul's Deduplicate: one entry per service (datacenters merged), one per node and datacenter. */
export function dedupeIdentities<T extends { readonly serviceIdentities: readonly ServiceIdentitySpec[] | null; readonly nodeIdentities: readonly NodeIdentitySpec[] | null }>(spec: T): T {
  let services: ServiceIdentitySpec[] | null = null;
  if (spec.serviceIdentities !== null) {
    const byName = new Map<string, ServiceIdentitySpec>();
    for (const s of spec.serviceIdentities) {
      const prior = byName.get(s.serviceName);
      const dcs = [...(prior?.datacenters ?? []), ...(s.datacenters ?? [])];
      byName.set(s.serviceName, { serviceName: s.serviceName, datacenters: dcs.length === 0 ? null : [...new Set(dcs)] });
    }
    services = [...byName.values()];
  }
  let nodes: NodeIdentitySpec[] | null = null;
  if (spec.nodeIdentities !== null) {
    const seen = new Set<string>();
    nodes = [];
    for (const n of spec.nodeIdentities) {
      const key = JSON.stringify([n.nodeName, n.datacenter]);
      if (seen.has(key)) continue;
      seen.add(key);
      nodes.push(n);
    }
  }
  return { ...spec, serviceIdentities: services, nodeIdentities: nodes };
}

/** An ID that is already some token's AccessorID or SecretID (Consul's tokenIDInUse). */
export function tokenIdInUse(tx: AclReadTx, id: string): boolean {
  return tx.tokenByAccessor(id) !== undefined || tx.tokenBySecret(id) !== undefined;
}

export interface TokenWrite {
  readonly existing: AclTokenRow | undefined;
  readonly policyIds: string[];
  readonly roleIds: string[];
}

/**
 * The state checks of a complete token write (create or update), and its resolved links. With
 * `allowMissingIds`, links by ID are kept even if nothing has that ID yet (Consul's bootstrap:
 * the token may be written before a new leader has created the built-in policy it links to).
 */
export function checkTokenWrite(tx: AclReadTx, cmd: Pick<AclTokenSet, 'mode' | 'token'>, allowMissingIds = false): Checked<TokenWrite> {
  const t = cmd.token;
  const existing = tx.tokenByAccessor(t.accessorId);
  if (cmd.mode === 'create') {
    if (tokenIdInUse(tx, t.accessorId)) return fail('Invalid Token: AccessorID is already in use');
    if (tokenIdInUse(tx, t.secretId)) return fail('Invalid Token: SecretID is already in use');
  } else {
    if (existing === undefined) return fail(`Cannot find token ${goQuote(t.accessorId)}`);
    if (existing.secretId !== t.secretId) return fail("Changing a token's SecretID is not permitted");
    if (existing.local !== t.local) return fail(`Cannot toggle local mode of ${t.accessorId}`);
    if (existing.expirationTime !== t.expirationTime) return fail(`Cannot change expiration time of ${t.accessorId}`);
  }
  const roles = resolveRoleLinks(tx, t.roles);
  if (!roles.ok) return roles;
  const policies = allowMissingIds ? resolveLinks(t.policies, 'policy', () => true, (name) => tx.policyByName(name)) : resolvePolicyLinks(tx, t.policies);
  if (!policies.ok) return policies;
  return { ok: true, value: { existing, policyIds: policies.value, roleIds: roles.value } };
}

/** Name rules of a policy (no state): Consul's PolicySet opening checks. */
export function policyNameError(name: string): string | null {
  if (name === '') return 'Invalid Policy: no Name is set';
  return POLICY_NAME.test(name) ? null : "Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed";
}

/** The state checks of a policy write; `id` is set (create requests were given one by the leader). */
export function checkPolicyWrite(tx: AclReadTx, p: AclPolicySpec, create: boolean): string | null {
  const nameMatch = tx.policyByName(p.name);
  if (create) {
    if (tx.policyById(p.id) !== undefined) return `Invalid Policy: A Policy with ID ${goQuote(p.id)} already exists`;
    return nameMatch === undefined ? null : `Invalid Policy: A Policy with Name ${goQuote(p.name)} already exists`;
  }
  const idMatch = tx.policyById(p.id);
  if (idMatch === undefined) return `cannot find policy ${p.id}`;
  if (nameMatch !== undefined && nameMatch.id !== p.id) return `Invalid Policy: A policy with name ${goQuote(p.name)} already exists`;
  const builtin = BUILTIN_POLICY_NAMES.get(p.id);
  if (builtin !== undefined) {
    if ((p.datacenters?.length ?? 0) > 0) return `Changing the Datacenters of the builtin ${builtin} policy is not permitted`;
    if (p.rules !== idMatch.rules) return `Changing the Rules for the builtin ${builtin} policy is not permitted`;
  }
  return null;
}

/** Why a policy may not be deleted (a built-in), or null. */
export function policyDeleteError(id: string): string | null {
  const builtin = BUILTIN_POLICY_NAMES.get(id);
  return builtin === undefined ? null : `Delete operation not permitted on the builtin ${builtin} policy`;
}

export function roleNameError(name: string): string | null {
  if (name === '') return 'Invalid Role: no Name is set';
  return ROLE_NAME.test(name) ? null : "Invalid Role: invalid Name. Only alphanumeric characters, '-' and '_' are allowed";
}

/** The state checks of a role write and its resolved policy links. */
export function checkRoleWrite(tx: AclReadTx, r: AclRoleSpec, create: boolean): Checked<string[]> {
  const nameMatch = tx.roleByName(r.name);
  if (create) {
    if (tx.roleById(r.id) !== undefined) return fail(`Invalid Role: A Role with ID ${goQuote(r.id)} already exists`);
    if (nameMatch !== undefined) return fail(`Invalid Role: A Role with Name ${goQuote(r.name)} already exists`);
  } else {
    if (tx.roleById(r.id) === undefined) return fail(`cannot find role ${r.id}`);
    if (nameMatch !== undefined && nameMatch.id !== r.id) return fail(`Invalid Role: A role with name ${goQuote(r.name)} already exists`);
  }
  return resolvePolicyLinks(tx, r.policies);
}

/** Consul's bootstrap gate: allowed once, or again with the current reset index. */
export function bootstrapError(tx: AclReadTx, resetIndex: number): string | null {
  const current = tx.bootstrapIndex();
  if (current === 0 || resetIndex === current) return null;
  if (resetIndex === 0) return `ACL bootstrap no longer allowed (reset index: ${current})`;
  return `Invalid bootstrap reset index (specified ${resetIndex}, reset index: ${current})`;
}

/** A complete token (what the leader proposes) must carry its creation time and hash. */
export function isCompleteToken(t: AclTokenSpec): boolean {
  return t.accessorId !== '' && t.secretId !== '' && t.createTime !== '' && t.hash !== '';
}
