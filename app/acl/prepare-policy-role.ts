// The leader's half of policy and role writes (Consul's PolicySet/PolicyDelete/RoleSet/
// RoleDelete endpoints): names, IDs, uniqueness, the rules text (parsed with the engine so a
// bad rule is refused with Consul's text), links, identities and the hash, before Raft.
import type { AclPolicyDelete, AclPolicySet, AclRoleDelete, AclRoleSet } from '../../storage/acl-commands.ts';
import { parsePolicyRules } from '../../storage/acl/index.ts';
import {
  checkPolicyWrite, checkRoleWrite, dedupeIdentities, identitiesError, policyDeleteError, policyNameError, roleNameError,
} from '../../storage/apply/acl-checks.ts';
import { isUuid } from '../../storage/commands.ts';
import { policyHash, roleHash } from './hash.ts';
import type { Prepared, TokenPrepDeps } from './prepare-token.ts';

const fail = (message: string, status: 404 | 500 = 500): { ok: false; status: 404 | 500; message: string } => ({ ok: false, status, message });

export function preparePolicySet(d: TokenPrepDeps, cmd: AclPolicySet): Prepared<AclPolicySet> {
  const p = cmd.policy;
  const nameError = policyNameError(p.name);
  if (nameError !== null) return fail(nameError);
  if (p.id !== '' && !isUuid(p.id)) return fail('Policy ID invalid UUID');
  const create = p.id === '';
  const policy = { ...p, id: create ? d.uuid() : p.id };
  const refused = checkPolicyWrite(d.rows, policy, create);
  if (refused !== null) return fail(refused);
  const rules = parsePolicyRules(policy.rules);
  if (!rules.ok) return fail(rules.message);
  return { ok: true, command: { type: 'acl.policy-set', policy: { ...policy, hash: policyHash(policy) } } };
}

export function preparePolicyDelete(d: TokenPrepDeps, cmd: AclPolicyDelete): Prepared<AclPolicyDelete> {
  if (d.rows.policyById(cmd.id) === undefined) return fail('Cannot find policy to delete', 404);
  const refused = policyDeleteError(cmd.id);
  return refused === null ? { ok: true, command: cmd } : fail(refused);
}

export function prepareRoleSet(d: TokenPrepDeps, cmd: AclRoleSet): Prepared<AclRoleSet> {
  const r = cmd.role;
  const nameError = roleNameError(r.name);
  if (nameError !== null) return fail(nameError);
  if (r.id !== '' && !isUuid(r.id)) return fail('Role ID invalid UUID');
  const create = r.id === '';
  const role = { ...r, id: create ? d.uuid() : r.id };
  const checked = checkRoleWrite(d.rows, role, create);
  if (!checked.ok) return fail(checked.error);
  const identities = identitiesError(role.serviceIdentities, role.nodeIdentities, 'role');
  if (identities !== null) return fail(identities);
  const final = { ...dedupeIdentities(role), policies: checked.value.map((id) => ({ id, name: '' })) };
  return { ok: true, command: { type: 'acl.role-set', role: { ...final, hash: roleHash(final, checked.value) } } };
}

export function prepareRoleDelete(d: TokenPrepDeps, cmd: AclRoleDelete): Prepared<AclRoleDelete> {
  return d.rows.roleById(cmd.id) === undefined ? fail('Cannot find role to delete', 404) : { ok: true, command: cmd };
}
