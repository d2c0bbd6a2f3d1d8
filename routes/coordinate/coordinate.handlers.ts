// Coordinate handlers: reads block on the coordinates table; an update is validated, vetted
// (node:write on the node, even one the catalog does not know), and proposed through Raft only
// for a node the catalog knows (Consul drops the others). Listings drop nodes the token may not
// read; a single node's coordinates need node:read (403).
import { z } from '@hono/zod-openapi';
import { COORDINATE_DIMENSIONALITY } from '../../storage/commands.ts';
import { watchFor } from '../../storage/state-store.ts';
import type { CoordinateEntry } from '../../storage/types.ts';
import { filterByAcl, requireAcl, resolveToken, writeToken } from '../acl/enforce.ts';
import { jsonBodyLimit } from '../catalog/catalog.handlers.ts';
import type { AppRouteHandler } from '../create-router.ts';
import { internalError } from '../lib/errors.ts';
import { readJsonBody } from '../lib/json-body.ts';
import { serveQuery } from '../lib/read.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import type { DatacentersRoute, NodeRoute, NodesRoute, UpdateRoute } from './coordinate.routes.ts';

export const CoordinateUpdateBodySchema = z
  .object({
    Node: z.string().optional(),
    Segment: z.string().optional(),
    Coord: z.object({ Vec: z.array(z.number()).nullable().optional(), Error: z.number().optional(), Adjustment: z.number().optional(), Height: z.number().optional() }).nullable().optional(),
  })
  .openapi('CoordinateUpdateRequest');

const coordJson = (c: CoordinateEntry) => ({
  Node: c.node,
  Segment: c.segment,
  Coord: { Vec: [...c.coord.Vec], Error: c.coord.Error, Adjustment: c.coord.Adjustment, Height: c.coord.Height },
});

const segmentParam = (url: string): string | null => new URL(url).searchParams.get('segment');

export const datacenters: AppRouteHandler<DatacentersRoute> = async (c) => {
  const { state, info } = c.var.services;
  const servers = new Set(state.serviceInstances('consul').instances.map((i) => i.node.node.toLowerCase()));
  const coordinates = state.coordinateList().coordinates
    .filter((x) => x.segment === '' && servers.has(x.node.toLowerCase()))
    .map((x) => ({ ...coordJson(x), Node: `${x.node}.${info.datacenter}` }));
  return sendJson(c, [{ Datacenter: info.datacenter, AreaID: 'WAN', Coordinates: coordinates }]);
};

export const nodes: AppRouteHandler<NodesRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const state = c.var.services.state;
  const segment = segmentParam(c.req.url);
  const out = await serveQuery(c, { watch: watchFor.coordinateList(), run: () => state.coordinateList() });
  const readable = filterByAcl(c, out.coordinates, (a, x) => a.nodeRead(x.node));
  return sendJson(c, readable.filter((x) => segment === null || x.segment === segment).map(coordJson));
};

export const node: AppRouteHandler<NodeRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const name = c.req.valid('param').node;
  // Consul's Coordinate.Node: node:read on the node before the query.
  resolveToken(c);
  requireAcl(c, 'nodeRead', name);
  const state = c.var.services.state;
  const segment = segmentParam(c.req.url);
  const out = await serveQuery(c, {
    watch: watchFor.coordinatesOfNode(name),
    // Checked again on every wake of a blocking query.
    run: () => {
      requireAcl(c, 'nodeRead', name);
      return state.coordinatesOfNode(name);
    },
  });
  const list = out.coordinates.filter((x) => segment === null || x.segment === segment);
  if (list.length === 0) return c.body(null, 404);
  return sendJson(c, list.map(coordJson));
};

const isFinite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

export const update: AppRouteHandler<UpdateRoute> = async (c) => {
  requireDefaultTenancy(c);
  const body = await readJsonBody(c, CoordinateUpdateBodySchema, { limit: jsonBodyLimit(c), errorPrefix: 'Request decode failed: ', goType: 'structs.CoordinateUpdateRequest' });
  requireLocalDatacenter(c);
  const coord = body.Coord ?? {};
  const vec = coord.Vec ?? [];
  // serf's Coordinate.IsValid plus its dimensionality check.
  if (vec.length !== COORDINATE_DIMENSIONALITY || !vec.every(isFinite) || ![coord.Error ?? 0, coord.Adjustment ?? 0, coord.Height ?? 0].every(isFinite)) {
    throw internalError('invalid coordinate');
  }
  const services = c.var.services;
  const nodeName = body.Node ?? '';
  // Consul vets node:write when the update arrives, before batching (even for an unknown node).
  resolveToken(c);
  requireAcl(c, 'nodeWrite', nodeName);
  if (nodeName !== '' && services.state.nodeGet(nodeName).node !== null) {
    await services.apply({
      type: 'coordinate.batch-update',
      updates: [{ node: nodeName, segment: body.Segment ?? '', coord: { Vec: vec, Error: coord.Error ?? 0, Adjustment: coord.Adjustment ?? 0, Height: coord.Height ?? 0 } }],
    }, writeToken(c));
  }
  return c.body(null, 200);
};
