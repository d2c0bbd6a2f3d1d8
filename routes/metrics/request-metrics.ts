// HTTP request metrics (Consul's consul.api.http): every request's duration by route pattern,
// method and status, and the number of blocking queries (GETs with ?index) in flight.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

/**
 * The matched endpoint's pattern as a label, parameters as "_" ("/v1/kv/:key{.*}" → "/v1/kv/_");
 * "unmatched" when only middleware ran (404, 405, redirects).
 */
export function routeLabel(matched: readonly { readonly path: string }[]): string {
  const route = [...matched].reverse().find((r) => r.path !== '/*' && r.path !== '*');
  return route === undefined ? 'unmatched' : route.path.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, '_');
}

export const requestMetrics = createMiddleware<AppEnv>(async (c, next) => {
  const metrics = c.var.services.metrics;
  if (metrics === undefined) return next();
  const started = performance.now();
  const blocking = c.req.method === 'GET' && (new URL(c.req.url).searchParams.get('index') ?? '') !== '';
  const done = blocking ? metrics.blockingQueryStarted() : undefined;
  try {
    await next();
  } finally {
    done?.();
    metrics.observeRequest(routeLabel(c.req.matchedRoutes), c.req.method, c.res.status, (performance.now() - started) / 1000);
  }
});
