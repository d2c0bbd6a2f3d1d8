// GET /v1/status/leader and /v1/status/peers (consul-api.md §7): the Raft leader's and the
// Raft peers' cluster addresses. Not blocking, no index headers; clients use them as probes.
import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, jsonContent, ReadQuery } from '../schemas/common.ts';

export const leader = createRoute({
  method: 'get',
  path: '/status/leader',
  tags: ['status'],
  summary: "The Raft leader's cluster address",
  request: { query: ReadQuery },
  responses: {
    200: jsonContent(z.string().openapi({ example: '127.0.0.1:8300' }), 'The leader\'s "ip:port", or "" when there is none.'),
    ...commonErrors,
  },
});
export type LeaderRoute = typeof leader;

export const peers = createRoute({
  method: 'get',
  path: '/status/peers',
  tags: ['status'],
  summary: 'Cluster addresses of the Raft peers',
  request: { query: ReadQuery },
  responses: {
    200: jsonContent(z.array(z.string()).openapi({ example: ['127.0.0.1:8300'] }), 'Addresses of every server in the Raft configuration.'),
    ...commonErrors,
  },
});
export type PeersRoute = typeof peers;
