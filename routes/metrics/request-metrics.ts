// HTTP request metrics (Consul's consul.api.http): every request's duration by route pattern,
// method and status, and the number of blocking queries (GETs with ?index) in flight.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

/** Route pattern → label; bounded by the number of routes the app defines. */
const labels = new Map<string, string>();

/**
 * The matched endpoint's pattern as a label, parameters as "_" ("/v1/kv/:key{.*}" → "/v1/kv/_");
 * "unmatched" when only middleware ran (404, 405, redirects).
 */
export function routeLabel(matched: readonly { readonly path: string }[]): string {
  let route: string | undefined;
  for (let i = matched.length - 1; i >= 0 && route === undefined; i--) {
    const path = matched[i]!.path;
    if (path !== '/*' && path !== '*') route = path;
  }
  if (route === undefined) return 'unmatched';
  let label = labels.get(route);
  if (label === undefined) {
    label = route.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, '_');
    labels.set(route, label);
  }
  return label;
}

/** ?index= present and non-empty (the URL is parsed only when it could be). */
function isBlocking(url: string): boolean {
  return url.includes('index=') && (new URL(url).searchParams.get('index') ?? '') !== '';
}

export const requestMetrics = createMiddleware<AppEnv>(async (c, next) => {
  const metrics = c.get('services').metrics;
  if (metrics === undefined) return next();
  const started = performance.now();
  const blocking = c.req.method === 'GET' && isBlocking(c.req.url);
  const done = blocking ? metrics.blockingQueryStarted() : undefined;
  try {
    await next();
  } finally {
    done?.();
    metrics.observeRequest(routeLabel(c.req.matchedRoutes), c.req.method, c.res.status, (performance.now() - started) / 1000);
  }
});
