// /v1/event/* (consul-api.md §11.2): fire a user event, list the recent ones (blocking on a
// uuid-derived index).
import { createRoute, z } from '@hono/zod-openapi';
import { CommonQuery, commonErrors, jsonContent, ReadQuery } from '../schemas/common.ts';
import { UserEventSchema } from '../schemas/event.ts';

const param = (description: string) => z.string().optional().openapi({ description });

export const fire = createRoute({
  method: 'put',
  path: '/event/fire/{name{.*}}',
  tags: ['event'],
  summary: 'Fire a user event',
  request: {
    params: z.object({ name: z.string().openapi({ description: 'Event name.' }) }),
    query: CommonQuery.extend({
      node: param('Regexp: only agents whose node name matches process it.'),
      service: param('Regexp: only agents with a matching service process it.'),
      tag: param('Regexp on the matching services\' tags (needs service).'),
    }),
    body: { description: 'Opaque payload (read when Content-Length > 0).', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
  },
  responses: { 200: jsonContent(UserEventSchema, 'The event as fired (LTime 0).'), ...commonErrors },
});
export type FireRoute = typeof fire;

export const list = createRoute({
  method: 'get',
  path: '/event/list',
  tags: ['event'],
  summary: 'Recent user events this agent processed (blocking)',
  request: { query: ReadQuery.extend({ name: param('Only events of this name.') }) },
  responses: {
    200: { ...jsonContent(z.array(UserEventSchema), 'Oldest first, at most 256.'), headers: z.object({ 'X-Consul-Index': z.string().openapi({ description: 'XOR of the halves of the last event\'s UUID, or 1.' }) }) },
    ...commonErrors,
  },
});
export type ListRoute = typeof list;
