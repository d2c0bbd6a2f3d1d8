// /v1/operator/* (consul-api.md §10): the Raft configuration and membership, leadership
// transfer, autopilot configuration, health and state, and usage.
import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, CommonQuery, jsonContent, QueryMetaHeaders, ReadQuery } from '../schemas/common.ts';
import {
  AutopilotConfigSchema,
  AutopilotHealthSchema,
  AutopilotStateSchema,
  RaftConfigurationSchema,
  TransferLeaderSchema,
  UsageSchema,
} from '../schemas/operator.ts';

const param = (description: string) => z.string().optional().openapi({ description });

export const raftConfiguration = createRoute({
  method: 'get',
  path: '/operator/raft/configuration',
  tags: ['operator'],
  summary: 'The Raft configuration (asked of the leader unless ?stale)',
  request: { query: ReadQuery },
  responses: { 200: jsonContent(RaftConfigurationSchema, 'Every server with its role and last log index.'), ...commonErrors },
});
export type RaftConfigurationRoute = typeof raftConfiguration;

export const raftPeer = createRoute({
  method: 'delete',
  path: '/operator/raft/peer',
  tags: ['operator'],
  summary: 'Remove a server from the Raft configuration',
  request: {
    query: CommonQuery.extend({
      id: param("The server's ID."),
      address: param('The server\'s cluster address "ip:port".'),
    }),
  },
  responses: { 200: { description: 'Removed; empty body.' }, ...commonErrors },
});
export type RaftPeerRoute = typeof raftPeer;

export const transferLeader = createRoute({
  method: 'post',
  path: '/operator/raft/transfer-leader',
  tags: ['operator'],
  summary: 'Hand Raft leadership to another voter',
  request: { query: CommonQuery.extend({ id: param('The target server\'s ID; the most up-to-date voter when absent.') }) },
  responses: { 200: jsonContent(TransferLeaderSchema, 'The transfer completed.'), ...commonErrors },
});
export type TransferLeaderRoute = typeof transferLeader;

export const autopilotGet = createRoute({
  method: 'get',
  path: '/operator/autopilot/configuration',
  tags: ['operator'],
  summary: 'The autopilot configuration',
  request: { query: ReadQuery },
  responses: { 200: jsonContent(AutopilotConfigSchema, 'The replicated configuration.'), ...commonErrors },
});
export type AutopilotGetRoute = typeof autopilotGet;

export const autopilotPut = createRoute({
  method: 'put',
  path: '/operator/autopilot/configuration',
  tags: ['operator'],
  summary: 'Set the autopilot configuration (optionally check-and-set)',
  request: {
    query: CommonQuery.extend({ cas: param('Write only if the stored ModifyIndex equals this (uint64).') }),
    body: {
      required: true,
      description: 'api.AutopilotConfiguration; keys match case-insensitively, durations are strings or nanoseconds.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AutopilotConfigurationRequest' } } },
    },
  },
  responses: { 200: jsonContent(z.boolean(), 'true when written (always true without ?cas).'), ...commonErrors },
});
export type AutopilotPutRoute = typeof autopilotPut;

export const autopilotHealth = createRoute({
  method: 'get',
  path: '/operator/autopilot/health',
  tags: ['operator'],
  summary: "Every server's health as the leader's autopilot sees it",
  request: { query: ReadQuery },
  responses: {
    200: jsonContent(AutopilotHealthSchema, 'The cluster is healthy.'),
    429: jsonContent(AutopilotHealthSchema, 'The cluster is not healthy (same body).'),
    ...commonErrors,
  },
});
export type AutopilotHealthRoute = typeof autopilotHealth;

export const autopilotState = createRoute({
  method: 'get',
  path: '/operator/autopilot/state',
  tags: ['operator'],
  summary: "The leader's autopilot state",
  request: { query: ReadQuery },
  responses: { 200: jsonContent(AutopilotStateSchema, 'Servers by ID with their autopilot status.'), ...commonErrors },
});
export type AutopilotStateRoute = typeof autopilotState;

export const usage = createRoute({
  method: 'get',
  path: '/operator/usage',
  tags: ['operator'],
  summary: 'Service and instance counts (blocking)',
  request: { query: ReadQuery.extend({ global: param('Accepted; a single datacenter answers for itself.') }) },
  responses: { 200: { ...jsonContent(UsageSchema, 'Counts for this datacenter, with the query meta in the body.'), headers: QueryMetaHeaders }, ...commonErrors },
});
export type UsageRoute = typeof usage;
