import { createRouter } from '../create-router.ts';
import * as routes from './acl.routes.ts';
import * as bootstrap from './bootstrap.handlers.ts';
import * as policy from './policy.handlers.ts';
import * as role from './role.handlers.ts';
import { BootstrapBodySchema, PolicyBodySchema, RoleBodySchema, TokenBodySchema } from './schemas.ts';
import * as token from './token.handlers.ts';

const router = createRouter();
// Bodies are decoded by the handlers (Go's strict decoding), so routes refer to them by $ref.
router.openAPIRegistry.register('ACLTokenRequest', TokenBodySchema);
router.openAPIRegistry.register('ACLPolicyRequest', PolicyBodySchema);
router.openAPIRegistry.register('ACLRoleRequest', RoleBodySchema);
router.openAPIRegistry.register('ACLBootstrapRequest', BootstrapBodySchema);

// Specific paths before the rest-of-path ones they would otherwise fall under, and methods in
// the order Consul lists them in Allow (GET, PUT, DELETE).
export const aclRouter = router
  .openapi(routes.bootstrap, bootstrap.bootstrap)
  .openapi(routes.replication, bootstrap.replication)
  .openapi(routes.tokenCreate, token.create)
  .openapi(routes.tokenSelf, token.self)
  .openapi(routes.tokenRead, token.read)
  .openapi(routes.tokenUpdate, token.update)
  .openapi(routes.tokenDelete, token.del)
  .openapi(routes.tokenList, token.list)
  .openapi(routes.policyCreate, policy.create)
  .openapi(routes.policyByName, policy.byName)
  .openapi(routes.policyRead, policy.read)
  .openapi(routes.policyUpdate, policy.update)
  .openapi(routes.policyDelete, policy.del)
  .openapi(routes.policyList, policy.list)
  .openapi(routes.roleCreate, role.create)
  .openapi(routes.roleByName, role.byName)
  .openapi(routes.roleRead, role.read)
  .openapi(routes.roleUpdate, role.update)
  .openapi(routes.roleDelete, role.del)
  .openapi(routes.roleList, role.list);
