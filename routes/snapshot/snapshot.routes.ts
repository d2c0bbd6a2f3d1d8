// /v1/snapshot (consul-api.md §9): save the whole state as Consul's archive (gzip'd tar of
// meta.json, state.bin, SHA256SUMS) and restore one through Raft.
import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, CommonQuery, QueryMetaHeaders, ReadQuery } from '../schemas/common.ts';

const archive = z.string().openapi({ type: 'string', format: 'binary' });

export const save = createRoute({
  method: 'get',
  path: '/snapshot',
  tags: ['snapshot'],
  summary: 'Save a snapshot of the whole state (on the leader unless ?stale)',
  request: { query: ReadQuery },
  responses: {
    200: {
      description: 'The archive, streamed. X-Consul-Index is the Raft index it was taken at.',
      headers: QueryMetaHeaders.pick({ 'X-Consul-Index': true, 'X-Consul-KnownLeader': true, 'X-Consul-LastContact': true }),
      content: { 'application/x-gzip': { schema: archive } },
    },
    ...commonErrors,
  },
});
export type SaveRoute = typeof save;

export const restore = createRoute({
  method: 'put',
  path: '/snapshot',
  tags: ['snapshot'],
  summary: 'Restore a snapshot archive through Raft, replacing the whole state on every server',
  request: {
    query: CommonQuery,
    body: { required: true, description: 'The archive as raw bytes (not form-encoded).', content: { 'application/octet-stream': { schema: archive } } },
  },
  responses: { 200: { description: 'Restored; empty body.' }, ...commonErrors },
});
export type RestoreRoute = typeof restore;
