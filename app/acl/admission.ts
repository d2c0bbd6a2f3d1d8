// What the leader does with a write before proposing it (Consul's RPC endpoints on the leader):
// resolve the caller's own token — a forwarded write carries it, a follower's word is never
// taken for it — check the command against the token's authorizer, and complete ACL requests.
// Servers' own housekeeping writes (TTL expiry, reaping, self-registration, the built-in ACL
// objects) come from inside the cluster and are not checked; the cluster port is the trust
// boundary (authenticated with the cluster key when one is set).
import { authorizeCommand } from '../../routes/acl/command-acl.ts';
import type { Authorizer, GlobalCheck } from '../../storage/acl/index.ts';
import type { AclStore } from '../../storage/acl-store.ts';
import type { Command } from '../../storage/commands.ts';
import type { StateReads } from '../../storage/state-store.ts';
import type { BootstrapReset } from './bootstrap-reset.ts';
import { preparePolicyDelete, preparePolicySet, prepareRoleDelete, prepareRoleSet } from './prepare-policy-role.ts';
import { prepareBootstrap, prepareTokenDelete, prepareTokenSet, type Prepared, type TokenPrepDeps } from './prepare-token.ts';
import type { AclResolver } from './resolver.ts';

/** Who asks for a write: a client (with its secret, "" for none), or a server itself. */
export type Caller = { readonly kind: 'token'; readonly secret: string } | { readonly kind: 'server' };

export const SERVER_CALLER: Caller = { kind: 'server' };
export const tokenCaller = (secret: string): Caller => ({ kind: 'token', secret });

export type Admission =
  /** Propose this command (the original, or the leader's completion of an ACL request). */
  | { readonly kind: 'propose'; readonly command: Command; readonly completed: boolean }
  /** Answer without Raft: a transaction whose ops the token may not run (a 409 like a rollback). */
  | { readonly kind: 'answer'; readonly result: unknown }
  | { readonly kind: 'refuse'; readonly status: 401 | 403 | 404 | 500; readonly message: string };

export interface AdmissionDeps {
  /** Null when ACLs are disabled: every write is admitted, ACL writes are refused (401). */
  readonly acl: { readonly resolver: AclResolver; readonly store: AclStore; readonly reset: BootstrapReset } | null;
  readonly state: StateReads;
  readonly now: () => number;
  readonly uuid: () => string;
}

/** A leader-side refusal with Consul's status and text. */
export interface Refusal {
  readonly status: 403;
  readonly message: string;
}

export class WriteAdmission {
  constructor(private readonly d: AdmissionDeps) {}

  admit(command: Command, caller: Caller): Admission {
    if (caller.kind === 'server') return { kind: 'propose', command, completed: false };
    const acl = this.d.acl;
    if (acl === null) {
      return command.type.startsWith('acl.') ? { kind: 'refuse', status: 401, message: 'ACL support disabled' } : { kind: 'propose', command, completed: false };
    }
    // Bootstrap needs no token, so a stale or bogus one must not stand in its way (Consul never
    // resolves the caller's token there); the bootstrap state is the gate.
    if (command.type === 'acl.bootstrap') return this.complete(command, caller.secret, acl.store, acl.reset);
    const resolved = acl.resolver.resolve(caller.secret);
    if (!resolved.ok) return { kind: 'refuse', status: 403, message: resolved.message };
    const authz = authorizeCommand(resolved.identity.authorizer, command, this.d.state);
    switch (authz.kind) {
      case 'deny':
        return { kind: 'refuse', status: 403, message: authz.message };
      case 'error':
        return { kind: 'refuse', status: 500, message: authz.message };
      case 'txn':
        return { kind: 'answer', result: { results: null, errors: authz.errors, invalidated: [], lockDelays: [] } };
      case 'allow':
        return this.complete(command, caller.secret, acl.store, acl.reset);
    }
  }

  /** Session.Renew's check (session:write on the session's node; none for an unknown session). */
  renewRefusal(sessionId: string, caller: Caller): Refusal | null {
    return this.refusal(caller, (authz) => {
      const session = this.d.state.sessionGet(sessionId).session;
      return session === null ? null : authz.denied('sessionWrite', session.node);
    });
  }

  /**
   * A leader-side check with no FSM command behind it (an operator request forwarded over the
   * Operator channel: Raft peers, leadership transfer, autopilot health, snapshots).
   */
  globalRefusal(check: GlobalCheck, caller: Caller): Refusal | null {
    return this.refusal(caller, (authz) => authz.denied(check));
  }

  private refusal(caller: Caller, denied: (authz: Authorizer) => string | null): Refusal | null {
    if (caller.kind === 'server' || this.d.acl === null) return null;
    const resolved = this.d.acl.resolver.resolve(caller.secret);
    if (!resolved.ok) return { status: 403, message: resolved.message };
    const message = denied(resolved.identity.authorizer);
    return message === null ? null : { status: 403, message };
  }

  /** ACL requests are completed here; everything else is proposed as it came. */
  private complete(command: Command, secret: string, store: AclStore, reset: BootstrapReset): Admission {
    const deps: TokenPrepDeps = { rows: store.rows, now: this.d.now, uuid: this.d.uuid };
    let prepared: Prepared<Command>;
    switch (command.type) {
      case 'acl.bootstrap':
        prepared = prepareBootstrap(deps, command, reset);
        break;
      case 'acl.token-set':
        prepared = prepareTokenSet(deps, command);
        break;
      case 'acl.token-delete':
        prepared = prepareTokenDelete(deps, command, secret);
        break;
      case 'acl.policy-set':
        prepared = preparePolicySet(deps, command);
        break;
      case 'acl.policy-delete':
        prepared = preparePolicyDelete(deps, command);
        break;
      case 'acl.role-set':
        prepared = prepareRoleSet(deps, command);
        break;
      case 'acl.role-delete':
        prepared = prepareRoleDelete(deps, command);
        break;
      default:
        return { kind: 'propose', command, completed: false };
    }
    return prepared.ok ? { kind: 'propose', command: prepared.command, completed: true } : { kind: 'refuse', status: prepared.status, message: prepared.message };
  }
}
