// The enforcement helpers every handler uses. Consul's rule of thumb: a request about one
// object that the token may not see or change is refused with 403 and Consul's
// permission-denied text; a listing silently drops what the token may not read and says so in
// X-Consul-Results-Filtered-By-ACLs (only when the request acted with its own token).
//
//   requireAcl(c, 'keyWrite', key)            403 unless allowed
//   filterByAcl(c, entries, (a, e) => a.keyRead(e.key))
//   authorizer(c)                             the Authorizer, for checks that need several calls
//   resolveToken(c)                           403 "ACL not found" now, before lookups and waits
//   writeToken(c)                             the token a write carries to the leader
//
// Each call resolves the token again (a cached lookup), so a blocking query that calls these
// inside its run function re-checks the token on every wake.
import type { Context } from 'hono';
import type { Authorizer, GlobalCheck, NamedCheck } from '../../storage/acl/index.ts';
import { ANONYMOUS_TOKEN_SECRET } from '../../storage/acl-entries.ts';
import { aclWatchFor } from '../../storage/acl-store.ts';
import type { WatchKey } from '../../storage/types.ts';
import type { AppEnv } from '../env.ts';
import { HttpError } from '../lib/errors.ts';

type Ctx = Context<AppEnv>;

export const FILTERED_HEADER = 'X-Consul-Results-Filtered-By-ACLs';

/**
 * Resolves the request's token now: 403 "ACL not found" for an unknown or expired one. Consul
 * resolves before its own lookups, so an unknown token wins over a 404 or a blocking wait.
 */
export function resolveToken(c: Ctx): void {
  if (c.get('acl').enabled) c.get('acl').identity();
}

/**
 * The token a write carries to the leader: the request's own, else this agent's default token,
 * else the anonymous token — never "", which the leader would read as its own default token
 * (Consul's HTTP layer fills in the agent's default token before the RPC; an empty RPC token is
 * anonymous on the server).
 */
export function writeToken(c: Ctx): string {
  if (c.get('query').token !== '') return c.get('query').token;
  const acl = c.get('services').acl;
  if (acl === undefined) return '';
  return acl.defaultToken !== '' ? acl.defaultToken : ANONYMOUS_TOKEN_SECRET;
}

/** The request's authorizer; 403 "ACL not found" for an unknown or expired token. */
export function authorizer(c: Ctx): Authorizer {
  return c.get('acl').identity().authorizer;
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
  if (!c.get('acl').enabled) return [...items];
  const authz = authorizer(c);
  const kept = items.filter((item) => allowed(authz, item));
  markFiltered(c, kept.length < items.length);
  return kept;
}

/** Records whether a result was trimmed by ACLs (masked for requests without a token). */
export function markFiltered(c: Ctx, filtered: boolean): void {
  if (filtered && c.get('acl').tokenSupplied) c.header(FILTERED_HEADER, 'true');
  else c.header(FILTERED_HEADER, undefined);
}

/**
 * What a blocking query must also wake on: the request's own token, so deleting (or changing)
 * it mid-wait ends the wait and the next run re-checks it. Resolving here is Consul's order too:
 * the token is resolved before the blocking query starts.
 */
export function aclWatchKeys(c: Ctx): WatchKey[] {
  if (!c.get('acl').enabled) return [];
  return aclWatchFor.token(c.get('acl').identity().accessorId);
}
