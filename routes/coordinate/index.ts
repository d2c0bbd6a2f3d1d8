import { createRouter } from '../create-router.ts';
import * as handlers from './coordinate.handlers.ts';
import * as routes from './coordinate.routes.ts';

const router = createRouter();
// The update body is decoded by the handler (Go's case-insensitive decoding, size limit).
router.openAPIRegistry.register('CoordinateUpdateRequest', handlers.CoordinateUpdateBodySchema);

export const coordinateRouter = router
  .openapi(routes.datacenters, handlers.datacenters)
  .openapi(routes.nodes, handlers.nodes)
  .openapi(routes.node, handlers.node)
  .openapi(routes.update, handlers.update);
