// Every domain router is an OpenAPIHono with the shared defaultHook, so a request that fails
// a route's zod schema gets Consul's 400 text instead of zod-openapi's JSON error.
import { OpenAPIHono, type Hook, type RouteConfig, type RouteHandler, type z } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { TEXT } from './lib/respond.ts';

/** One line naming the first problem, in Go's "Request decode failed: …" style. */
function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid request';
  const where = issue.path.map(String).join('.');
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

// zod-openapi's Hook is generic over the route's input; the hook only reads the outcome.
export const defaultHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) return c.body(`Request decode failed: ${describe(result.error)}`, 400, { 'Content-Type': TEXT });
  return undefined;
};

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook });
}

/** A handler typed from its route, with the app's context variables. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
