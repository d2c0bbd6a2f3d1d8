// /v1/catalog/* (consul-api.md §5.2–5.4). Names are the rest of the path.
import { createRoute, z } from '@hono/zod-openapi';
import { CommonQuery, commonErrors, jsonContent, QueryMetaHeaders, ReadQuery } from '../schemas/common.ts';
import { NodeSchema, NodeServiceListSchema, NodeServicesSchema, ServiceNodeSchema } from '../schemas/catalog.ts';

const param = (description: string) => z.string().optional().openapi({ description });
/** A repeatable parameter: Hono's validator hands repeated values over as an array. */
const repeatable = (description: string) => z.union([z.string(), z.array(z.string())]).optional().openapi({ description });

/** Parameters of the filtered catalog and health reads. */
export const FilterQuery = z.object({
  filter: param('go-bexpr expression evaluated against each result element.'),
});
export const NodeMetaQuery = z.object({
  'node-meta': repeatable('key:value; repeatable, all must match.'),
});
export const NearQuery = z.object({
  near: param('Sort by estimated round-trip time from this node; _agent means this server.'),
});
export const TagQuery = z.object({ tag: repeatable('Service tag; repeatable, all must match (case-insensitive).') });

const read = (description: string, schema: z.ZodType) => ({ ...jsonContent(schema, description), headers: QueryMetaHeaders });
const body = (ref: string, description: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

export const register = createRoute({
  method: 'put',
  path: '/catalog/register',
  tags: ['catalog'],
  summary: 'Register a node, service or check',
  request: { query: CommonQuery, body: body('CatalogRegisterRequest', 'RegisterRequest; keys match case-insensitively.') },
  responses: { 200: jsonContent(z.boolean(), 'Always true.'), ...commonErrors },
});
export type RegisterRoute = typeof register;

export const deregister = createRoute({
  method: 'put',
  path: '/catalog/deregister',
  tags: ['catalog'],
  summary: 'Deregister a node, service or check',
  request: { query: CommonQuery, body: body('CatalogDeregisterRequest', 'ServiceID, then CheckID, then the whole node.') },
  responses: { 200: jsonContent(z.boolean(), 'Always true.'), ...commonErrors },
});
export type DeregisterRoute = typeof deregister;

export const datacenters = createRoute({
  method: 'get',
  path: '/catalog/datacenters',
  tags: ['catalog'],
  summary: 'Known datacenters',
  request: { query: CommonQuery },
  responses: { 200: jsonContent(z.array(z.string()), 'This server\'s datacenter.'), ...commonErrors },
});
export type DatacentersRoute = typeof datacenters;

export const nodes = createRoute({
  method: 'get',
  path: '/catalog/nodes',
  tags: ['catalog'],
  summary: 'Nodes (blocking)',
  request: { query: ReadQuery.extend(FilterQuery.shape).extend(NodeMetaQuery.shape).extend(NearQuery.shape) },
  responses: { 200: read('Nodes sorted by name (or by RTT with ?near).', z.array(NodeSchema)), ...commonErrors },
});
export type NodesRoute = typeof nodes;

export const services = createRoute({
  method: 'get',
  path: '/catalog/services',
  tags: ['catalog'],
  summary: 'Service names and their tags (blocking)',
  request: { query: ReadQuery.extend(FilterQuery.shape).extend(NodeMetaQuery.shape) },
  responses: { 200: read('Service name → deduplicated tags.', z.record(z.string(), z.array(z.string()))), ...commonErrors },
});
export type ServicesRoute = typeof services;

const serviceParams = z.object({ service: z.string().openapi({ description: 'Service name.' }) });

export const service = createRoute({
  method: 'get',
  path: '/catalog/service/{service{.*}}',
  tags: ['catalog'],
  summary: 'Instances of a service (blocking)',
  request: { params: serviceParams, query: ReadQuery.extend(FilterQuery.shape).extend(NodeMetaQuery.shape).extend(NearQuery.shape).extend(TagQuery.shape) },
  responses: { 200: read('ServiceNodes; [] when none.', z.array(ServiceNodeSchema)), ...commonErrors },
});
export type ServiceRoute = typeof service;

export const connect = createRoute({
  method: 'get',
  path: '/catalog/connect/{service{.*}}',
  tags: ['catalog'],
  summary: 'Connect-capable instances of a service (blocking)',
  request: { params: serviceParams, query: ReadQuery.extend(FilterQuery.shape).extend(NodeMetaQuery.shape).extend(NearQuery.shape).extend(TagQuery.shape) },
  responses: { 200: read('Connect-native instances; [] when none.', z.array(ServiceNodeSchema)), ...commonErrors },
});
export type ConnectRoute = typeof connect;

const nodeParams = z.object({ node: z.string().openapi({ description: 'Node name.' }) });

export const node = createRoute({
  method: 'get',
  path: '/catalog/node/{node{.*}}',
  tags: ['catalog'],
  summary: "A node and its services (blocking)",
  request: { params: nodeParams, query: ReadQuery.extend(FilterQuery.shape) },
  responses: { 200: read('Node and a map of its services; null for an unknown node.', NodeServicesSchema), ...commonErrors },
});
export type NodeRoute = typeof node;

export const nodeServices = createRoute({
  method: 'get',
  path: '/catalog/node-services/{node{.*}}',
  tags: ['catalog'],
  summary: "A node and its services as a list (blocking)",
  request: { params: nodeParams, query: ReadQuery.extend(FilterQuery.shape) },
  responses: { 200: read('Node (null when unknown) and its services.', NodeServiceListSchema), ...commonErrors },
});
export type NodeServicesRoute = typeof nodeServices;

export const gatewayServices = createRoute({
  method: 'get',
  path: '/catalog/gateway-services/{gateway{.*}}',
  tags: ['catalog'],
  summary: 'Services linked to a gateway (blocking)',
  request: { params: z.object({ gateway: z.string() }), query: ReadQuery },
  responses: { 200: read('Gateway bindings; always [] (no gateway config entries).', z.array(z.record(z.string(), z.unknown()))), ...commonErrors },
});
export type GatewayServicesRoute = typeof gatewayServices;
