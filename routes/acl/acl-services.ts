// What the HTTP layer needs from the ACL system, owned by the HTTP layer (app/acl implements
// it). Absent from Services = ACLs disabled: every request is allowed (Consul's ManageAll),
// /v1/acl/* answers 401 and X-Consul-Default-ACL-Policy is "allow".
import type { Authorizer } from '../../storage/acl/index.ts';
import type { AclStore } from '../../storage/acl-store.ts';

/** Who a request acts as, once its token is resolved. */
export interface AclIdentity {
  /** The token's AccessorID (403 texts name it; the anonymous token has its own wording). */
  readonly accessorId: string;
  /** The token's compiled policies, then acl.default_policy. */
  readonly authorizer: Authorizer;
}

/**
 * A secret either resolves, or is refused with Consul's 403 text: "ACL not found" (unknown or
 * expired), or "Permission denied: Cannot resolve root ACLs" for the root policy names.
 */
export type AclResolution = { readonly ok: true; readonly identity: AclIdentity } | { readonly ok: false; readonly message: string };

/** The agent's own tokens (default, agent, agent_recovery, …) that PUT /v1/agent/token/<name> sets. */
export interface AgentTokenStore {
  /**
   * Sets one token by its path name (Consul's names and deprecated aliases); false for an
   * unknown name. Rejects with Consul's text when acl.enable_token_persistence is set and the
   * tokens file could not be written (the new value is in force regardless, as in Consul).
   */
  update(name: string, secret: string): Promise<boolean>;
}

export interface AclServices {
  /** acl.default_policy: sent as X-Consul-Default-ACL-Policy on every response. */
  readonly defaultPolicy: 'allow' | 'deny';
  /** acl.enable_key_list_policy: KV listings also need key:list on the prefix. */
  readonly enableKeyListPolicy: boolean;
  /** acl.down_policy (reported by ?expanded token reads; a single datacenter is never "down"). */
  readonly downPolicy: string;
  /**
   * The agent's default token (acl.tokens.default or PUT /v1/agent/token/default), "" for
   * none: what a request without a token acts with (else the anonymous token). With one set,
   * Consul does not mask X-Consul-Results-Filtered-By-ACLs.
   */
  readonly defaultToken: string;
  /**
   * Resolves a request's secret ("" = none: acl.tokens.default, else the anonymous token).
   * A lookup in a cache kept current by the change feed, not a parse.
   */
  resolve(secret: string): AclResolution;
  /** The agent's tokens; the default token above reads through to it. */
  readonly agentTokens: AgentTokenStore;
  /** The ACL tables of this server's applied state. */
  readonly store: AclStore;
  /** Unix milliseconds: token expiry is judged by this clock. Injected for tests. */
  now(): number;
}
