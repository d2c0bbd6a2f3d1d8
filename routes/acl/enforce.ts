// The enforcement helpers every handler uses. Consul's rule of thumb: a request about one
// object that the token may not see or change is refused with 403 and Consul's
// permission-denied text; a listing silently drops what the token may not read and says so in
// X-Consul-Results-Filtered-By-ACLs (only when the request acted with its own token).
//
//   requireAcl(c, 'keyWrite', key)            403 unless allowed
//   filterByAcl(c, entries, (a, e) => a.keyRead(e.key))
//   authorizer(c)                             the Authorizer, for checks that need several calls
//
// Each call resolves the token again (a cached lookup), so a blocking query that calls these
// inside its run function re-checks the token on every wake.
import type { Context } from 'hono';
import type { Authorizer, GlobalCheck, NamedCheck } from '../../storage/acl/index.ts';
import { aclWatchFor } from '../../storage/acl-store.ts';
import type { WatchKey } from '../../storage/types.ts';
import type { AppEnv } from '../env.ts';
import { HttpError } from '../lib/errors.ts';

type Ctx = Context<AppEnv>;

export const FILTERED_HEADER = 'X-Consul-Results-Filtered-By-ACLs';

/** The request's authorizer; 403 "ACL not found" for an unknown or expired token. */
export function authorizer(c: Ctx): Authorizer {
  return c.var.acl.identity().authorizer;
}

/** Throws Consul's 403 unless the request's token passes `check` (on `segment`). */
export function requireAcl(c: Ctx, check: NamedCheck, segment: string): void;
export function requireAcl(c: Ctx, check: GlobalCheck): void;
export function requireAcl(c: Ctx, check: NamedCheck | GlobalCheck, segment = ''): void {
  const denied = (authorizer(c).denied as (check: NamedCheck | GlobalCheck, segment: string) => string | null)(check, segment);
  if (denied !== null) throw new HttpError(403, denied);
}

/** Consul's permission-denied error for a refusal worked out by the caller. */
export function permissionDenied(text: string): HttpError {
  return new HttpError(403, text);
}

/**
 * The items the token may see, in order. Sets X-Consul-Results-Filtered-By-ACLs when some were
 * dropped and the request acted with its own token; clears it otherwise (a blocking query may
 * run several times).
 */
export function filterByAcl<T>(c: Ctx, items: readonly T[], allowed: (authz: Authorizer, item: T) => boolean): T[] {
  if (!c.var.acl.enabled) return [...items];
  const authz = authorizer(c);
  const kept = items.filter((item) => allowed(authz, item));
  markFiltered(c, kept.length < items.length);
  return kept;
}

/** Records whether a result was trimmed by ACLs (masked for requests without a token). */
export function markFiltered(c: Ctx, filtered: boolean): void {
  if (filtered && c.var.acl.tokenSupplied) c.header(FILTERED_HEADER, 'true');
  else c.header(FILTERED_HEADER, undefined);
}

/**
 * What a blocking query must also wake on: the request's own token, so deleting (or changing)
 * it mid-wait ends the wait and the next run re-checks it. Resolving here is Consul's order too:
 * the token is resolved before the blocking query starts.
 */
export function aclWatchKeys(c: Ctx): WatchKey[] {
  if (!c.var.acl.enabled) return [];
  return aclWatchFor.token(c.var.acl.identity().accessorId);
}
