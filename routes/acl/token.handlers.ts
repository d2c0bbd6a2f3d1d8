// /v1/acl/token* handlers, in Consul's order: the 401 when ACLs are off, the HTTP layer's own
// checks (decoding, URL/payload agreement), then the RPC — reads check acl:read here, writes
// go to the leader, which checks acl:write and Consul's token rules before Raft.
import type { Context } from 'hono';
import type { AclTokenEntry } from '../../storage/acl-entries.ts';
import { aclWatchFor } from '../../storage/acl-store.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { badRequest, HttpError } from '../lib/errors.ts';
import { serveQuery } from '../lib/read.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireQueryOptions } from '../lib/rpc.ts';
import type { TokenDeleteRoute, TokenListRoute, TokenReadRoute, TokenSelfRoute, TokenCreateRoute, TokenUpdateRoute } from './acl.routes.ts';
import { aclError, applyAcl, requireAclEnabled, tokenRequest, ACL_BODY_MAX_BYTES } from './acl-requests.ts';
import { authorizer, requireAcl } from './enforce.ts';
import { expandedToken } from './expanded-token.ts';
import { TokenBodySchema, toTokenJson, toTokenStubJson, type TokenBody, type TokenJson } from './schemas.ts';
import { aclBodyLimit, readStrictJson } from './strict-json.ts';

type Ctx = Context<AppEnv>;

const CLONE_SUFFIX = '/clone';

const decodeToken = (c: Ctx): Promise<TokenBody> =>
  readStrictJson(c, TokenBodySchema, { limit: aclBodyLimit(ACL_BODY_MAX_BYTES), errorPrefix: 'Token decoding failed: ', goType: 'structs.ACLToken' });

/** A live token: expired tokens read as absent everywhere (Consul's IsExpired checks). */
function live(c: Ctx, token: AclTokenEntry | null): AclTokenEntry | null {
  const now = c.var.services.acl?.now() ?? 0;
  return token !== null && token.expiresAtMs !== null && token.expiresAtMs <= now ? null : token;
}

/** The token as just written, read back from this server's state (the write was applied here). */
function written(c: Ctx, accessorId: string): TokenJson {
  const token = requireAclEnabled(c).store.tokenGet(accessorId).token;
  if (token === null) throw new HttpError(500, 'Failed to retrieve the token after insertion');
  return toTokenJson(token, false);
}

export const create: AppRouteHandler<TokenCreateRoute> = async (c) => {
  requireAclEnabled(c);
  requireDefaultTenancy(c);
  const body = await decodeToken(c);
  if ((body.AuthMethod ?? '') !== '') throw new HttpError(500, 'AuthMethod field is disallowed outside of login');
  const request = tokenRequest(body, body.AccessorID ?? '');
  const { accessorId } = await applyAcl(c, { type: 'acl.token-set', mode: 'create', ...request });
  return sendJson(c, written(c, accessorId));
};

async function clone(c: Ctx, accessorId: string) {
  const body = await decodeToken(c);
  const source = live(c, requireAclEnabled(c).store.tokenGet(accessorId).token);
  // The leader re-checks acl:write first; this answers Consul's order for an unknown token.
  requireAcl(c, 'aclWrite');
  if (source === null) throw aclError('ACL not found');
  const links = (l: AclTokenEntry['policies']) => l.map((x) => ({ id: x.id, name: '' }));
  const { accessorId: created } = await applyAcl(c, {
    type: 'acl.token-set',
    mode: 'create',
    expirationTtlNs: 0,
    token: {
      accessorId: '', secretId: '', description: (body.Description ?? '') === '' ? source.description : (body.Description ?? ''),
      policies: links(source.policies), roles: links(source.roles), serviceIdentities: source.serviceIdentities,
      nodeIdentities: source.nodeIdentities, local: source.local, expirationTime: source.expirationTime, expiresAtMs: source.expiresAtMs,
      createTime: '', hash: '',
    },
  });
  return sendJson(c, written(c, created));
}

export const update: AppRouteHandler<TokenUpdateRoute> = async (c) => {
  requireAclEnabled(c);
  requireDefaultTenancy(c);
  const path = c.req.param('id') ?? '';
  if (path.endsWith(CLONE_SUFFIX)) return clone(c, path.slice(0, -CLONE_SUFFIX.length));
  const body = await decodeToken(c);
  const accessorId = (body.AccessorID ?? '') === '' ? path : (body.AccessorID ?? '');
  if (accessorId !== path) throw badRequest('Token Accessor ID in URL and payload do not match');
  if ((body.AuthMethod ?? '') !== '') throw new HttpError(500, `Cannot change AuthMethod of ${accessorId}`);
  // PUT /v1/acl/token/ with no ID creates, as Consul's TokenSet does for an empty AccessorID.
  const mode = accessorId === '' ? 'create' : 'update';
  const { accessorId: id } = await applyAcl(c, { type: 'acl.token-set', mode, ...tokenRequest(body, accessorId) });
  return sendJson(c, written(c, id));
};

export const read: AppRouteHandler<TokenReadRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  const id = c.req.param('id') ?? '';
  if (id === '') throw badRequest('Missing token AccessorID');
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  requireAcl(c, 'aclRead');
  const out = await serveQuery(c, {
    watch: aclWatchFor.token(id),
    run: () => {
      requireAcl(c, 'aclRead');
      return acl.store.tokenGet(id);
    },
  });
  const token = live(c, out.token);
  if (token === null) throw new HttpError(404, 'Requested token does not exist: ACL not found');
  const json = toTokenJson(token, !authorizer(c).aclWrite());
  return sendJson(c, new URL(c.req.url).searchParams.has('expanded') ? expandedToken(c, token, json) : json);
};

export const self: AppRouteHandler<TokenSelfRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  requireQueryOptions(c);
  // The token the request carries (or the agent's default token); no permission is needed.
  const secret = c.var.query.token !== '' ? c.var.query.token : acl.defaultToken;
  const out = await serveQuery(c, { watch: aclWatchFor.tokens(), run: () => acl.store.tokenGetBySecret(secret) });
  const token = live(c, out.token);
  if (token === null) throw new HttpError(404, 'Supplied token does not exist');
  return sendJson(c, toTokenJson(token, false));
};

export const del: AppRouteHandler<TokenDeleteRoute> = async (c) => {
  requireAclEnabled(c);
  const id = c.req.param('id') ?? '';
  if (id === '') throw badRequest('Missing token AccessorID');
  requireDefaultTenancy(c);
  await applyAcl(c, { type: 'acl.token-delete', accessorId: id });
  return sendJson(c, true);
};

export const list: AppRouteHandler<TokenListRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const q = new URL(c.req.url).searchParams;
  const filter = { policy: q.get('policy') ?? '', role: q.get('role') ?? '', authMethod: q.get('authmethod') ?? '', serviceName: q.get('servicename') ?? '' };
  requireAcl(c, 'aclRead');
  const out = await serveQuery(c, {
    watch: aclWatchFor.tokens(),
    run: () => {
      requireAcl(c, 'aclRead');
      const listed = acl.store.tokenList(filter);
      if ('error' in listed) throw new HttpError(500, listed.error);
      return listed;
    },
  });
  const redact = !authorizer(c).aclWrite();
  const tokens = out.tokens.filter((t) => live(c, t) !== null);
  return sendJson(c, tokens.map((t) => toTokenStubJson(t, redact)));
};
