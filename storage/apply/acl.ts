// The ACL appliers (Consul's state/acl.go): tokens, policies and roles with their Raft indexes,
// the bootstrap mark, expiry reaping and the leader's built-in objects. Commands arrive
// complete (the leader generated IDs, times and hashes); state-dependent checks run again here
// because the state may have changed since the leader looked, and refusals are values.
import type {
  AclBootstrap, AclCommand, AclCommandResults, AclInit, AclPolicySet, AclRoleSet, AclTokenReap, AclTokenSet, AclTokenSpec,
} from '../acl-commands.ts';
import { ANONYMOUS_TOKEN_ACCESSOR_ID } from '../acl-entries.ts';
import { bootstrapError, checkPolicyWrite, checkRoleWrite, checkTokenWrite, isCompleteToken, policyDeleteError, tokenIdInUse } from './acl-checks.ts';
import type { AclTx } from './acl-tx.ts';

type Result<T extends AclCommand['type']> = AclCommandResults[T];

/** The ACL part of the dispatcher; `index` is the entry being applied. */
export function applyAclCommand(tx: AclTx, index: number, cmd: AclCommand): AclCommandResults[AclCommand['type']] {
  switch (cmd.type) {
    case 'acl.bootstrap':
      return aclBootstrap(tx, index, cmd);
    case 'acl.token-set':
      return aclTokenSet(tx, index, cmd);
    case 'acl.token-delete':
      // The anonymous token is permanent: the leader refuses to delete it, and so does the FSM.
      return { deleted: cmd.accessorId !== ANONYMOUS_TOKEN_ACCESSOR_ID && tx.tokenDelete(cmd.accessorId) };
    case 'acl.token-reap':
      return aclTokenReap(tx, cmd);
    case 'acl.policy-set':
      return aclPolicySet(tx, index, cmd);
    case 'acl.policy-delete': {
      const refused = policyDeleteError(cmd.id);
      return refused === null ? { deleted: tx.policyDelete(cmd.id) } : { error: refused };
    }
    case 'acl.role-set':
      return aclRoleSet(tx, index, cmd);
    case 'acl.role-delete':
      return { deleted: tx.roleDelete(cmd.id) };
    case 'acl.init':
      return aclInit(tx, index, cmd);
  }
}

function assertComplete(token: AclTokenSpec, what: string): void {
  if (!isCompleteToken(token)) throw new Error(`acl: ${what} reached the FSM without the leader's IDs, time and hash`);
}

function putToken(tx: AclTx, index: number, t: AclTokenSpec, policyIds: readonly string[], roleIds: readonly string[], createIndex: number): void {
  tx.tokenPut({
    accessorId: t.accessorId,
    secretId: t.secretId,
    description: t.description,
    policyIds,
    roleIds,
    serviceIdentities: t.serviceIdentities,
    nodeIdentities: t.nodeIdentities,
    local: t.local,
    expirationTime: t.expirationTime,
    expiresAtMs: t.expiresAtMs,
    createTime: t.createTime,
    hash: t.hash,
    createIndex,
    modifyIndex: index,
  });
}

function aclBootstrap(tx: AclTx, index: number, cmd: AclBootstrap): Result<'acl.bootstrap'> {
  assertComplete(cmd.token, 'a bootstrap token');
  const refused = bootstrapError(tx, cmd.resetIndex);
  if (refused !== null) return { error: refused };
  const checked = checkTokenWrite(tx, { mode: 'create', token: cmd.token }, true);
  if (!checked.ok) return { error: checked.error };
  putToken(tx, index, cmd.token, checked.value.policyIds, checked.value.roleIds, index);
  tx.setBootstrapIndex(index);
  return { accessorId: cmd.token.accessorId };
}

function aclTokenSet(tx: AclTx, index: number, cmd: AclTokenSet): Result<'acl.token-set'> {
  assertComplete(cmd.token, 'a token write');
  const checked = checkTokenWrite(tx, cmd);
  if (!checked.ok) return { error: checked.error };
  const { existing, policyIds, roleIds } = checked.value;
  putToken(tx, index, cmd.token, policyIds, roleIds, existing?.createIndex ?? index);
  return { accessorId: cmd.token.accessorId };
}

function aclTokenReap(tx: AclTx, cmd: AclTokenReap): Result<'acl.token-reap'> {
  let reaped = 0;
  for (const id of cmd.accessorIds) {
    const token = tx.tokenByAccessor(id);
    if (token?.expiresAtMs == null || token.expiresAtMs > cmd.nowMs) continue;
    if (tx.tokenDelete(id)) reaped++;
  }
  return { reaped };
}

function aclPolicySet(tx: AclTx, index: number, cmd: AclPolicySet): Result<'acl.policy-set'> {
  const p = cmd.policy;
  if (p.id === '' || p.hash === '') throw new Error('acl: a policy write reached the FSM without the leader\'s ID and hash');
  const existing = tx.policyById(p.id);
  const refused = checkPolicyWrite(tx, p, existing === undefined);
  if (refused !== null) return { error: refused };
  tx.policyPut({ ...p, createIndex: existing?.createIndex ?? index, modifyIndex: index });
  return { id: p.id };
}

function aclRoleSet(tx: AclTx, index: number, cmd: AclRoleSet): Result<'acl.role-set'> {
  const r = cmd.role;
  if (r.id === '' || r.hash === '') throw new Error('acl: a role write reached the FSM without the leader\'s ID and hash');
  const existing = tx.roleById(r.id);
  const checked = checkRoleWrite(tx, r, existing === undefined);
  if (!checked.ok) return { error: checked.error };
  tx.rolePut({
    id: r.id,
    name: r.name,
    description: r.description,
    policyIds: checked.value,
    serviceIdentities: r.serviceIdentities,
    nodeIdentities: r.nodeIdentities,
    hash: r.hash,
    createIndex: existing?.createIndex ?? index,
    modifyIndex: index,
  });
  return { id: r.id };
}

/** Built-in policies (created, or their rules restored) and tokens (created when missing). */
function aclInit(tx: AclTx, index: number, cmd: AclInit): Result<'acl.init'> {
  let written = 0;
  for (const p of cmd.policies) {
    const existing = tx.policyById(p.id);
    if (existing !== undefined && existing.rules === p.rules) continue;
    // A user policy holding the built-in's name blocks creation; Consul's apply would fail too.
    const named = tx.policyByName(existing?.name ?? p.name);
    if (existing === undefined && named !== undefined) continue;
    const keep = existing === undefined ? {} : { name: existing.name, description: existing.description };
    tx.policyPut({ ...p, ...keep, createIndex: existing?.createIndex ?? index, modifyIndex: index });
    written++;
  }
  for (const t of cmd.tokens) {
    assertComplete(t, 'a built-in token');
    if (tokenIdInUse(tx, t.accessorId) || tokenIdInUse(tx, t.secretId)) continue;
    putToken(tx, index, t, t.policies.map((l) => l.id).filter((id) => tx.policyById(id) !== undefined), [], index);
    written++;
  }
  return { written };
}
