// The Hash field of tokens, policies and roles: a digest of the fields that define what the
// object grants, chosen by the leader and carried in the command (Consul's SetHash). Clients
// compare hashes to notice changes; they never recompute them, so the exact recipe is ours.
import { createHash } from 'node:crypto';
import type { AclPolicySpec, AclRoleSpec, AclTokenSpec } from '../../storage/acl-commands.ts';

const digest = (fields: unknown): string => createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('base64');

export function tokenHash(t: AclTokenSpec, policyIds: readonly string[], roleIds: readonly string[]): string {
  return digest(['token', t.description, policyIds, roleIds, t.serviceIdentities, t.nodeIdentities, t.local]);
}

export function policyHash(p: AclPolicySpec): string {
  return digest(['policy', p.name, p.description, p.rules, p.datacenters]);
}

export function roleHash(r: AclRoleSpec, policyIds: readonly string[]): string {
  return digest(['role', r.name, r.description, policyIds, r.serviceIdentities, r.nodeIdentities]);
}
