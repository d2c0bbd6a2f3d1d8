// /v1/session/* (consul-api.md §3). IDs and node names are the rest of the path.
import { createRoute, z } from '@hono/zod-openapi';
import { CommonQuery, commonErrors, jsonContent, notFoundText, QueryMetaHeaders, ReadQuery } from '../schemas/common.ts';
import { SessionCreatedSchema, SessionSchema } from '../schemas/session.ts';

const IdParam = z.object({ id: z.string().openapi({ description: 'Session ID (UUID).' }) });
const sessions = (description: string) => ({ ...jsonContent(z.array(SessionSchema), description), headers: QueryMetaHeaders });

export const create = createRoute({
  method: 'put',
  path: '/session/create',
  tags: ['session'],
  summary: 'Create a session',
  request: {
    query: CommonQuery,
    body: {
      description: 'Optional (read only when Content-Length > 0); keys match case-insensitively.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/SessionCreateRequest' } } },
    },
  },
  responses: { 200: jsonContent(SessionCreatedSchema, 'The new session\'s ID.'), ...commonErrors },
});
export type CreateRoute = typeof create;

export const destroy = createRoute({
  method: 'put',
  path: '/session/destroy/{id{.*}}',
  tags: ['session'],
  summary: 'Destroy a session (idempotent)',
  request: { params: IdParam, query: CommonQuery },
  responses: { 200: jsonContent(z.boolean(), 'Always true.'), ...commonErrors },
});
export type DestroyRoute = typeof destroy;

export const renew = createRoute({
  method: 'put',
  path: '/session/renew/{id{.*}}',
  tags: ['session'],
  summary: "Reset a session's TTL timer",
  request: { params: IdParam, query: ReadQuery },
  responses: {
    200: jsonContent(z.array(SessionSchema), 'The renewed session (an array of one).'),
    404: notFoundText("Session id '⟨id⟩' not found"),
    ...commonErrors,
  },
});
export type RenewRoute = typeof renew;

export const info = createRoute({
  method: 'get',
  path: '/session/info/{id{.*}}',
  tags: ['session'],
  summary: 'Read a session (blocking)',
  request: { params: IdParam, query: ReadQuery },
  responses: { 200: sessions('An array of one session, or [] when unknown.'), ...commonErrors },
});
export type InfoRoute = typeof info;

export const node = createRoute({
  method: 'get',
  path: '/session/node/{node{.*}}',
  tags: ['session'],
  summary: "A node's sessions (blocking)",
  request: { params: z.object({ node: z.string().openapi({ description: 'Node name.' }) }), query: ReadQuery },
  responses: { 200: sessions('Sessions of the node (always an array).'), ...commonErrors },
});
export type NodeRoute = typeof node;

export const list = createRoute({
  method: 'get',
  path: '/session/list',
  tags: ['session'],
  summary: 'All sessions, sorted by ID (blocking)',
  request: { query: ReadQuery },
  responses: { 200: sessions('Every session (always an array).'), ...commonErrors },
});
export type ListRoute = typeof list;
