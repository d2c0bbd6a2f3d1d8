// What a new leader writes when ACLs are enabled (Consul's initializeACLs): the built-in
// policies (created, or their rules restored), the anonymous token, and the configured
// acl.tokens.initial_management token — through a bootstrap while bootstrapping is still
// possible, so the cluster then counts as bootstrapped, as Consul does.
import type { AclBootstrap, AclInit, AclPolicySpec, AclTokenSet, AclTokenSpec } from '../../storage/acl-commands.ts';
import { ANONYMOUS_TOKEN_ACCESSOR_ID, ANONYMOUS_TOKEN_SECRET } from '../../storage/acl-entries.ts';
import type { AclStore } from '../../storage/acl-store.ts';
import {
  GLOBAL_MANAGEMENT_POLICY_DESCRIPTION, GLOBAL_MANAGEMENT_POLICY_ID, GLOBAL_MANAGEMENT_POLICY_NAME, GLOBAL_MANAGEMENT_RULES,
  GLOBAL_READ_ONLY_POLICY_DESCRIPTION, GLOBAL_READ_ONLY_POLICY_ID, GLOBAL_READ_ONLY_POLICY_NAME, GLOBAL_READ_ONLY_RULES,
} from '../../storage/acl/index.ts';
import { isCommandError, type Command } from '../../storage/commands.ts';
import { formatTime } from '../../routes/acl/acl-requests.ts';
import { policyHash, tokenHash } from './hash.ts';

export interface AclInitDeps {
  readonly store: AclStore;
  /** acl.tokens.initial_management ("" = none). */
  readonly initialManagement: string;
  readonly now: () => number;
  readonly uuid: () => string;
  /** Proposes as the server itself and resolves with the FSM's result. */
  readonly apply: (command: Command) => Promise<unknown>;
  readonly log: (message: string) => void;
}

function builtinPolicy(id: string, name: string, description: string, rules: string): AclPolicySpec {
  const spec = { id, name, description, rules, datacenters: null, hash: '' };
  return { ...spec, hash: policyHash(spec) };
}

function token(accessorId: string, secretId: string, description: string, policyIds: readonly string[], now: number): AclTokenSpec {
  const spec: AclTokenSpec = {
    accessorId, secretId, description, policies: policyIds.map((id) => ({ id, name: '' })), roles: [], serviceIdentities: null,
    nodeIdentities: null, local: false, expirationTime: null, expiresAtMs: null, createTime: formatTime(now), hash: '',
  };
  return { ...spec, hash: tokenHash(spec, policyIds, []) };
}

/** The built-ins as one idempotent command (it writes nothing when they are in place). */
export function builtinsCommand(now: number): AclInit {
  return {
    type: 'acl.init',
    policies: [
      builtinPolicy(GLOBAL_MANAGEMENT_POLICY_ID, GLOBAL_MANAGEMENT_POLICY_NAME, GLOBAL_MANAGEMENT_POLICY_DESCRIPTION, GLOBAL_MANAGEMENT_RULES),
      builtinPolicy(GLOBAL_READ_ONLY_POLICY_ID, GLOBAL_READ_ONLY_POLICY_NAME, GLOBAL_READ_ONLY_POLICY_DESCRIPTION, GLOBAL_READ_ONLY_RULES),
    ],
    tokens: [token(ANONYMOUS_TOKEN_ACCESSOR_ID, ANONYMOUS_TOKEN_SECRET, 'Anonymous Token', [], now)],
  };
}

export async function initializeAcls(d: AclInitDeps): Promise<void> {
  const written = (await d.apply(builtinsCommand(d.now()))) as { written: number };
  if (written.written > 0) d.log('created the built-in ACL policies and the anonymous token');
  if (d.initialManagement === '' || d.store.rows.tokenBySecret(d.initialManagement) !== undefined) return;
  const initial = token(d.uuid(), d.initialManagement, 'Initial Management Token', [GLOBAL_MANAGEMENT_POLICY_ID], d.now());
  if (d.store.rows.bootstrapIndex() === 0) {
    const bootstrap: AclBootstrap = { type: 'acl.bootstrap', resetIndex: 0, token: initial };
    if (!isCommandError(await d.apply(bootstrap))) {
      d.log('bootstrapped ACLs with the configured initial management token');
      return;
    }
  }
  const set: AclTokenSet = { type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: initial };
  const result = await d.apply(set);
  if (isCommandError(result)) throw new Error(`creating the initial management token failed: ${result.error}`);
  d.log('created the configured initial management token');
}
