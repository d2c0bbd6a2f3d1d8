import { createRouter } from '../create-router.ts';
import * as handlers from './health.handlers.ts';
import * as routes from './health.routes.ts';

export const healthRouter = createRouter()
  .openapi(routes.node, handlers.node)
  .openapi(routes.checks, handlers.checks)
  .openapi(routes.service, handlers.service)
  .openapi(routes.connect, handlers.connect)
  .openapi(routes.ingress, handlers.ingress)
  .openapi(routes.state, handlers.state);
