// GET /v1/agent/metrics (consul-api.md §6.5): Consul's JSON summary, or the Prometheus text
// exposition with ?format=prometheus or an Accept header asking for it (or for OpenMetrics).
import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, CommonQuery, jsonContent } from '../schemas/common.ts';

const Labels = z.record(z.string(), z.string());
const Sampled = z.object({
  Name: z.string(),
  Count: z.number(),
  Rate: z.number(),
  Sum: z.number(),
  Min: z.number(),
  Max: z.number(),
  Mean: z.number(),
  Stddev: z.number(),
  Labels,
});

export const MetricsSummarySchema = z
  .object({
    Timestamp: z.string().openapi({ example: '2017-08-08 02:55:10 +0000 UTC' }),
    Gauges: z.array(z.object({ Name: z.string(), Value: z.number(), Labels })),
    Points: z.array(z.unknown()),
    Counters: z.array(Sampled),
    Samples: z.array(Sampled),
  })
  .openapi('MetricsSummary');

export const metrics = createRoute({
  method: 'get',
  path: '/agent/metrics',
  tags: ['agent'],
  summary: "This server's metrics",
  request: {
    query: CommonQuery.extend({
      format: z.string().optional().openapi({ description: '"prometheus" for the text exposition format.' }),
    }),
  },
  responses: {
    200: {
      ...jsonContent(MetricsSummarySchema, 'Gauges, counters and samples (names as Consul\'s, dotted).'),
      content: {
        'application/json': { schema: MetricsSummarySchema },
        'text/plain': { schema: z.string().openapi({ description: 'Prometheus text format 0.0.4 (or OpenMetrics when asked for).' }) },
      },
    },
    ...commonErrors,
  },
});
export type MetricsRoute = typeof metrics;
