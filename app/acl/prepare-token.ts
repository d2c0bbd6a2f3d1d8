// The leader's half of token writes (Consul's TokenWriter and BootstrapTokens): generate IDs,
// stamp CreateTime, turn ExpirationTTL into ExpirationTime, enforce the token rules with
// Consul's texts, resolve links and compute the hash — all before Raft, so the log only ever
// holds complete commands that passed every check against the state of the moment.
import type { AclBootstrap, AclTokenDelete, AclTokenSet, AclTokenSpec } from '../../storage/acl-commands.ts';
import { ACL_RESERVED_PREFIX, ANONYMOUS_TOKEN_ACCESSOR_ID } from '../../storage/acl-entries.ts';
import { GLOBAL_MANAGEMENT_POLICY_ID } from '../../storage/acl/index.ts';
import { checkTokenWrite, dedupeIdentities, identitiesError, tokenIdInUse } from '../../storage/apply/acl-checks.ts';
import type { AclReadTx } from '../../storage/apply/acl-tx.ts';
import { isUuid } from '../../storage/commands.ts';
import { formatGoDuration } from '../../routes/lib/go-duration.ts';
import { formatTime } from '../../routes/acl/acl-requests.ts';
import type { BootstrapReset } from './bootstrap-reset.ts';
import { tokenHash } from './hash.ts';

export type Prepared<C> = { readonly ok: true; readonly command: C } | { readonly ok: false; readonly status: 403 | 404 | 500; readonly message: string };

const fail = (message: string, status: 403 | 404 | 500 = 500): { ok: false; status: 403 | 404 | 500; message: string } => ({ ok: false, status, message });

/** Consul's defaults for how far in the future a token may expire. */
export const TOKEN_MIN_EXPIRATION_MS = 60_000;
export const TOKEN_MAX_EXPIRATION_MS = 24 * 3_600_000;
const NS_PER_MS = 1_000_000n;
const ROOT_SECRETS = new Set(['allow', 'deny', 'manage']);

export interface TokenPrepDeps {
  readonly rows: AclReadTx;
  readonly now: () => number;
  readonly uuid: () => string;
}

/** validateTokenID: reserved prefix, then UUID shape. */
function tokenIdError(field: 'AccessorID' | 'SecretID', id: string): string | null {
  if (id.startsWith(ACL_RESERVED_PREFIX)) return `Invalid Token: ${field} - UUIDs with the prefix "${ACL_RESERVED_PREFIX}" are reserved`;
  return isUuid(id) ? null : `Invalid Token: ${field} - not a valid UUID`;
}

const goDuration = (ms: number): string => formatGoDuration(BigInt(Math.round(ms)) * NS_PER_MS);

/** The create-only rules on IDs and expiry; returns the token with IDs, times filled. */
function completeCreate(d: TokenPrepDeps, cmd: AclTokenSet): Prepared<AclTokenSpec> {
  const t = cmd.token;
  for (const field of ['AccessorID', 'SecretID'] as const) {
    const id = field === 'AccessorID' ? t.accessorId : t.secretId;
    if (id === '') continue;
    const bad = tokenIdError(field, id);
    if (bad !== null) return fail(bad);
    if (tokenIdInUse(d.rows, id)) return fail(`Invalid Token: ${field} is already in use`);
  }
  const now = d.now();
  let expiresAtMs = t.expiresAtMs;
  if (cmd.expirationTtlNs < 0) return fail(`Token Expiration TTL '${formatGoDuration(BigInt(cmd.expirationTtlNs))}' should be > 0`);
  if (cmd.expirationTtlNs > 0) {
    if (expiresAtMs !== null) return fail('Token Expiration TTL and Expiration Time cannot both be set');
    expiresAtMs = now + Math.floor(cmd.expirationTtlNs / 1_000_000);
  }
  if (expiresAtMs !== null) {
    if (expiresAtMs < now) return fail('ExpirationTime cannot be before CreateTime');
    const inMs = expiresAtMs - now;
    if (inMs > TOKEN_MAX_EXPIRATION_MS) return fail(`ExpirationTime cannot be more than ${goDuration(TOKEN_MAX_EXPIRATION_MS)} in the future (was ${goDuration(inMs)})`);
    if (inMs < TOKEN_MIN_EXPIRATION_MS) return fail(`ExpirationTime cannot be less than ${goDuration(TOKEN_MIN_EXPIRATION_MS)} in the future (was ${goDuration(inMs)})`);
  }
  return {
    ok: true,
    command: {
      ...t,
      accessorId: t.accessorId === '' ? d.uuid() : t.accessorId,
      secretId: t.secretId === '' ? d.uuid() : t.secretId,
      expiresAtMs,
      expirationTime: expiresAtMs === null ? null : formatTime(expiresAtMs),
      createTime: formatTime(now),
    },
  };
}

/** The update rules: the token must exist (unexpired) and its immutable fields stay. */
function completeUpdate(d: TokenPrepDeps, cmd: AclTokenSet): Prepared<AclTokenSpec> {
  const t = cmd.token;
  if (!isUuid(t.accessorId)) return fail('AccessorID is not a valid UUID');
  if (ROOT_SECRETS.has(t.secretId)) return fail('Permission denied: Cannot modify root ACL', 403);
  const match = d.rows.tokenByAccessor(t.accessorId);
  if (match === undefined || (match.expiresAtMs !== null && match.expiresAtMs <= d.now())) return fail(`Cannot find token "${t.accessorId}"`);
  if (t.secretId !== '' && t.secretId !== match.secretId) return fail("Changing a token's SecretID is not permitted");
  if (t.local !== match.local) return fail(`Cannot toggle local mode of ${t.accessorId}`);
  if (cmd.expirationTtlNs !== 0) return fail(`Cannot change expiration time of ${t.accessorId}`);
  if (t.expiresAtMs !== null && t.expiresAtMs !== match.expiresAtMs) return fail(`Cannot change expiration time of ${t.accessorId}`);
  return {
    ok: true,
    command: { ...t, secretId: match.secretId, expirationTime: match.expirationTime, expiresAtMs: match.expiresAtMs, createTime: match.createTime },
  };
}

/** Links, identities and hash: what every token write ends with (Consul's TokenWriter.write). */
function finish(d: TokenPrepDeps, mode: 'create' | 'update', token: AclTokenSpec): Prepared<AclTokenSpec> {
  const identities = identitiesError(token.serviceIdentities, token.nodeIdentities, 'token', token.local);
  const checked = checkTokenWrite(d.rows, { mode, token });
  if (!checked.ok) return fail(checked.error);
  if (identities !== null) return fail(identities);
  const deduped = dedupeIdentities(token);
  const link = (id: string) => ({ id, name: '' });
  const final = { ...deduped, policies: checked.value.policyIds.map(link), roles: checked.value.roleIds.map(link) };
  return { ok: true, command: { ...final, hash: tokenHash(final, checked.value.policyIds, checked.value.roleIds) } };
}

export function prepareTokenSet(d: TokenPrepDeps, cmd: AclTokenSet): Prepared<AclTokenSet> {
  const completed = cmd.mode === 'create' ? completeCreate(d, cmd) : completeUpdate(d, cmd);
  if (!completed.ok) return completed;
  const token = finish(d, cmd.mode, completed.command);
  return token.ok ? { ok: true, command: { ...cmd, token: token.command, expirationTtlNs: 0 } } : token;
}

/** TokenDelete's checks, in Consul's order; `callerSecret` is the requesting token's secret. */
export function prepareTokenDelete(d: TokenPrepDeps, cmd: AclTokenDelete, callerSecret: string): Prepared<AclTokenDelete> {
  if (!isUuid(cmd.accessorId)) return fail('Accessor ID is missing or an invalid UUID');
  if (cmd.accessorId === ANONYMOUS_TOKEN_ACCESSOR_ID) return fail('Delete operation not permitted on the anonymous token');
  const token = d.rows.tokenByAccessor(cmd.accessorId);
  if (token === undefined) return fail('Cannot find token to delete', 404);
  if (callerSecret !== '' && token.secretId === callerSecret) return fail("Deletion of the request's authorization token is not permitted");
  return { ok: true, command: cmd };
}

/** BootstrapTokens: once, or again with the reset index an operator wrote on the leader. */
export function prepareBootstrap(d: TokenPrepDeps, cmd: AclBootstrap, reset: BootstrapReset): Prepared<AclBootstrap> {
  const current = d.rows.bootstrapIndex();
  let resetIndex = 0;
  if (current !== 0) {
    resetIndex = reset.read();
    if (resetIndex === 0) return fail(`Permission denied: ACL bootstrap no longer allowed (reset index: ${current})`, 403);
    if (resetIndex !== current) return fail(`Invalid bootstrap reset index (specified ${resetIndex}, reset index: ${current})`);
  }
  // Accepted: the file has served its purpose whether or not the write below succeeds.
  if (resetIndex !== 0) reset.remove();
  const secretId = cmd.token.secretId === '' ? d.uuid() : cmd.token.secretId;
  if (tokenIdInUse(d.rows, secretId)) return fail('Invalid Token: SecretID is already in use');
  const token: AclTokenSpec = {
    ...cmd.token,
    accessorId: d.uuid(),
    secretId,
    description: 'Bootstrap Token (Global Management)',
    policies: [{ id: GLOBAL_MANAGEMENT_POLICY_ID, name: '' }],
    roles: [],
    local: false,
    expirationTime: null,
    expiresAtMs: null,
    createTime: formatTime(d.now()),
  };
  return { ok: true, command: { type: 'acl.bootstrap', resetIndex, token: { ...token, hash: tokenHash(token, [GLOBAL_MANAGEMENT_POLICY_ID], []) } } };
}
