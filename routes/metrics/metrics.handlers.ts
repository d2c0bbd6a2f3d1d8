// /v1/agent/metrics: JSON unless Prometheus is asked for, by ?format=prometheus or by an
// Accept header naming the Prometheus text format or OpenMetrics (what a scraper sends).
import type { Context } from 'hono';
import { requireAcl } from '../acl/enforce.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { internalError } from '../lib/errors.ts';
import { sendJson } from '../lib/respond.ts';
import type { ExpositionFormat, MetricsServices, MetricsSummary } from './metrics-services.ts';
import type { MetricsRoute } from './metrics.routes.ts';

function metricsServices(c: Context<AppEnv>): MetricsServices {
  const metrics = c.var.services.metrics;
  if (metrics === undefined) throw internalError('metrics are not available on this server');
  return metrics;
}

/** The exposition a request asks for, or null for Consul's JSON. */
export function requestedExposition(format: string | undefined, accept: string | undefined): ExpositionFormat | null {
  const a = (accept ?? '').toLowerCase();
  if (a.includes('application/openmetrics-text')) return 'openmetrics';
  if (format === 'prometheus') return 'prometheus';
  return /text\/plain;\s*version=0\.(0\.4|4\.0)/.test(a) ? 'prometheus' : null;
}

export const metrics: AppRouteHandler<MetricsRoute> = async (c) => {
  requireAcl(c, 'agentRead', c.var.services.info.nodeName);
  const exposition = requestedExposition(c.req.query('format'), c.req.header('accept'));
  const services = metricsServices(c);
  if (exposition === null) return sendJson(c, await services.summary());
  const { contentType, body } = await services.exposition(exposition);
  // The text exposition is the route's text/plain alternative, outside the JSON typing.
  return c.body(body, 200, { 'Content-Type': contentType }) as unknown as Awaited<ReturnType<typeof sendJson<MetricsSummary>>>;
};
