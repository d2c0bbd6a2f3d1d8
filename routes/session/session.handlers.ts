// Session handlers, checking in Consul's order: parse()/dc/token, the ID or node from the
// path, then the RPC (Session.Apply's validation, the state lookup, Raft).
import type { Context } from 'hono';
import { isCommandError } from '../../storage/commands.ts';
import { watchFor } from '../../storage/state-store.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { declaredLength } from '../lib/body.ts';
import { badRequest, HttpError, internalError } from '../lib/errors.ts';
import { readJsonBody } from '../lib/json-body.ts';
import { serveQuery } from '../lib/read.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import { sessionLookupError } from '../lib/session-id.ts';
import { SessionCreateBodySchema, toSessionJson, type SessionCreateBody } from '../schemas/session.ts';
import { sessionSpec } from './session-spec.ts';
import { filterByAcl, requireAcl, writeToken } from '../acl/enforce.ts';
import type { SessionEntry } from '../../storage/types.ts';
import type { CreateRoute, DestroyRoute, InfoRoute, ListRoute, NodeRoute, RenewRoute } from './session.routes.ts';

type Ctx = Context<AppEnv>;

/** Bound on a session create body: Consul sets none, and a real one is a few hundred bytes. */
function createBodyLimit(c: Ctx) {
  const max = c.var.services.limits.kvMaxValueSize;
  return {
    maxBytes: max,
    declaredTooLarge: (n: number) => new HttpError(413, `Request body(${n} bytes) too large, max size: ${max} bytes.`),
    streamedTooLarge: () => new HttpError(413, `Request body too large, max size: ${max} bytes.`),
  };
}

/** The 500 Consul's memdb lookup gives a malformed session ID. */
function refuseMalformedId(id: string): void {
  const lookup = sessionLookupError(id);
  if (lookup !== null) throw internalError(lookup);
}

/** Consul's check before destroying or renewing: session:write on the session's node (none if unknown). */
function requireSessionWrite(c: Ctx, id: string): void {
  const session = c.var.services.state.sessionGet(id).session;
  if (session !== null) requireAcl(c, 'sessionWrite', session.node);
}

/** Session reads drop what the token may not read (session:read on the session's node). */
const readable = (c: Ctx, sessions: readonly SessionEntry[]): SessionEntry[] => filterByAcl(c, sessions, (a, s) => a.sessionRead(s.node));

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  requireDefaultTenancy(c);
  const services = c.var.services;
  // Consul reads the optional body only when Content-Length says there is one.
  const body: SessionCreateBody =
    (declaredLength(c) ?? 0) > 0
      ? await readJsonBody(c, SessionCreateBodySchema, { limit: createBodyLimit(c), errorPrefix: 'Request decode failed: ', goType: 'structs.Session' })
      : {};
  requireLocalDatacenter(c);
  const spec = sessionSpec(body, {
    id: services.uuid(),
    nodeName: services.info.nodeName,
    sessionTtlMinMs: services.limits.sessionTtlMinMs,
    authorize: (node) => requireAcl(c, 'sessionWrite', node),
  });
  const { result } = await services.apply({ type: 'session.create', session: spec }, writeToken(c));
  if (isCommandError(result)) throw internalError(result.error);
  return sendJson(c, { ID: result.id });
};

export const destroy: AppRouteHandler<DestroyRoute> = async (c) => {
  requireDefaultTenancy(c);
  const { id } = c.req.valid('param');
  if (id === '') throw badRequest('Missing session');
  requireLocalDatacenter(c);
  refuseMalformedId(id);
  requireSessionWrite(c, id);
  await c.var.services.apply({ type: 'session.destroy', id }, writeToken(c));
  return sendJson(c, true);
};

export const renew: AppRouteHandler<RenewRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const { id } = c.req.valid('param');
  if (id === '') throw badRequest('Missing session');
  requireLocalDatacenter(c);
  refuseMalformedId(id);
  requireSessionWrite(c, id);
  const session = await c.var.services.renewSession(id, writeToken(c));
  if (session === null) throw new HttpError(404, `Session id '${id}' not found`);
  return sendJson(c, [toSessionJson(session)]);
};

export const info: AppRouteHandler<InfoRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const { id } = c.req.valid('param');
  if (id === '') throw badRequest('Missing session');
  requireLocalDatacenter(c);
  refuseMalformedId(id);
  const state = c.var.services.state;
  const out = await serveQuery(c, { watch: watchFor.sessionGet(id), run: () => state.sessionGet(id) });
  return sendJson(c, readable(c, out.session === null ? [] : [out.session]).map(toSessionJson));
};

export const node: AppRouteHandler<NodeRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const { node: name } = c.req.valid('param');
  if (name === '') throw badRequest('Missing node name');
  const state = c.var.services.state;
  const out = await serveQuery(c, { watch: watchFor.sessionsByNode(name), run: () => state.sessionsByNode(name) });
  return sendJson(c, readable(c, out.sessions).map(toSessionJson));
};

export const list: AppRouteHandler<ListRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const state = c.var.services.state;
  const out = await serveQuery(c, { watch: watchFor.sessionList(), run: () => state.sessionList() });
  return sendJson(c, readable(c, out.sessions).map(toSessionJson));
};
