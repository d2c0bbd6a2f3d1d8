// /v1/acl/* (consul-api.md §8): bootstrap, tokens, policies, roles and the replication status.
// Registration order matters where ServeMux picks the longer pattern: /acl/token/self before
// /acl/token/{id}, /acl/policy/name/{name} before /acl/policy/{id} (see index.ts).
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import { CommonQuery, commonErrors, jsonContent, notFoundText, QueryMetaHeaders, ReadQuery } from '../schemas/common.ts';
import {
  BootstrapTokenSchema, ExpandedTokenSchema, PolicySchema, PolicyStubSchema, ReplicationSchema, RoleSchema, TokenSchema, TokenStubSchema,
} from './schemas.ts';

const disabled = notFoundText('ACL support disabled (401): ACLs are not enabled on this server.');
const errors = { 401: disabled, ...commonErrors };
const body = (ref: string, description: string) => ({
  required: false,
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const idParam = (name: string, description: string) => z.object({ [name]: z.string().openapi({ description }) });

type Method = 'get' | 'put' | 'delete';

function read<S extends z.ZodType>(path: string, summary: string, schema: S, extra: Partial<RouteConfig['request']> = {}) {
  return createRoute({
    method: 'get' as const,
    path,
    tags: ['acl'],
    summary,
    request: { query: ReadQuery, ...extra },
    responses: {
      200: { description: summary, headers: QueryMetaHeaders, content: { 'application/json': { schema } } },
      404: notFoundText('No such object ("Requested … does not exist: ACL not found").'),
      ...errors,
    },
  });
}

function write<S extends z.ZodType>(method: Method, path: string, summary: string, schema: S, extra: Partial<RouteConfig['request']> = {}) {
  return createRoute({
    method,
    path,
    tags: ['acl'],
    summary,
    request: { query: CommonQuery, ...extra },
    responses: { 200: jsonContent(schema, summary), 404: notFoundText('No such object to delete.'), ...errors },
  });
}

export const bootstrap = write('put', '/acl/bootstrap', 'Create the first management token (once)', BootstrapTokenSchema, {
  body: body('ACLBootstrapRequest', 'Optional: {"BootstrapSecret": "<uuid>"} to choose the SecretID.'),
});
export const replication = read('/acl/replication', 'ACL replication status (single datacenter: never replicating)', ReplicationSchema);

const TokenId = idParam('id', 'AccessorID; PUT …/{id}/clone clones the token.');
export const tokenCreate = write('put', '/acl/token', 'Create a token', TokenSchema, { body: body('ACLTokenRequest', 'The token.') });
export const tokenSelf = read('/acl/token/self', 'The token the request carries', TokenSchema);
export const tokenRead = read('/acl/token/{id{.*}}', 'Read a token by AccessorID (?expanded adds its policies and roles)', z.union([TokenSchema, ExpandedTokenSchema]), {
  params: TokenId,
  query: ReadQuery.extend({ expanded: z.string().optional().openapi({ description: 'Presence flag.' }) }),
});
export const tokenUpdate = write('put', '/acl/token/{id{.*}}', 'Update a token, or clone it (…/clone)', TokenSchema, {
  params: TokenId,
  body: body('ACLTokenRequest', 'The token; AccessorID optional but must match the URL.'),
});
export const tokenDelete = write('delete', '/acl/token/{id{.*}}', 'Delete a token', z.boolean(), { params: TokenId });
export const tokenList = read('/acl/tokens', 'List tokens (stubs)', z.array(TokenStubSchema), {
  query: ReadQuery.extend({
    policy: z.string().optional().openapi({ description: 'Only tokens linking this policy ID.' }),
    role: z.string().optional().openapi({ description: 'Only tokens linking this role ID.' }),
    authmethod: z.string().optional(),
    servicename: z.string().optional().openapi({ description: 'Only tokens with this service identity.' }),
  }),
});

const PolicyId = idParam('id', 'Policy ID.');
export const policyCreate = write('put', '/acl/policy', 'Create a policy', PolicySchema, { body: body('ACLPolicyRequest', 'The policy.') });
export const policyByName = read('/acl/policy/name/{name{.*}}', 'Read a policy by name', PolicySchema, { params: idParam('name', 'Policy name.') });
export const policyRead = read('/acl/policy/{id{.*}}', 'Read a policy', PolicySchema, { params: PolicyId });
export const policyUpdate = write('put', '/acl/policy/{id{.*}}', 'Update a policy', PolicySchema, { params: PolicyId, body: body('ACLPolicyRequest', 'The policy.') });
export const policyDelete = write('delete', '/acl/policy/{id{.*}}', 'Delete a policy', z.boolean(), { params: PolicyId });
export const policyList = read('/acl/policies', 'List policies (stubs, without rules)', z.array(PolicyStubSchema));

const RoleId = idParam('id', 'Role ID.');
export const roleCreate = write('put', '/acl/role', 'Create a role', RoleSchema, { body: body('ACLRoleRequest', 'The role.') });
export const roleByName = read('/acl/role/name/{name{.*}}', 'Read a role by name', RoleSchema, { params: idParam('name', 'Role name.') });
export const roleRead = read('/acl/role/{id{.*}}', 'Read a role', RoleSchema, { params: RoleId });
export const roleUpdate = write('put', '/acl/role/{id{.*}}', 'Update a role', RoleSchema, { params: RoleId, body: body('ACLRoleRequest', 'The role.') });
export const roleDelete = write('delete', '/acl/role/{id{.*}}', 'Delete a role', z.boolean(), { params: RoleId });
export const roleList = read('/acl/roles', 'List roles', z.array(RoleSchema), {
  query: ReadQuery.extend({ policy: z.string().optional().openapi({ description: 'Only roles linking this policy ID.' }) }),
});

export type BootstrapRoute = typeof bootstrap;
export type ReplicationRoute = typeof replication;
export type TokenCreateRoute = typeof tokenCreate;
export type TokenSelfRoute = typeof tokenSelf;
export type TokenReadRoute = typeof tokenRead;
export type TokenUpdateRoute = typeof tokenUpdate;
export type TokenDeleteRoute = typeof tokenDelete;
export type TokenListRoute = typeof tokenList;
export type PolicyCreateRoute = typeof policyCreate;
export type PolicyByNameRoute = typeof policyByName;
export type PolicyReadRoute = typeof policyRead;
export type PolicyUpdateRoute = typeof policyUpdate;
export type PolicyDeleteRoute = typeof policyDelete;
export type PolicyListRoute = typeof policyList;
export type RoleCreateRoute = typeof roleCreate;
export type RoleByNameRoute = typeof roleByName;
export type RoleReadRoute = typeof roleRead;
export type RoleUpdateRoute = typeof roleUpdate;
export type RoleDeleteRoute = typeof roleDelete;
export type RoleListRoute = typeof roleList;
