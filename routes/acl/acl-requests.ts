// What every /v1/acl handler shares: the 401 when ACLs are off, turning decoded bodies into the
// request commands the leader completes, proposing them, and mapping refusals to Consul's
// statuses (texts with "Permission denied" or "ACL not found" are 403, the rest 500).
import type { Context } from 'hono';
import type { AclCommand, AclLinkSpec, AclTokenSpec, NodeIdentitySpec, ServiceIdentitySpec } from '../../storage/acl-commands.ts';
import { isCommandError, type ResultOf } from '../../storage/commands.ts';
import type { AppEnv } from '../env.ts';
import { badRequest, HttpError } from '../lib/errors.ts';
import { parseGoDuration } from '../lib/go-duration.ts';
import type { AclServices } from './acl-services.ts';
import { writeToken } from './enforce.ts';
import type { TokenBody } from './schemas.ts';

type Ctx = Context<AppEnv>;

export const ACL_DISABLED = 'ACL support disabled';
/** ACL bodies are a few KiB at most; this bounds a body read before it is refused. */
export const ACL_BODY_MAX_BYTES = 1024 * 1024;

/** Consul answers every /v1/acl endpoint with 401 while ACLs are off. */
export function requireAclEnabled(c: Ctx): AclServices {
  const acl = c.var.services.acl;
  if (acl === undefined) throw new HttpError(401, ACL_DISABLED);
  return acl;
}

/** Consul's HTTP layer: an RPC error naming a permission problem is a 403, anything else a 500. */
export function aclError(text: string): HttpError {
  return new HttpError(text.includes('Permission denied') || text.includes('ACL not found') ? 403 : 500, text);
}

type Success<C extends AclCommand> = Exclude<ResultOf<C['type']>, { readonly error: string }>;

/** Proposes an ACL request through the leader (which authorizes and completes it). */
export async function applyAcl<C extends AclCommand>(c: Ctx, command: C): Promise<Success<C>> {
  const { result } = await c.var.services.apply(command, writeToken(c));
  if (isCommandError(result)) throw aclError(result.error);
  return result as Success<C>;
}

export const linkSpecs = (list: readonly { ID?: string | undefined; Name?: string | undefined }[] | null | undefined): AclLinkSpec[] =>
  (list ?? []).map((l) => ({ id: l.ID ?? '', name: l.Name ?? '' }));

export function serviceIdentities(list: TokenBody['ServiceIdentities']): ServiceIdentitySpec[] | null {
  return list === undefined || list === null ? null : list.map((s) => ({ serviceName: s.ServiceName ?? '', datacenters: s.Datacenters ?? null }));
}

export function nodeIdentities(list: TokenBody['NodeIdentities']): NodeIdentitySpec[] | null {
  return list === undefined || list === null ? null : list.map((n) => ({ nodeName: n.NodeName ?? '', datacenter: n.Datacenter ?? '' }));
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const TOKEN_DECODE = 'Token decoding failed: ';

/** An RFC 3339 time from a body, as Unix ms; Go's time.Parse refusal otherwise (approximated). */
function parseTime(text: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw badRequest(`${TOKEN_DECODE}parsing time ${JSON.stringify(JSON.stringify(text))} as "\\"2006-01-02T15:04:05Z07:00\\""`);
  return ms;
}

/** ExpirationTTL: a Go duration string or float64 nanoseconds (ACLToken.UnmarshalJSON). */
function ttlNs(raw: TokenBody['ExpirationTTL']): number {
  if (raw === undefined || raw === null) return 0;
  if (typeof raw === 'number') return Math.trunc(raw);
  const parsed = parseGoDuration(raw);
  if (!parsed.ok) throw badRequest(TOKEN_DECODE + parsed.error);
  return Number(parsed.ns);
}

/** Go's RFC3339Nano in UTC: fractional seconds without trailing zeros. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** A token request from a body: the leader fills in what is left empty. */
export function tokenRequest(body: TokenBody, accessorId: string): { readonly token: AclTokenSpec; readonly expirationTtlNs: number } {
  let expirationTime: string | null = null;
  let expiresAtMs: number | null = null;
  if (body.ExpirationTime !== undefined && body.ExpirationTime !== null) {
    expiresAtMs = parseTime(body.ExpirationTime);
    expirationTime = formatTime(expiresAtMs);
  }
  const expirationTtlNs = ttlNs(body.ExpirationTTL);
  if ((body.Rules ?? '') !== '') throw new HttpError(500, 'Rules cannot be specified for this token');
  return {
    token: {
      accessorId,
      secretId: body.SecretID ?? '',
      description: body.Description ?? '',
      policies: linkSpecs(body.Policies),
      roles: linkSpecs(body.Roles),
      serviceIdentities: serviceIdentities(body.ServiceIdentities),
      nodeIdentities: nodeIdentities(body.NodeIdentities),
      local: body.Local ?? false,
      expirationTime,
      expiresAtMs,
      createTime: '',
      hash: '',
    },
    expirationTtlNs,
  };
}
