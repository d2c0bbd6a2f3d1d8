// Puts the request's ACL context on `c.get('acl')`. Nothing is resolved here: Consul resolves a
// token only in endpoints that check one (status endpoints answer even with an unknown token),
// and a blocking query resolves it again on every wake, so resolution is a call, not a value.
import { createMiddleware } from 'hono/factory';
import { staticAuthorizer } from '../../storage/acl/index.ts';
import type { AclIdentity, AclServices } from '../acl/acl-services.ts';
import type { AppEnv } from '../env.ts';
import { HttpError } from '../lib/errors.ts';

/** With ACLs disabled every request may do everything (Consul's ManageAll authorizer). */
const MANAGE_ALL: AclIdentity = { accessorId: '', authorizer: staticAuthorizer('manage') };

export interface RequestAcl {
  /** False when this server runs without ACLs. */
  readonly enabled: boolean;
  /**
   * Whether the request acts with a token of its own (it sent one, or the agent has a default
   * token): Consul masks X-Consul-Results-Filtered-By-ACLs otherwise.
   */
  readonly tokenSupplied: boolean;
  /** Resolves the request's token now; throws 403 "ACL not found" for an unknown or expired one. */
  identity(): AclIdentity;
}

export function requestAcl(acl: AclServices | undefined, token: string): RequestAcl {
  if (acl === undefined) return { enabled: false, tokenSupplied: token !== '', identity: () => MANAGE_ALL };
  return {
    enabled: true,
    tokenSupplied: token !== '' || acl.defaultToken !== '',
    identity: () => {
      const resolved = acl.resolve(token);
      if (!resolved.ok) throw new HttpError(403, resolved.message);
      return resolved.identity;
    },
  };
}

export const aclContext = createMiddleware<AppEnv>(async (c, next) => {
  c.set('acl', requestAcl(c.get('services').acl, c.get('query').token));
  await next();
});
