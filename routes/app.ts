// The HTTP API: an OpenAPIHono root with Consul's routing quirks in front, the domain routers
// under /v1, Consul's error model behind, and the OpenAPI 3.1 document of every route at
// /openapi.json (outside /v1/, so no Consul client can collide with it).
//
// Middleware order (each needs the one before):
//   services → request metrics → consul-mux (400/301/404, ACL policy header, OPTIONS/405) →
//   query options → ACL context (lazy: handlers resolve the token when they check) → route
import { OpenAPIHono } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { defaultHook } from './create-router.ts';
import type { AppEnv } from './env.ts';
import { EndpointTable } from './lib/endpoint-table.ts';
import { sendJson } from './lib/respond.ts';
import { consulMux } from './middleware/consul-mux.ts';
import { onError, notFound } from './middleware/errors.ts';
import { queryOptions } from './middleware/query-options.ts';
import { aclContext } from './middleware/acl.ts';
import { aclRouter } from './acl/index.ts';
import { agentRouter } from './agent/index.ts';
import { catalogRouter } from './catalog/index.ts';
import { coordinateRouter } from './coordinate/index.ts';
import { eventRouter } from './event/index.ts';
import { healthRouter } from './health/index.ts';
import { kvRouter } from './kv/index.ts';
import { metricsRouter } from './metrics/index.ts';
import { requestMetrics } from './metrics/request-metrics.ts';
import { operatorRouter } from './operator/index.ts';
import { sessionRouter } from './session/index.ts';
import { snapshotRouter } from './snapshot/index.ts';
import { statusRouter } from './status/index.ts';
import { txnRouter } from './txn/index.ts';
import type { Services } from './services.ts';

export const OPENAPI_PATH = '/openapi.json';

/** The OpenAPI 3.1 document, with Hono's regex parameters ({key{.*}}) shown as plain {key}. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, version: string): Record<string, unknown> {
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Cairn — Consul-compatible HTTP API',
      version,
      description: "Consul's /v1 HTTP API as served by Cairn: same paths, parameters, JSON and plain-text errors.",
    },
  });
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) paths[path.replace(/\{(\w+)\{[^}]*\}\}/g, '{$1}')] = item;
  return { ...doc, paths };
}

export function createApp(services: Services): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  let table: EndpointTable | null = null;
  const endpoints = (): EndpointTable => {
    if (table === null) throw new Error('createApp: request served before the endpoint table was built');
    return table;
  };

  app.use('*', createMiddleware<AppEnv>(async (c, next) => {
    c.set('services', services);
    await next();
  }));
  app.use('*', requestMetrics);
  // acl.default_policy on every response; "allow" when ACLs are disabled (everything is allowed).
  app.use('*', consulMux(endpoints, () => services.acl?.defaultPolicy ?? 'allow'));
  app.use('*', queryOptions);
  app.use('*', aclContext);

  app.route('/v1', kvRouter);
  app.route('/v1', sessionRouter);
  app.route('/v1', txnRouter);
  app.route('/v1', aclRouter);
  app.route('/v1', statusRouter);
  app.route('/v1', catalogRouter);
  app.route('/v1', healthRouter);
  app.route('/v1', agentRouter);
  app.route('/v1', eventRouter);
  app.route('/v1', coordinateRouter);
  app.route('/v1', snapshotRouter);
  app.route('/v1', operatorRouter);
  app.route('/v1', metricsRouter);
  app.get(OPENAPI_PATH, (c) => sendJson(c, openApiDocument(app, services.info.version)));

  app.onError(onError);
  app.notFound(notFound);
  table = new EndpointTable(app.routes);
  return app;
}
