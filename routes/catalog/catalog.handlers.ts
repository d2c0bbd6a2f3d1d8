// Catalog handlers, checking in Consul's order: parse() (index, wait, consistency), the name
// from the path, then the RPC: ?filter compiled (500 on a bad expression), the state read
// (blocking on the per-table or per-service index), tag/node-meta/filter, then the ACL filter
// (after the user's filters, so X-Consul-Results-Filtered-By-ACLs reports only what ACLs hid),
// then ?near sorting.
import type { Context } from 'hono';
import { isCommandError } from '../../storage/commands.ts';
import { watchFor } from '../../storage/state-store.ts';
import type { ServiceInstance } from '../../storage/types.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { authorizer, filterByAcl, markFiltered, requireAcl, resolveToken, writeToken } from '../acl/enforce.ts';
import { FILTER_SCHEMAS } from '../filter/index.ts';
import { HttpError, badRequest, internalError, noPathToDatacenter } from '../lib/errors.ts';
import { readJsonBody } from '../lib/json-body.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import { nodeJson, nodeServiceJson, serviceNodeJson } from '../schemas/catalog.ts';
import type {
  ConnectRoute, DatacentersRoute, DeregisterRoute, GatewayServicesRoute, NodeRoute, NodeServicesRoute, NodesRoute, RegisterRoute,
  ServiceRoute, ServicesRoute,
} from './catalog.routes.ts';
import { catalogParams, compiledFilter, hasTags, matchesNodeMeta, sortNear } from './params.ts';
import { serveCatalogQuery } from './read.ts';
import { CatalogDeregisterBodySchema, CatalogRegisterBodySchema, deregisterCommand, registerCommand } from './register.ts';

type Ctx = Context<AppEnv>;

/** Bound on a catalog or agent JSON body: Consul sets none; a real one is a few KiB. */
export function jsonBodyLimit(c: Ctx) {
  const max = c.var.services.limits.kvMaxValueSize;
  return {
    maxBytes: max,
    declaredTooLarge: (n: number) => new HttpError(413, `Request body(${n} bytes) too large, max size: ${max} bytes.`),
    streamedTooLarge: () => new HttpError(413, `Request body too large, max size: ${max} bytes.`),
  };
}

/** A body's Datacenter names where Consul forwards the RPC; only ours is reachable. */
function requireBodyDatacenter(c: Ctx, dc: string | undefined): void {
  if (dc !== undefined && dc !== '' && dc !== c.var.services.info.datacenter) throw noPathToDatacenter();
}

export const register: AppRouteHandler<RegisterRoute> = async (c) => {
  requireDefaultTenancy(c);
  const body = await readJsonBody(c, CatalogRegisterBodySchema, { limit: jsonBodyLimit(c), errorPrefix: 'Request decode failed: ', goType: 'structs.RegisterRequest' });
  requireLocalDatacenter(c);
  requireBodyDatacenter(c, body.Datacenter);
  const command = registerCommand({ ...body, Datacenter: body.Datacenter || c.var.services.info.datacenter });
  // The leader vets it (Consul's vetRegisterWithACL) with the token this agent would send.
  const { result } = await c.var.services.apply(command, writeToken(c));
  if (isCommandError(result)) throw internalError(result.error);
  return sendJson(c, true);
};

export const deregister: AppRouteHandler<DeregisterRoute> = async (c) => {
  requireDefaultTenancy(c);
  const body = await readJsonBody(c, CatalogDeregisterBodySchema, { limit: jsonBodyLimit(c), errorPrefix: 'Request decode failed: ', goType: 'structs.DeregisterRequest' });
  requireLocalDatacenter(c);
  requireBodyDatacenter(c, body.Datacenter);
  await c.var.services.apply(deregisterCommand(body), writeToken(c));
  return sendJson(c, true);
};

export const datacenters: AppRouteHandler<DatacentersRoute> = async (c) => sendJson(c, [c.var.services.info.datacenter]);

export const nodes: AppRouteHandler<NodesRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const p = catalogParams(c);
  const matches = compiledFilter(p.filter, FILTER_SCHEMAS['catalog/nodes']);
  const state = c.var.services.state;
  const out = await serveCatalogQuery(c, { watch: watchFor.nodeList(), run: () => state.nodeList() });
  const json = out.nodes.filter((n) => matchesNodeMeta(n.meta, p.nodeMeta)).map(nodeJson).filter(matches);
  return sendJson(c, sortNear(state, p.near, filterByAcl(c, json, (a, n) => a.nodeRead(n.Node)), (n) => n.Node));
};

/** catalog/services: every instance passes node-meta and the filter, then names → tag union. */
export const services: AppRouteHandler<ServicesRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const p = catalogParams(c);
  const matches = compiledFilter(p.filter, FILTER_SCHEMAS['catalog/services']);
  const state = c.var.services.state;
  if (p.filter === '' && p.nodeMeta.length === 0) {
    const out = await serveCatalogQuery(c, { watch: watchFor.serviceList(), run: () => state.serviceList() });
    const names = filterByAcl(c, [...out.services.keys()], (a, name) => a.serviceRead(name));
    return sendJson(c, Object.fromEntries(names.map((name) => [name, out.services.get(name) ?? []])));
  }
  const out = await serveCatalogQuery(c, { watch: watchFor.allServiceInstances(), run: () => state.allServiceInstances() });
  const tags = new Map<string, Set<string>>();
  for (const i of out.instances) {
    if (!matchesNodeMeta(i.node.meta, p.nodeMeta) || !matches(serviceNodeJson(i))) continue;
    const set = tags.get(i.service.service) ?? new Set<string>();
    for (const t of i.service.tags ?? []) set.add(t);
    tags.set(i.service.service, set);
  }
  const names = filterByAcl(c, [...tags.keys()], (a, name) => a.serviceRead(name));
  return sendJson(c, Object.fromEntries(names.map((name) => [name, [...(tags.get(name) ?? [])].sort()])));
};

async function serviceNodes(c: Ctx, name: string, subset: (i: ServiceInstance) => boolean, connect: boolean) {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  if (name === '') throw badRequest('Missing service name');
  const p = catalogParams(c);
  const matches = compiledFilter(p.filter, FILTER_SCHEMAS['catalog/service']);
  const state = c.var.services.state;
  const out = await serveCatalogQuery(c, { watch: watchFor.serviceInstances(name), run: () => state.serviceInstances(name) });
  // Consul's connect lookup without service:read on the service answers empty, not 403.
  if (connect && c.var.acl.enabled && !authorizer(c).serviceRead(name)) return sendJson(c, []);
  const json = out.instances
    .filter((i) => subset(i) && hasTags(i.service.tags, p.tags) && matchesNodeMeta(i.node.meta, p.nodeMeta))
    .map(serviceNodeJson)
    .filter(matches);
  const readable = filterByAcl(c, json, (a, s) => a.nodeRead(s.Node) && a.serviceRead(s.ServiceName));
  return sendJson(c, sortNear(state, p.near, readable, (s) => s.Node));
}

/** Connect-native instances (Consul also lists proxies for the service; Cairn runs none). */
export const isConnectNative = (i: ServiceInstance): boolean => {
  const connect = i.service.extra?.['Connect'];
  return typeof connect === 'object' && connect !== null && (connect as Record<string, unknown>)['Native'] === true;
};

export const service: AppRouteHandler<ServiceRoute> = async (c) => serviceNodes(c, c.req.valid('param').service, () => true, false);

export const connect: AppRouteHandler<ConnectRoute> = async (c) => serviceNodes(c, c.req.valid('param').service, isConnectNative, true);

async function nodeWithServices(c: Ctx, name: string) {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  if (name === '') throw badRequest('Missing node name');
  const matches = compiledFilter(new URL(c.req.url).searchParams.get('filter') ?? '', FILTER_SCHEMAS['catalog/node']);
  const state = c.var.services.state;
  const out = await serveCatalogQuery(c, { watch: watchFor.nodeServices(name), run: () => state.nodeServices(name) });
  if (out.node === null) return { node: null, services: [] };
  // Consul's filterNodeServices, after ?filter: an unreadable node reads as unknown (and
  // counts as filtered); the services need service:read.
  if (c.var.acl.enabled && !authorizer(c).nodeRead(out.node.node)) {
    markFiltered(c, true);
    return { node: null, services: [] };
  }
  const services = out.services.map((s) => nodeServiceJson(s)).filter(matches);
  return { node: out.node, services: filterByAcl(c, services, (a, s) => a.serviceRead(s.Service)) };
}

export const node: AppRouteHandler<NodeRoute> = async (c) => {
  const { node: n, services: list } = await nodeWithServices(c, c.req.valid('param').node);
  if (n === null) return sendJson(c, null);
  return sendJson(c, { Node: nodeJson(n), Services: Object.fromEntries(list.map((s) => [s.ID, s])) });
};

export const nodeServices: AppRouteHandler<NodeServicesRoute> = async (c) => {
  const { node: n, services: list } = await nodeWithServices(c, c.req.valid('param').node);
  return sendJson(c, { Node: n === null ? null : nodeJson(n), Services: n === null ? [] : list });
};

export const gatewayServices: AppRouteHandler<GatewayServicesRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const gateway = c.req.valid('param').gateway;
  if (gateway === '') throw badRequest('Missing gateway name');
  // Consul: service:read on the gateway itself, before the query (403).
  resolveToken(c);
  requireAcl(c, 'serviceRead', gateway);
  const state = c.var.services.state;
  // No config entries bind services to gateways here, so the answer is always empty; the index
  // is the services table's so a blocking client still waits.
  await serveCatalogQuery(c, { watch: watchFor.serviceList(), run: () => ({ index: state.serviceList().index }) });
  return sendJson(c, []);
};
