// Errors → Consul's answers. Handlers throw HttpError for the statuses Consul chooses on
// purpose; the typed errors Services rejects with become Consul's 500 texts; anything else is
// a 500 whose body is the error text, as Consul passes RPC errors through verbatim.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { HttpError } from '../lib/errors.ts';
import { TEXT } from '../lib/respond.ts';
import { NoClusterLeaderError, NotReadyForConsistentReadsError } from '../services.ts';
import { NOT_AN_API_ENDPOINT, NOT_UNDER_V1 } from './consul-mux.ts';

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof HttpError) {
    return c.body(err.body, err.status, { 'Content-Type': TEXT, ...err.headers });
  }
  if (err instanceof NoClusterLeaderError || err instanceof NotReadyForConsistentReadsError) {
    return c.body(err.message, 500, { 'Content-Type': TEXT });
  }
  c.get('services')?.reportError(err, { method: c.req.method, path: c.req.path });
  return c.body(err.message, 500, { 'Content-Type': TEXT });
};

/** Only reached if Hono's router and the endpoint table disagree; answer as Consul would. */
export const notFound: NotFoundHandler<AppEnv> = (c: Context<AppEnv>) =>
  c.body(c.req.path.includes('/v1/') ? NOT_AN_API_ENDPOINT : NOT_UNDER_V1, 404, { 'Content-Type': TEXT });
