import { createRouter } from '../create-router.ts';
import { SessionCreateBodySchema } from '../schemas/session.ts';
import * as handlers from './session.handlers.ts';
import * as routes from './session.routes.ts';

const router = createRouter();
// The create body is validated by the handler (Go's case-insensitive decoding), so the route
// refers to the schema by $ref and the schema is registered here for the document.
router.openAPIRegistry.register('SessionCreateRequest', SessionCreateBodySchema);

export const sessionRouter = router
  .openapi(routes.create, handlers.create)
  .openapi(routes.destroy, handlers.destroy)
  .openapi(routes.renew, handlers.renew)
  .openapi(routes.info, handlers.info)
  .openapi(routes.node, handlers.node)
  .openapi(routes.list, handlers.list);
