// Consul's `?filter=` expressions (go-bexpr v0.1.2): parse, validate against an endpoint's
// element type, evaluate against Consul-shaped JSON. Pure: no IO, no clock, no globals.
import {
  agentServiceSchema,
  checkServiceNodeSchema,
  healthCheckSchema,
  memberSchema,
  nodeSchema,
  nodeServiceSchema,
  serviceNodeSchema,
} from './schemas.ts';
import type { FilterSchema } from './schema.ts';

export { compileFilter, compileFilterExpr, MAX_VALUE_LENGTH, type CompiledFilter } from './compile.ts';
export { parseFilter, MAX_NESTING_DEPTH, type ParseResult } from './parse.ts';
export { printFilter, type FilterExpr, type MatchExpr, type MatchOp } from './ast.ts';
export { goType, type FilterSchema, type FilterType } from './schema.ts';
export {
  agentServiceSchema,
  checkServiceNodeSchema,
  healthCheckSchema,
  memberSchema,
  nodeSchema,
  nodeServiceSchema,
  serviceNodeSchema,
} from './schemas.ts';

/** What Consul puts before every filter error; the answer is a 500 with this + the error. */
export const FILTER_ERROR_PREFIX = 'Failed to create boolean expression evaluator: ';

/** The element schema for each endpoint that accepts ?filter= (consul-api.md §1.11). */
export const FILTER_SCHEMAS = {
  'catalog/nodes': nodeSchema,
  'catalog/services': serviceNodeSchema,
  'catalog/service': serviceNodeSchema,
  'catalog/connect': serviceNodeSchema,
  'catalog/node': nodeServiceSchema,
  'catalog/node-services': nodeServiceSchema,
  'health/node': healthCheckSchema,
  'health/checks': healthCheckSchema,
  'health/state': healthCheckSchema,
  'health/service': checkServiceNodeSchema,
  'health/connect': checkServiceNodeSchema,
  'health/ingress': checkServiceNodeSchema,
  'agent/services': agentServiceSchema,
  'agent/checks': healthCheckSchema,
  'agent/members': memberSchema,
} as const satisfies Readonly<Record<string, FilterSchema>>;

export type FilterEndpoint = keyof typeof FILTER_SCHEMAS;
