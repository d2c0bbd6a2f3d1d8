// ACL FSM commands (Consul's ACLBootstrap/ACLTokenSet/ACLPolicySet/… request types). They are
// part of the Command union in commands.ts and follow its wire rules: never rename a type or a
// field once it is in a log.
//
// Two-phase: the HTTP layer proposes a *request* (links by ID or name, ExpirationTTL, empty
// IDs for "generate one"); the leader completes it before Raft — it authorizes the caller,
// checks it against the current state with Consul's texts, generates IDs, stamps CreateTime
// and ExpirationTime and computes the Hash — so every server applies the same complete
// command. The appliers re-check what could have changed in between and answer a CommandError.

/** A link to a policy or role as submitted: by ID, or by name when the ID is "". */
export interface AclLinkSpec {
  readonly id: string;
  readonly name: string;
}

/** Consul's ACLServiceIdentity: write on the service (and its sidecar), read on the catalog. */
export interface ServiceIdentitySpec {
  readonly serviceName: string;
  /** Where it applies; null or [] = every datacenter. */
  readonly datacenters: readonly string[] | null;
}

/** Consul's ACLNodeIdentity: write on the node, read on services, in one datacenter. */
export interface NodeIdentitySpec {
  readonly nodeName: string;
  readonly datacenter: string;
}

export interface AclTokenSpec {
  /** "" in a create request: the leader generates one. */
  readonly accessorId: string;
  /** "" in a create request: the leader generates one. */
  readonly secretId: string;
  readonly description: string;
  readonly policies: readonly AclLinkSpec[];
  readonly roles: readonly AclLinkSpec[];
  readonly serviceIdentities: readonly ServiceIdentitySpec[] | null;
  readonly nodeIdentities: readonly NodeIdentitySpec[] | null;
  readonly local: boolean;
  /** RFC 3339, or null for a token that never expires. Immutable after creation. */
  readonly expirationTime: string | null;
  /** The same instant in Unix milliseconds (null with expirationTime). */
  readonly expiresAtMs: number | null;
  /** RFC 3339; "" in a request (the leader stamps it). */
  readonly createTime: string;
  /** base64 digest of the token's fields; "" in a request. */
  readonly hash: string;
}

export interface AclPolicySpec {
  /** "" in a create request. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly rules: string;
  readonly datacenters: readonly string[] | null;
  readonly hash: string;
}

export interface AclRoleSpec {
  /** "" in a create request. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly policies: readonly AclLinkSpec[];
  readonly serviceIdentities: readonly ServiceIdentitySpec[] | null;
  readonly nodeIdentities: readonly NodeIdentitySpec[] | null;
  readonly hash: string;
}

/**
 * The one-time bootstrap (or, with resetIndex = the stored bootstrap index, a re-bootstrap an
 * operator allowed through <data-dir>/acl-bootstrap-reset). Also how the leader creates the
 * configured initial management token while bootstrapping is still possible.
 */
export interface AclBootstrap {
  readonly type: 'acl.bootstrap';
  readonly token: AclTokenSpec;
  readonly resetIndex: number;
}

export interface AclTokenSet {
  readonly type: 'acl.token-set';
  readonly mode: 'create' | 'update';
  readonly token: AclTokenSpec;
  /** Request only: ExpirationTTL in nanoseconds (0 = none); the leader turns it into expirationTime and zeroes it. */
  readonly expirationTtlNs: number;
}
export interface AclTokenDelete { readonly type: 'acl.token-delete'; readonly accessorId: string }
/** Leader loop: delete these tokens if they expired at or before nowMs (by the leader's clock). */
export interface AclTokenReap { readonly type: 'acl.token-reap'; readonly accessorIds: readonly string[]; readonly nowMs: number }
export interface AclPolicySet { readonly type: 'acl.policy-set'; readonly policy: AclPolicySpec }
export interface AclPolicyDelete { readonly type: 'acl.policy-delete'; readonly id: string }
export interface AclRoleSet { readonly type: 'acl.role-set'; readonly role: AclRoleSpec }
export interface AclRoleDelete { readonly type: 'acl.role-delete'; readonly id: string }
/**
 * Written by a new leader (Consul's initializeACLs): each built-in policy is created, or its
 * rules restored, keeping a renamed policy's name and description; each token is created if
 * no token has its AccessorID. Nothing is written when everything is already in place.
 */
export interface AclInit {
  readonly type: 'acl.init';
  readonly policies: readonly AclPolicySpec[];
  readonly tokens: readonly AclTokenSpec[];
}

export type AclCommand =
  | AclBootstrap | AclTokenSet | AclTokenDelete | AclTokenReap | AclPolicySet | AclPolicyDelete | AclRoleSet | AclRoleDelete | AclInit;

export const ACL_COMMAND_TYPES: readonly AclCommand['type'][] = [
  'acl.bootstrap', 'acl.token-set', 'acl.token-delete', 'acl.token-reap', 'acl.policy-set', 'acl.policy-delete',
  'acl.role-set', 'acl.role-delete', 'acl.init',
];

/** Consul's error text for a refused ACL write (the HTTP layer answers 500, or 403 for "Permission denied"). */
interface AclError {
  readonly error: string;
}

export interface AclCommandResults {
  'acl.bootstrap': { readonly accessorId: string } | AclError;
  'acl.token-set': { readonly accessorId: string } | AclError;
  'acl.token-delete': { readonly deleted: boolean };
  'acl.token-reap': { readonly reaped: number };
  'acl.policy-set': { readonly id: string } | AclError;
  'acl.policy-delete': { readonly deleted: boolean } | AclError;
  'acl.role-set': { readonly id: string } | AclError;
  'acl.role-delete': { readonly deleted: boolean };
  'acl.init': { readonly written: number };
}

/** Most tokens one reap command deletes: keeps a Raft entry small after a mass expiry. */
export const MAX_REAP_BATCH = 256;

// ---------------------------------------------------------------------------- Validation

const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrList = (v: unknown): boolean => Array.isArray(v) && v.every(isStr);
const isMs = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);

function linksError(v: unknown): string | null {
  if (!Array.isArray(v)) return 'links must be a list';
  return v.every((l) => isObj(l) && isStr(l['id']) && isStr(l['name'])) ? null : 'malformed link';
}

function identitiesError(services: unknown, nodes: unknown): string | null {
  if (services !== null && !(Array.isArray(services) && services.every((s) => isObj(s) && isStr(s['serviceName']) && (s['datacenters'] === null || isStrList(s['datacenters']))))) {
    return 'malformed service identities';
  }
  if (nodes !== null && !(Array.isArray(nodes) && nodes.every((n) => isObj(n) && isStr(n['nodeName']) && isStr(n['datacenter'])))) {
    return 'malformed node identities';
  }
  return null;
}

function tokenError(t: unknown): string | null {
  if (!isObj(t)) return 'missing token';
  for (const f of ['accessorId', 'secretId', 'description', 'createTime', 'hash']) if (!isStr(t[f])) return `invalid token ${f}`;
  if (typeof t['local'] !== 'boolean') return 'invalid token local';
  if (!(t['expirationTime'] === null ? t['expiresAtMs'] === null : isStr(t['expirationTime']) && isMs(t['expiresAtMs']))) return 'invalid token expiration';
  return linksError(t['policies']) ?? linksError(t['roles']) ?? identitiesError(t['serviceIdentities'], t['nodeIdentities']);
}

function policyError(p: unknown): string | null {
  if (!isObj(p)) return 'missing policy';
  for (const f of ['id', 'name', 'description', 'rules', 'hash']) if (!isStr(p[f])) return `invalid policy ${f}`;
  return p['datacenters'] === null || isStrList(p['datacenters']) ? null : 'invalid policy datacenters';
}

function roleError(r: unknown): string | null {
  if (!isObj(r)) return 'missing role';
  for (const f of ['id', 'name', 'description', 'hash']) if (!isStr(r[f])) return `invalid role ${f}`;
  return linksError(r['policies']) ?? identitiesError(r['serviceIdentities'], r['nodeIdentities']);
}

/** Why an ACL command must not be proposed (malformed), or null. */
export function validateAclCommand(cmd: AclCommand): string | null {
  switch (cmd.type) {
    case 'acl.bootstrap':
      return tokenError(cmd.token) ?? (isMs(cmd.resetIndex) && cmd.resetIndex >= 0 ? null : 'invalid reset index');
    case 'acl.token-set':
      if (cmd.mode !== 'create' && cmd.mode !== 'update') return 'invalid token mode';
      return tokenError(cmd.token) ?? (isMs(cmd.expirationTtlNs) ? null : 'invalid expiration TTL');
    case 'acl.token-delete':
      return isStr(cmd.accessorId) ? null : 'invalid accessor ID';
    case 'acl.token-reap':
      if (!isStrList(cmd.accessorIds) || cmd.accessorIds.length > MAX_REAP_BATCH) return 'invalid reap list';
      return isMs(cmd.nowMs) ? null : 'invalid reap time';
    case 'acl.policy-set':
      return policyError(cmd.policy);
    case 'acl.policy-delete':
    case 'acl.role-delete':
      return isStr(cmd.id) ? null : 'invalid ID';
    case 'acl.role-set':
      return roleError(cmd.role);
    case 'acl.init':
      if (!Array.isArray(cmd.policies) || !Array.isArray(cmd.tokens)) return 'invalid init';
      return cmd.policies.map(policyError).find((e) => e !== null) ?? cmd.tokens.map(tokenError).find((e) => e !== null) ?? null;
  }
}
