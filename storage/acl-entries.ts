// ACL rows as the appliers and the read API see them. Links are policy/role IDs; the read API
// resolves them to {id, name} pairs of objects that still exist (Consul's fixup on read).
import type { NodeIdentitySpec, ServiceIdentitySpec } from './acl-commands.ts';

export interface AclTokenRow {
  readonly accessorId: string;
  readonly secretId: string;
  readonly description: string;
  readonly policyIds: readonly string[];
  readonly roleIds: readonly string[];
  readonly serviceIdentities: readonly ServiceIdentitySpec[] | null;
  readonly nodeIdentities: readonly NodeIdentitySpec[] | null;
  readonly local: boolean;
  readonly expirationTime: string | null;
  readonly expiresAtMs: number | null;
  readonly createTime: string;
  readonly hash: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface AclPolicyRow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly rules: string;
  readonly datacenters: readonly string[] | null;
  readonly hash: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface AclRoleRow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly policyIds: readonly string[];
  readonly serviceIdentities: readonly ServiceIdentitySpec[] | null;
  readonly nodeIdentities: readonly NodeIdentitySpec[] | null;
  readonly hash: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** A resolved link: the linked object's ID and its current name. */
export interface AclLink {
  readonly id: string;
  readonly name: string;
}

/** A token as reads return it: links resolved to live policies and roles. */
export interface AclTokenEntry extends Omit<AclTokenRow, 'policyIds' | 'roleIds'> {
  readonly policies: readonly AclLink[];
  readonly roles: readonly AclLink[];
}

export interface AclRoleEntry extends Omit<AclRoleRow, 'policyIds'> {
  readonly policies: readonly AclLink[];
}

/** The built-in anonymous token (used when a request carries no token). */
export const ANONYMOUS_TOKEN_ACCESSOR_ID = '00000000-0000-0000-0000-000000000002';
export const ANONYMOUS_TOKEN_SECRET = 'anonymous';
/** Consul reserves IDs with this prefix for built-in objects (structs.ACLReservedPrefix). */
export const ACL_RESERVED_PREFIX = '00000000-0000-0000-0000-0000000000';
