// Health handlers: parse(), ?passing, the name, then the read blocking on the per-service
// index (or the checks table), node-meta/tag/filter, the ACL filter (after the user's filters,
// as Consul: the filtered header reports only what ACLs hid), ?passing, and ?near sorting.
import type { Context } from 'hono';
import { watchFor } from '../../storage/state-store.ts';
import type { CheckEntry, CheckStatus, HealthInstance } from '../../storage/types.ts';
import { isConnectNative } from '../catalog/catalog.handlers.ts';
import { catalogParams, compiledFilter, hasTags, matchesNodeMeta, nodeLookup, passingParam, sortNear } from '../catalog/params.ts';
import { serveCatalogQuery } from '../catalog/read.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { authorizer, filterByAcl } from '../acl/enforce.ts';
import { FILTER_SCHEMAS } from '../filter/index.ts';
import { badRequest } from '../lib/errors.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireQueryOptions } from '../lib/rpc.ts';
import { checkServiceNodeJson, healthCheckJson } from '../schemas/catalog.ts';
import type { ChecksRoute, ConnectRoute, IngressRoute, NodeRoute, ServiceRoute, StateRoute } from './health.routes.ts';

type Ctx = Context<AppEnv>;

type HealthCheckJson = ReturnType<typeof healthCheckJson>;

/** Consul's filterHealthChecks: node:read on the check's node, service:read on its service. */
const readableChecks = (c: Ctx, checks: readonly HealthCheckJson[]): HealthCheckJson[] =>
  filterByAcl(c, checks, (a, h) => a.nodeRead(h.Node) && (h.ServiceName === '' || a.serviceRead(h.ServiceName)));

export const node: AppRouteHandler<NodeRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const name = c.req.valid('param').node;
  if (name === '') throw badRequest('Missing node name');
  const matches = compiledFilter(catalogParams(c).filter, FILTER_SCHEMAS['health/node']);
  const state = c.var.services.state;
  const out = await serveCatalogQuery(c, { watch: watchFor.nodeChecks(name), run: () => state.nodeChecks(name) });
  return sendJson(c, readableChecks(c, out.checks.map(healthCheckJson).filter(matches)));
};

/** health/checks and health/state: node-meta needs each check's node; ?near sorts by it. */
function checksJson(c: Ctx, checks: readonly CheckEntry[], schema: (typeof FILTER_SCHEMAS)['health/checks']) {
  const p = catalogParams(c);
  const matches = compiledFilter(p.filter, schema);
  const state = c.var.services.state;
  const nodeOf = nodeLookup(state);
  const kept = checks.filter((h) => p.nodeMeta.length === 0 || matchesNodeMeta(nodeOf(h.node)?.meta ?? null, p.nodeMeta));
  return sortNear(state, p.near, readableChecks(c, kept.map(healthCheckJson).filter(matches)), (h) => h.Node);
}

export const checks: AppRouteHandler<ChecksRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const name = c.req.valid('param').service;
  if (name === '') throw badRequest('Missing service name');
  compiledFilter(catalogParams(c).filter, FILTER_SCHEMAS['health/checks']);
  const state = c.var.services.state;
  const out = await serveCatalogQuery(c, { watch: watchFor.serviceChecks(name), run: () => state.serviceChecks(name) });
  return sendJson(c, checksJson(c, out.checks, FILTER_SCHEMAS['health/checks']));
};

export const state: AppRouteHandler<StateRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const wanted = c.req.valid('param').state;
  if (wanted === '') throw badRequest('Missing check state');
  compiledFilter(catalogParams(c).filter, FILTER_SCHEMAS['health/state']);
  const store = c.var.services.state;
  const which = wanted as CheckStatus | 'any';
  const out = await serveCatalogQuery(c, { watch: watchFor.checksInState(which), run: () => store.checksInState(which) });
  return sendJson(c, checksJson(c, out.checks, FILTER_SCHEMAS['health/state']));
};

/** ?passing drops an instance if any of its checks (node or service) is not passing. */
const allPassing = (i: HealthInstance): boolean => i.checks.every((h) => h.status === 'passing');

/** health/service, /connect and /ingress (`gated`: Consul answers empty without service:read on the name). */
async function instances(c: Ctx, name: string, subset: (i: HealthInstance) => boolean, gated: boolean) {
  requireQueryOptions(c);
  const passing = passingParam(c);
  requireDefaultTenancy(c);
  if (name === '') throw badRequest('Missing service name');
  const p = catalogParams(c);
  const matches = compiledFilter(p.filter, FILTER_SCHEMAS['health/service']);
  const store = c.var.services.state;
  const out = await serveCatalogQuery(c, { watch: watchFor.healthInstances(name), run: () => store.healthInstances(name) });
  if (gated && c.var.acl.enabled && !authorizer(c).serviceRead(name)) return sendJson(c, []);
  const json = out.instances
    .filter((i) => subset(i) && hasTags(i.service.tags, p.tags) && matchesNodeMeta(i.node.meta, p.nodeMeta))
    .map((i) => ({ i, json: checkServiceNodeJson(i) }))
    .filter((x) => matches(x.json));
  const readable = filterByAcl(c, json, (a, x) => a.nodeRead(x.i.node.node) && a.serviceRead(x.i.service.service));
  // ?passing is the HTTP layer's, after the RPC's ACL filter.
  const shown = readable.filter((x) => !passing || allPassing(x.i)).map((x) => x.json);
  return sendJson(c, sortNear(store, p.near, shown, (i) => i.Node.Node));
}

export const service: AppRouteHandler<ServiceRoute> = async (c) => instances(c, c.req.valid('param').service, () => true, false);
export const connect: AppRouteHandler<ConnectRoute> = async (c) => instances(c, c.req.valid('param').service, isConnectNative, true);
/** Ingress gateways are configured by config entries, which Cairn does not have: none. */
export const ingress: AppRouteHandler<IngressRoute> = async (c) => instances(c, c.req.valid('param').service, () => false, true);
