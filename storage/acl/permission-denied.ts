// Consul's 403 texts for ACL refusals (acl/errors.go PermissionDeniedError, 1.13+). Clients test
// only for the status and the words "Permission denied", but people read the rest.

import type { Resource } from './types.ts';

export const PERMISSION_DENIED = 'Permission denied';

/** AccessorID of the anonymous token, used when a request carries no token. */
export const ANONYMOUS_ACCESSOR_ID = '00000000-0000-0000-0000-000000000002';

export interface DeniedPermission {
  /** The token's AccessorID; "" when unknown ("provided token"). */
  readonly accessorId: string;
  readonly resource: Resource;
  readonly level: 'read' | 'list' | 'write';
  /** The object asked about; omitted for cluster-wide permissions. */
  readonly name?: string;
}

/**
 * `Permission denied: token with AccessorID '…' lacks permission 'key:read' on "a/b"`, with the
 * anonymous token's variant that explains where the token came from. The name is quoted as is,
 * without escaping (ResourceDescriptor.ToString).
 */
export function formatPermissionDenied(denied: DeniedPermission): string {
  const who =
    denied.accessorId === ANONYMOUS_ACCESSOR_ID
      ? 'anonymous token'
      : denied.accessorId === ''
        ? 'provided token'
        : `token with AccessorID '${denied.accessorId}'`;
  const on = denied.name === undefined || denied.name === '' ? '' : ` on "${denied.name}"`;
  const text = `${PERMISSION_DENIED}: ${who} lacks permission '${denied.resource}:${denied.level}'${on}`;
  return denied.accessorId === ANONYMOUS_ACCESSOR_ID
    ? `${text}. The anonymous token is used implicitly when a request does not specify a token.`
    : text;
}

/** `Permission denied: <cause>`, for refusals that are not about a rule (e.g. a bad token). */
export function permissionDeniedBecause(cause: string): string {
  return `${PERMISSION_DENIED}: ${cause}`;
}
