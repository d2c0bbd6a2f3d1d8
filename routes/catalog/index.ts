import { createRouter } from '../create-router.ts';
import * as handlers from './catalog.handlers.ts';
import * as routes from './catalog.routes.ts';
import { CatalogDeregisterBodySchema, CatalogRegisterBodySchema } from './register.ts';

const router = createRouter();
// Bodies are decoded by the handlers (Go's case-insensitive decoding, size limits), so the
// routes refer to their schemas by $ref and the schemas are registered here for the document.
router.openAPIRegistry.register('CatalogRegisterRequest', CatalogRegisterBodySchema);
router.openAPIRegistry.register('CatalogDeregisterRequest', CatalogDeregisterBodySchema);

export const catalogRouter = router
  .openapi(routes.register, handlers.register)
  .openapi(routes.deregister, handlers.deregister)
  .openapi(routes.datacenters, handlers.datacenters)
  .openapi(routes.nodes, handlers.nodes)
  .openapi(routes.services, handlers.services)
  .openapi(routes.service, handlers.service)
  .openapi(routes.connect, handlers.connect)
  .openapi(routes.node, handlers.node)
  .openapi(routes.nodeServices, handlers.nodeServices)
  .openapi(routes.gatewayServices, handlers.gatewayServices);
