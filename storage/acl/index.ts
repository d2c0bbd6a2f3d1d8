// Cairn's ACL policy engine: parse rules texts (HCL or JSON), compile a token's policies into an
// authorizer, ask it questions, and phrase refusals the way Consul does. Pure: no IO, no clock.

export { parsePolicyRules, type ParseRulesResult } from './parse.ts';
export {
  emptyRules,
  GLOBAL_RESOURCES,
  NAMED_RESOURCES,
  type AccessLevel,
  type GlobalResource,
  type Grant,
  type NamedResource,
  type PolicyRules,
  type Resource,
  type Rule,
  type RuleListKey,
  type ServiceRule,
} from './types.ts';
export { mergePolicies } from './merge.ts';
export { Authorizer, compileAuthorizer, staticAuthorizer, type AuthorizerInput, type StaticKind } from './authorizer.ts';
export { ALL_CHECKS, CHECKS, checkFor, type Check, type CheckLookup, type GlobalCheck, type NamedCheck } from './checks.ts';
export {
  ANONYMOUS_ACCESSOR_ID,
  formatPermissionDenied,
  PERMISSION_DENIED,
  permissionDeniedBecause,
  type DeniedPermission,
} from './permission-denied.ts';
export {
  builtinPolicyRules,
  GLOBAL_MANAGEMENT_POLICY_DESCRIPTION,
  GLOBAL_MANAGEMENT_POLICY_ID,
  GLOBAL_MANAGEMENT_POLICY_NAME,
  GLOBAL_MANAGEMENT_RULES,
  GLOBAL_READ_ONLY_POLICY_DESCRIPTION,
  GLOBAL_READ_ONLY_POLICY_ID,
  GLOBAL_READ_ONLY_POLICY_NAME,
  GLOBAL_READ_ONLY_RULES,
  nodeIdentityRules,
  serviceIdentityRules,
} from './builtins.ts';
