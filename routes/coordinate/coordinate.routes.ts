// /v1/coordinate/* (consul-api.md §11.1): Vivaldi network coordinates of nodes.
import { createRoute, z } from '@hono/zod-openapi';
import { CommonQuery, commonErrors, jsonContent, QueryMetaHeaders, ReadQuery } from '../schemas/common.ts';
import { CoordinateSchema } from '../schemas/agent.ts';

const NodeCoordinateSchema = z.object({ Node: z.string(), Segment: z.string(), Coord: CoordinateSchema }).openapi('NodeCoordinate');
const read = (description: string, schema: z.ZodType) => ({ ...jsonContent(schema, description), headers: QueryMetaHeaders });
const segment = z.object({ segment: z.string().optional().openapi({ description: 'Network segment ("" is the default).' }) });

export const datacenters = createRoute({
  method: 'get',
  path: '/coordinate/datacenters',
  tags: ['coordinate'],
  summary: 'WAN coordinates of the servers of each datacenter',
  request: { query: CommonQuery },
  responses: {
    200: jsonContent(z.array(z.object({ Datacenter: z.string(), AreaID: z.string(), Coordinates: z.array(NodeCoordinateSchema) })), 'One entry for this datacenter.'),
    ...commonErrors,
  },
});
export type DatacentersRoute = typeof datacenters;

export const nodes = createRoute({
  method: 'get',
  path: '/coordinate/nodes',
  tags: ['coordinate'],
  summary: 'LAN coordinates of every node (blocking)',
  request: { query: ReadQuery.extend(segment.shape) },
  responses: { 200: read('Sorted by node; [] when none.', z.array(NodeCoordinateSchema)), ...commonErrors },
});
export type NodesRoute = typeof nodes;

export const node = createRoute({
  method: 'get',
  path: '/coordinate/node/{node{.*}}',
  tags: ['coordinate'],
  summary: "A node's coordinates (blocking)",
  request: { params: z.object({ node: z.string() }), query: ReadQuery.extend(segment.shape) },
  responses: { 200: read('One element per segment.', z.array(NodeCoordinateSchema)), 404: { description: 'No coordinate for that node (empty body).', headers: QueryMetaHeaders }, ...commonErrors },
});
export type NodeRoute = typeof node;

export const update = createRoute({
  method: 'put',
  path: '/coordinate/update',
  tags: ['coordinate'],
  summary: "Set a node's coordinate",
  request: { query: CommonQuery, body: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CoordinateUpdateRequest' } } } } },
  responses: { 200: { description: 'Stored (empty body); updates for unknown nodes are dropped.' }, ...commonErrors },
});
export type UpdateRoute = typeof update;
