// Agent handlers, in Consul's order for each endpoint: decode, validate (400s), resolve the
// token (403 "ACL not found"), vet it as Consul's agent does (agent/acl.go: 404 for an unknown
// ID first, then 403), then the local agent (404s and 500s as values it rejects with). Write
// endpoints answer 200 with no body. Listings drop what the token may not read, after ?filter.
import type { Context } from 'hono';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { jsonBodyLimit } from '../catalog/catalog.handlers.ts';
import { compiledFilter } from '../catalog/params.ts';
import { filterByAcl, requireAcl, resolveToken } from '../acl/enforce.ts';
import { FILTER_SCHEMAS } from '../filter/index.ts';
import { readBodyLimited, utf8Text } from '../lib/body.ts';
import { badRequest, HttpError, internalError } from '../lib/errors.ts';
import { goQuote } from '../lib/go-strconv.ts';
import { decodeParsedJson } from '../lib/json-body.ts';
import { encodeGoJson, parseGoJson } from '../lib/go-json.ts';
import { sendJson, TEXT } from '../lib/respond.ts';
import { requireDefaultTenancy, requireQueryOptions } from '../lib/rpc.ts';
import { agentCheckJson, agentServiceJson, contentHash, memberJson } from '../schemas/agent.ts';
import { z } from '@hono/zod-openapi';
import type * as R from './agent.routes.ts';
import { CheckDefinitionBodySchema, checkRegistration, ServiceDefinitionBodySchema, serviceRegistration, translateSnakeKeys } from './definitions.ts';
import { CheckUpdateBodySchema, aggregatedStatus, healthInfo, statusCode } from './health.ts';
import { selfJson, versionJson } from './self.ts';

type Ctx = Context<AppEnv>;

/** 200 with an empty body and no Content-Type (Consul's agent write endpoints). */
const done = (c: Ctx) => c.body(null, 200);

const params = (c: Ctx): URLSearchParams => new URL(c.req.url).searchParams;

/** A JSON body with Consul's snake_case aliases translated before the usual decoding. */
async function readAgentBody<S extends z.ZodType>(c: Ctx, schema: S, goType: string): Promise<z.output<S>> {
  const bytes = await readBodyLimited(c, jsonBodyLimit(c));
  const parsed = parseGoJson(utf8Text(bytes));
  if (!parsed.ok) throw badRequest(`Request decode failed: ${parsed.error}`);
  // Decoded as parsed: re-encoding would fail on values JSON text cannot hold (1e400 is Infinity).
  return decodeParsedJson(translateSnakeKeys(parsed.value), schema, { errorPrefix: 'Request decode failed: ', goType });
}

/** Consul's vetServiceRegister: service:write on the new name and on a service it replaces. */
function vetServiceRegister(c: Ctx, name: string, id: string): void {
  requireAcl(c, 'serviceWrite', name);
  const existing = c.var.services.agent.service(id);
  if (existing !== undefined && existing.service !== name) requireAcl(c, 'serviceWrite', existing.service);
}

/**
 * Consul's vetServiceUpdate: service:write on the existing service. An unknown ID is left to
 * the local agent's own 404 (the same text for deregistration).
 */
function vetServiceUpdate(c: Ctx, id: string): void {
  const existing = c.var.services.agent.service(id);
  if (existing !== undefined) requireAcl(c, 'serviceWrite', existing.service);
}

/** node:write on this agent's node for a node check, service:write on the service of a service check. */
function requireCheckWrite(c: Ctx, serviceName: string): void {
  if (serviceName !== '') requireAcl(c, 'serviceWrite', serviceName);
  else requireAcl(c, 'nodeWrite', c.var.services.info.nodeName);
}

/** Consul's vetCheckRegister: the new check, and the check it would overwrite. */
function vetCheckRegister(c: Ctx, checkId: string, serviceId: string): void {
  const { agent } = c.var.services;
  let serviceName = '';
  if (serviceId !== '') {
    const svc = agent.service(serviceId);
    if (svc === undefined) throw new HttpError(404, `ServiceID "${serviceId}" does not exist`);
    serviceName = svc.service;
  }
  requireCheckWrite(c, serviceName);
  const existing = agent.checks().find((h) => h.checkId === checkId);
  if (existing !== undefined) requireCheckWrite(c, existing.serviceName);
}

/** Consul's vetCheckUpdate: by the existing check's service (or node); unknown IDs are the agent's 404. */
function vetCheckUpdate(c: Ctx, id: string): void {
  resolveToken(c);
  const check = c.var.services.agent.checks().find((h) => h.checkId === id);
  if (check !== undefined) requireCheckWrite(c, check.serviceName);
}

/** Consul's ?enable handling for maintenance: required, Go ParseBool. */
function enableParam(c: Ctx): boolean {
  const p = params(c);
  if (!p.has('enable')) throw badRequest('Missing value for enable');
  const raw = p.get('enable') ?? '';
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  throw badRequest(`Invalid value for enable: ${goQuote(raw)}`);
}

export const self: AppRouteHandler<R.SelfRoute> = async (c) => {
  requireAcl(c, 'agentRead', c.var.services.info.nodeName);
  return sendJson(c, selfJson(c.var.services));
};

export const version: AppRouteHandler<R.VersionRoute> = async (c) => sendJson(c, versionJson(c.var.services.info.version));

export const host: AppRouteHandler<R.HostRoute> = async (c) => {
  requireAcl(c, 'operatorRead');
  return sendJson(c, c.var.services.agent.host());
};

export const members: AppRouteHandler<R.MembersRoute> = async (c) => {
  const p = params(c);
  const wan = (p.get('wan') ?? '') !== '';
  const segment = p.get('segment') ?? '';
  if (wan && segment !== '' && segment !== '_all') throw badRequest('Cannot provide a segment with wan=true');
  const matches = compiledFilter(p.get('filter') ?? '', FILTER_SCHEMAS['agent/members']);
  // Consul's filterMembers: node:read on the member's name as serf reports it (WAN: "node.dc").
  const members = filterByAcl(c, c.var.services.agent.members(wan), (a, m) => a.nodeRead(m.Name));
  return sendJson(c, members.map(memberJson).filter(matches));
};

/** agent:write on this server's node (join, leave, reload). */
const requireAgentWrite = (c: Ctx): void => requireAcl(c, 'agentWrite', c.var.services.info.nodeName);

export const reload: AppRouteHandler<R.ReloadRoute> = async (c) => {
  requireAgentWrite(c);
  await c.var.services.agent.reload();
  return done(c);
};

export const maintenance: AppRouteHandler<R.MaintenanceRoute> = async (c) => {
  const enable = enableParam(c);
  requireAcl(c, 'nodeWrite', c.var.services.info.nodeName);
  await c.var.services.agent.nodeMaintenance(enable, params(c).get('reason') ?? '', c.var.query.token);
  return done(c);
};

export const join: AppRouteHandler<R.JoinRoute> = async (c) => {
  requireAgentWrite(c);
  await c.var.services.agent.join(c.req.valid('param').address);
  return done(c);
};

export const leave: AppRouteHandler<R.LeaveRoute> = async (c) => {
  requireAgentWrite(c);
  await c.var.services.agent.leave();
  return done(c);
};

export const forceLeave: AppRouteHandler<R.ForceLeaveRoute> = async (c) => {
  requireAcl(c, 'operatorWrite');
  await c.var.services.agent.forceLeave(c.req.valid('param').node, params(c).has('prune'));
  return done(c);
};

export const services: AppRouteHandler<R.ServicesRoute> = async (c) => {
  requireDefaultTenancy(c);
  resolveToken(c);
  const { agent, info } = c.var.services;
  const matches = compiledFilter(params(c).get('filter') ?? '', FILTER_SCHEMAS['agent/services']);
  // Consul filters with ACLs after the expression, so the header reflects only what ACLs hid.
  const out = filterByAcl(c, agent.services().map((s) => agentServiceJson(s, info.datacenter)).filter(matches), (a, s) => a.serviceRead(s.Service));
  return sendJson(c, Object.fromEntries(out.map((s) => [s.ID, s])));
};

/** The service with its ContentHash, or Consul's 404. */
function hashedService(c: Ctx, id: string) {
  const { agent, info } = c.var.services;
  const svc = agent.service(id);
  if (svc === undefined) throw new HttpError(404, `unknown service ID: ${id}`);
  requireAcl(c, 'serviceRead', svc.service);
  const json = agentServiceJson(svc, info.datacenter);
  return { ...json, ContentHash: contentHash(encodeGoJson(json)) };
}

/** Hash-blocking: returns at once unless ?hash equals the current hash, then waits for a local change. */
export const service: AppRouteHandler<R.ServiceRoute> = async (c) => {
  const options = requireQueryOptions(c);
  requireDefaultTenancy(c);
  const id = c.req.valid('param').id;
  const wanted = params(c).get('hash') ?? '';
  const { agent, waitTimer } = c.var.services;
  // Consul resolves the token first (403 "ACL not found" before a 404), and checks service:read
  // on every pass of the hash-blocking loop.
  resolveToken(c);
  let current = hashedService(c, id);
  if (wanted !== '' && current.ContentHash === wanted) {
    let cancelTimer: () => void = () => {};
    const deadline = new Promise<void>((resolve) => (cancelTimer = waitTimer(options.waitMs, resolve)));
    const aborted = new Promise<void>((resolve) => c.req.raw.signal.addEventListener('abort', () => resolve(), { once: true }));
    let expired = false;
    void Promise.race([deadline, aborted]).then(() => (expired = true));
    // Bounded by the wait: every pass ends on a local change, the deadline or the client leaving.
    while (!expired && current.ContentHash === wanted) {
      const change = agent.changed();
      await Promise.race([change.fired, deadline, aborted]);
      change.cancel();
      current = hashedService(c, id);
    }
    cancelTimer();
  }
  c.header('X-Consul-ContentHash', current.ContentHash);
  return sendJson(c, current);
};

export const registerService: AppRouteHandler<R.RegisterServiceRoute> = async (c) => {
  requireDefaultTenancy(c);
  const body = await readAgentBody(c, ServiceDefinitionBodySchema, 'structs.ServiceDefinition');
  const replace = params(c).has('replace-existing-checks') && ['', 'true'].includes(params(c).get('replace-existing-checks') ?? '');
  // Consul validates the definition (400s) before it vets the token against it (403).
  const registration = serviceRegistration(body, replace, c.var.query.token);
  vetServiceRegister(c, registration.service.service, registration.service.id);
  await c.var.services.agent.registerService(registration);
  return done(c);
};

export const deregisterService: AppRouteHandler<R.DeregisterServiceRoute> = async (c) => {
  requireDefaultTenancy(c);
  resolveToken(c);
  vetServiceUpdate(c, c.req.valid('param').id);
  await c.var.services.agent.deregisterService(c.req.valid('param').id);
  return done(c);
};

export const serviceMaintenance: AppRouteHandler<R.ServiceMaintenanceRoute> = async (c) => {
  const id = c.req.valid('param').id;
  if (id === '') throw badRequest('Missing service ID');
  const enable = enableParam(c);
  requireDefaultTenancy(c);
  resolveToken(c);
  vetServiceUpdate(c, id);
  await c.var.services.agent.serviceMaintenance(id, enable, params(c).get('reason') ?? '', c.var.query.token);
  return done(c);
};

/**
 * The health endpoints choose their status from the aggregated result (200/429/503/404), a
 * computed union Hono's per-status route typing cannot follow; the route declares all four.
 */
const anyStatus = (response: Response): never => response as never;

/** Consul's returnTextPlain: Accept starting text/plain, or ?format=text. */
function wantsText(c: Ctx): boolean {
  if ((c.req.header('accept') ?? '').startsWith('text/plain')) return true;
  const format = params(c).get('format') ?? '';
  return format !== '' && format === 'text';
}

export const healthById: AppRouteHandler<R.HealthByIdRoute> = async (c) => {
  const id = c.req.valid('param').id;
  if (id === '') throw badRequest('Missing serviceID');
  resolveToken(c);
  const { agent, info } = c.var.services;
  const svc = agent.service(id);
  if (svc !== undefined) requireAcl(c, 'serviceRead', svc.service);
  if (svc === undefined) {
    if (wantsText(c)) return anyStatus(c.body(`ServiceId ${id} not found`, 404, { 'Content-Type': TEXT }));
    return anyStatus(c.body(encodeGoJson({ AggregatedStatus: 'critical', Service: null, Checks: null }), 404, { 'Content-Type': 'application/json' }));
  }
  const result = healthInfo(svc, agent.checks(), info.datacenter);
  const code = statusCode(result.AggregatedStatus);
  if (wantsText(c)) return anyStatus(c.body(result.AggregatedStatus, code, { 'Content-Type': TEXT }));
  return anyStatus(c.body(encodeGoJson(result), code, { 'Content-Type': 'application/json' }));
};

export const healthByName: AppRouteHandler<R.HealthByNameRoute> = async (c) => {
  const name = c.req.valid('param').name;
  if (name === '') throw badRequest('Missing service Name');
  requireAcl(c, 'serviceRead', name);
  const { agent, info } = c.var.services;
  const checks = agent.checks();
  const results = agent.services().filter((s) => s.service === name).map((s) => healthInfo(s, checks, info.datacenter));
  const worst = aggregatedStatus(results.map((r) => r.AggregatedStatus));
  const code = results.length === 0 ? 404 : statusCode(worst);
  if (wantsText(c)) return anyStatus(c.body(results.length === 0 ? `ServiceName ${name} Not Found` : worst, code, { 'Content-Type': TEXT }));
  return anyStatus(c.body(encodeGoJson(results), code, { 'Content-Type': 'application/json' }));
};

export const checks: AppRouteHandler<R.ChecksRoute> = async (c) => {
  requireDefaultTenancy(c);
  resolveToken(c);
  const list = c.var.services.agent.checks();
  const matches = compiledFilter(params(c).get('filter') ?? '', FILTER_SCHEMAS['agent/checks']);
  // Consul's filterChecksWithAuthorizer: service checks by service:read, node checks by node:read on this node.
  const out = filterByAcl(c, list.map(agentCheckJson).filter(matches), (a, h) => (h.ServiceName === '' ? a.nodeRead(c.var.services.info.nodeName) : a.serviceRead(h.ServiceName)));
  return sendJson(c, Object.fromEntries(out.map((h) => [h.CheckID, h])));
};

export const registerCheck: AppRouteHandler<R.RegisterCheckRoute> = async (c) => {
  requireDefaultTenancy(c);
  const body = await readAgentBody(c, CheckDefinitionBodySchema, 'structs.CheckDefinition');
  const registration = checkRegistration(body);
  resolveToken(c);
  vetCheckRegister(c, registration.check.checkId, registration.check.serviceId);
  await c.var.services.agent.registerCheck(registration, body.Token || c.var.query.token);
  return done(c);
};

export const deregisterCheck: AppRouteHandler<R.DeregisterCheckRoute> = async (c) => {
  requireDefaultTenancy(c);
  vetCheckUpdate(c, c.req.valid('param').id);
  await c.var.services.agent.deregisterCheck(c.req.valid('param').id);
  return done(c);
};

const ttlUpdate = (status: 'passing' | 'warning' | 'critical'): AppRouteHandler<R.PassRoute> => async (c) => {
  requireDefaultTenancy(c);
  vetCheckUpdate(c, c.req.valid('param').id);
  await c.var.services.agent.updateTtl(c.req.valid('param').id, status, params(c).get('note') ?? '');
  return done(c);
};
export const passCheck = ttlUpdate('passing');
export const warnCheck = ttlUpdate('warning');
export const failCheck = ttlUpdate('critical');

export const updateCheck: AppRouteHandler<R.UpdateCheckRoute> = async (c) => {
  const body = await readAgentBody(c, CheckUpdateBodySchema, 'agent.checkUpdate');
  const status = body.Status ?? '';
  if (status !== 'passing' && status !== 'warning' && status !== 'critical') throw badRequest(`Invalid check status: '${status}'`);
  requireDefaultTenancy(c);
  vetCheckUpdate(c, c.req.valid('param').id);
  await c.var.services.agent.updateTtl(c.req.valid('param').id, status, body.Output ?? '');
  return done(c);
};

const AgentTokenBodySchema = z.object({ Token: z.string().optional() }).openapi('AgentToken');

/**
 * PUT /v1/agent/token/<name>: 401 with ACLs disabled; agent:write on this node (before the body
 * is read); 404 for a name Consul does not know; 500 when the tokens file could not be written.
 */
export const token: AppRouteHandler<R.TokenRoute> = async (c) => {
  const acl = c.var.services.acl;
  if (!c.var.acl.enabled || acl === undefined) return c.body('ACL support disabled', 401, { 'Content-Type': TEXT });
  requireAgentWrite(c);
  const body = await readAgentBody(c, AgentTokenBodySchema, 'api.AgentToken');
  const name = c.req.valid('param').name;
  let known: boolean;
  try {
    known = await acl.agentTokens.update(name, body.Token ?? '');
  } catch (err) {
    throw internalError((err as Error).message);
  }
  if (!known) throw new HttpError(404, `Token ${goQuote(name)} is unknown`);
  return done(c);
};
