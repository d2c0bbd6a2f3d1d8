import { createRouter } from '../create-router.ts';
import { AutopilotConfigBodySchema } from '../schemas/operator.ts';
import * as handlers from './operator.handlers.ts';
import * as routes from './operator.routes.ts';

const router = createRouter();
// The PUT body is decoded by the handler (Go's case-insensitive decoding and duration rules),
// so the route refers to the schema by $ref and the schema is registered here.
router.openAPIRegistry.register('AutopilotConfigurationRequest', AutopilotConfigBodySchema);

export const operatorRouter = router
  .openapi(routes.raftConfiguration, handlers.raftConfiguration)
  .openapi(routes.raftPeer, handlers.raftPeer)
  .openapi(routes.transferLeader, handlers.transferLeader)
  .openapi(routes.autopilotGet, handlers.autopilotGet)
  .openapi(routes.autopilotPut, handlers.autopilotPut)
  .openapi(routes.autopilotHealth, handlers.autopilotHealth)
  .openapi(routes.autopilotState, handlers.autopilotState)
  .openapi(routes.usage, handlers.usage);
