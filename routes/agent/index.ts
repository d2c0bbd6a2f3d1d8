import { createRouter } from '../create-router.ts';
import * as handlers from './agent.handlers.ts';
import * as routes from './agent.routes.ts';
import { CheckDefinitionBodySchema, ServiceDefinitionBodySchema } from './definitions.ts';
import { CheckUpdateBodySchema } from './health.ts';

const router = createRouter();
// Bodies are decoded by the handlers (snake_case aliases, Go's case-insensitive decoding), so
// the routes refer to their schemas by $ref and the schemas are registered here.
router.openAPIRegistry.register('AgentServiceRegistration', ServiceDefinitionBodySchema);
router.openAPIRegistry.register('AgentCheckRegistration', CheckDefinitionBodySchema);
router.openAPIRegistry.register('AgentCheckUpdate', CheckUpdateBodySchema);

export const agentRouter = router
  .openapi(routes.self, handlers.self)
  .openapi(routes.members, handlers.members)
  .openapi(routes.host, handlers.host)
  .openapi(routes.version, handlers.version)
  .openapi(routes.reload, handlers.reload)
  .openapi(routes.maintenance, handlers.maintenance)
  .openapi(routes.join, handlers.join)
  .openapi(routes.leave, handlers.leave)
  .openapi(routes.forceLeave, handlers.forceLeave)
  .openapi(routes.services, handlers.services)
  .openapi(routes.registerService, handlers.registerService)
  .openapi(routes.deregisterService, handlers.deregisterService)
  .openapi(routes.serviceMaintenance, handlers.serviceMaintenance)
  .openapi(routes.service, handlers.service)
  .openapi(routes.healthById, handlers.healthById)
  .openapi(routes.healthByName, handlers.healthByName)
  .openapi(routes.checks, handlers.checks)
  .openapi(routes.registerCheck, handlers.registerCheck)
  .openapi(routes.deregisterCheck, handlers.deregisterCheck)
  .openapi(routes.passCheck, handlers.passCheck)
  .openapi(routes.warnCheck, handlers.warnCheck)
  .openapi(routes.failCheck, handlers.failCheck)
  .openapi(routes.updateCheck, handlers.updateCheck)
  .openapi(routes.token, handlers.token);
