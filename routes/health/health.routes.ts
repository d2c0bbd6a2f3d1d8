// /v1/health/* (consul-api.md §5.5). Names and states are the rest of the path.
import { createRoute, z } from '@hono/zod-openapi';
import { FilterQuery, NearQuery, NodeMetaQuery, TagQuery } from '../catalog/catalog.routes.ts';
import { commonErrors, jsonContent, QueryMetaHeaders, ReadQuery } from '../schemas/common.ts';
import { CheckServiceNodeSchema, HealthCheckSchema } from '../schemas/catalog.ts';

const read = (description: string, schema: z.ZodType) => ({ ...jsonContent(schema, description), headers: QueryMetaHeaders });
const PassingQuery = z.object({
  passing: z.string().optional().openapi({ description: 'Only instances whose every check passes; empty value = true, else Go ParseBool.' }),
});
const serviceParams = z.object({ service: z.string().openapi({ description: 'Service name.' }) });
const instanceQuery = ReadQuery.extend(FilterQuery.shape).extend(NodeMetaQuery.shape).extend(NearQuery.shape).extend(TagQuery.shape).extend(PassingQuery.shape);

export const node = createRoute({
  method: 'get',
  path: '/health/node/{node{.*}}',
  tags: ['health'],
  summary: "A node's checks (blocking)",
  request: { params: z.object({ node: z.string() }), query: ReadQuery.extend(FilterQuery.shape) },
  responses: { 200: read('HealthChecks; [] for an unknown node.', z.array(HealthCheckSchema)), ...commonErrors },
});
export type NodeRoute = typeof node;

export const checks = createRoute({
  method: 'get',
  path: '/health/checks/{service{.*}}',
  tags: ['health'],
  summary: "A service's checks (blocking)",
  request: { params: serviceParams, query: ReadQuery.extend(FilterQuery.shape).extend(NodeMetaQuery.shape).extend(NearQuery.shape) },
  responses: { 200: read('HealthChecks of the service\'s instances.', z.array(HealthCheckSchema)), ...commonErrors },
});
export type ChecksRoute = typeof checks;

const instances = (path: string, summary: string) =>
  createRoute({
    method: 'get',
    path,
    tags: ['health'],
    summary,
    request: { params: serviceParams, query: instanceQuery },
    responses: { 200: read('CheckServiceNodes; [] when none.', z.array(CheckServiceNodeSchema)), ...commonErrors },
  });

export const service = instances('/health/service/{service{.*}}', 'Instances of a service with their checks (blocking)');
export type ServiceRoute = typeof service;
export const connect = instances('/health/connect/{service{.*}}', 'Connect-capable instances with their checks (blocking)');
export type ConnectRoute = typeof connect;
export const ingress = instances('/health/ingress/{service{.*}}', 'Ingress gateway instances with their checks (blocking)');
export type IngressRoute = typeof ingress;

export const state = createRoute({
  method: 'get',
  path: '/health/state/{state{.*}}',
  tags: ['health'],
  summary: 'Checks in a state (blocking)',
  request: {
    params: z.object({ state: z.string().openapi({ description: 'passing, warning, critical, maintenance or any.' }) }),
    query: ReadQuery.extend(FilterQuery.shape).extend(NodeMetaQuery.shape).extend(NearQuery.shape),
  },
  responses: { 200: read('HealthChecks in that state.', z.array(HealthCheckSchema)), ...commonErrors },
});
export type StateRoute = typeof state;
