// /v1/agent/* (consul-api.md §6, except metrics): the local agent of this server's node.
// Write endpoints answer 200 with an empty body, as Consul's agent endpoints do.
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import { FilterQuery } from '../catalog/catalog.routes.ts';
import { CommonQuery, commonErrors, jsonContent, notFoundText, ReadQuery } from '../schemas/common.ts';
import { AgentSelfSchema, AgentServiceSchema, MemberSchema, ServiceChecksInfoSchema } from '../schemas/agent.ts';
import { HealthCheckSchema } from '../schemas/catalog.ts';

const param = (description: string) => z.string().optional().openapi({ description });
const empty = { 200: { description: 'Done (empty body).' }, ...commonErrors } as const;
const IdParam = z.object({ id: z.string().openapi({ description: 'Service or check ID (may contain /).' }) });
const refBody = (ref: string, description: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const route = <R extends RouteConfig>(config: R) => createRoute({ ...config, tags: ['agent'] });

export const self = route({
  method: 'get', path: '/agent/self', summary: "This agent's configuration, member entry and coordinate",
  request: { query: CommonQuery },
  responses: { 200: jsonContent(AgentSelfSchema, 'Config (stable subset), DebugConfig, Coord, Member, Stats, Meta.'), ...commonErrors },
});
export type SelfRoute = typeof self;

export const members = route({
  method: 'get', path: '/agent/members', summary: 'Cluster members (the servers, from the Raft configuration and the leader\'s view of liveness)',
  request: { query: CommonQuery.extend(FilterQuery.shape).extend({ wan: param('Any non-empty value: the WAN pool.'), segment: param('Network segment; "_all" for all.') }) },
  responses: { 200: jsonContent(z.array(MemberSchema), 'serf Members.'), ...commonErrors },
});
export type MembersRoute = typeof members;

export const host = route({
  method: 'get', path: '/agent/host', summary: 'Host information',
  request: { query: CommonQuery },
  responses: { 200: jsonContent(z.record(z.string(), z.unknown()), 'Memory, CPU, Host, Disk, CollectionTime.'), ...commonErrors },
});
export type HostRoute = typeof host;

export const version = route({
  method: 'get', path: '/agent/version', summary: 'Version information',
  request: { query: CommonQuery },
  responses: { 200: jsonContent(z.object({ SHA: z.string(), BuildDate: z.string(), HumanVersion: z.string(), FIPS: z.string() }), 'The version.'), ...commonErrors },
});
export type VersionRoute = typeof version;

export const reload = route({ method: 'put', path: '/agent/reload', summary: 'Re-read and validate the configuration files', request: { query: CommonQuery }, responses: empty });
export type ReloadRoute = typeof reload;

export const maintenance = route({
  method: 'put', path: '/agent/maintenance', summary: 'Node maintenance mode (the _node_maintenance check)',
  request: { query: CommonQuery.extend({ enable: param('Required; Go ParseBool.'), reason: param('Notes of the maintenance check.') }) },
  responses: empty,
});
export type MaintenanceRoute = typeof maintenance;

export const join = route({
  method: 'put', path: '/agent/join/{address{.*}}', summary: "Join a server's cluster (a no-op when already a member)",
  request: { params: z.object({ address: z.string().openapi({ description: 'Cluster address host:port.' }) }), query: CommonQuery.extend({ wan: param('Any non-empty value: WAN join.') }) },
  responses: empty,
});
export type JoinRoute = typeof join;

export const leave = route({ method: 'put', path: '/agent/leave', summary: 'Leave the cluster gracefully and shut down', request: { query: CommonQuery }, responses: empty });
export type LeaveRoute = typeof leave;

export const forceLeave = route({
  method: 'put', path: '/agent/force-leave/{node{.*}}', summary: 'Remove a failed server from the cluster',
  request: { params: z.object({ node: z.string().openapi({ description: 'Node name.' }) }), query: CommonQuery.extend({ prune: param('Presence flag.'), wan: param('Presence flag.') }) },
  responses: empty,
});
export type ForceLeaveRoute = typeof forceLeave;

export const services = route({
  method: 'get', path: '/agent/services', summary: 'Local services',
  request: { query: CommonQuery.extend(FilterQuery.shape) },
  responses: { 200: jsonContent(z.record(z.string(), AgentServiceSchema), 'Service ID → AgentService.'), ...commonErrors },
});
export type ServicesRoute = typeof services;

export const service = route({
  method: 'get', path: '/agent/service/{id{.*}}', summary: 'One local service (hash-blocking)',
  request: { params: IdParam, query: ReadQuery.extend({ hash: param('Block while the ContentHash equals this.') }) },
  responses: { 200: jsonContent(AgentServiceSchema, 'The service with its ContentHash (also in X-Consul-ContentHash).'), 404: notFoundText('unknown service ID: ⟨id⟩'), ...commonErrors },
});
export type ServiceRoute = typeof service;

export const registerService = route({
  method: 'put', path: '/agent/service/register', summary: 'Register a local service (with its checks)',
  request: { query: CommonQuery.extend({ 'replace-existing-checks': param('"" or "true": drop checks absent from the request.') }), body: refBody('AgentServiceRegistration', 'ServiceDefinition; PascalCase, lower-case or snake_case keys.') },
  responses: empty,
});
export type RegisterServiceRoute = typeof registerService;

export const deregisterService = route({
  method: 'put', path: '/agent/service/deregister/{id{.*}}', summary: 'Deregister a local service and its checks',
  request: { params: IdParam, query: CommonQuery },
  responses: { ...empty, 404: notFoundText('Unknown service ID "⟨id⟩". Ensure that the service ID is passed, not the service name.') },
});
export type DeregisterServiceRoute = typeof deregisterService;

export const serviceMaintenance = route({
  method: 'put', path: '/agent/service/maintenance/{id{.*}}', summary: 'Service maintenance mode',
  request: { params: IdParam, query: CommonQuery.extend({ enable: param('Required; Go ParseBool.'), reason: param('Notes.') }) },
  responses: { ...empty, 404: notFoundText('No service registered with ID "⟨id⟩"') },
});
export type ServiceMaintenanceRoute = typeof serviceMaintenance;

/** JSON, or with ?format=text / Accept: text/plain just the status word. */
const jsonOrText = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema }, 'text/plain': { schema: z.string() } },
});

const healthQuery = CommonQuery.extend({ format: param('"text": answer with the status word only.') });

export const healthById = route({
  method: 'get', path: '/agent/health/service/id/{id{.*}}', summary: 'Aggregated health of one local service',
  request: { params: IdParam, query: healthQuery },
  responses: {
    200: jsonOrText(ServiceChecksInfoSchema, 'passing.'),
    404: jsonOrText(ServiceChecksInfoSchema, 'Unknown service (text mode: "ServiceId ⟨id⟩ not found").'),
    429: jsonOrText(ServiceChecksInfoSchema, 'warning.'),
    503: jsonOrText(ServiceChecksInfoSchema, 'critical or maintenance.'),
    ...commonErrors,
  },
});
export type HealthByIdRoute = typeof healthById;

export const healthByName = route({
  method: 'get', path: '/agent/health/service/name/{name{.*}}', summary: 'Aggregated health of the local instances of a service',
  request: { params: z.object({ name: z.string().openapi({ description: 'Service name.' }) }), query: healthQuery },
  responses: {
    200: jsonOrText(z.array(ServiceChecksInfoSchema), 'All passing.'),
    404: jsonOrText(z.array(ServiceChecksInfoSchema), 'No such service ([]).'),
    429: jsonOrText(z.array(ServiceChecksInfoSchema), 'The worst is warning.'),
    503: jsonOrText(z.array(ServiceChecksInfoSchema), 'The worst is critical or maintenance.'),
    ...commonErrors,
  },
});
export type HealthByNameRoute = typeof healthByName;

export const checks = route({
  method: 'get', path: '/agent/checks', summary: 'Local checks',
  request: { query: CommonQuery.extend(FilterQuery.shape) },
  responses: { 200: jsonContent(z.record(z.string(), HealthCheckSchema), 'Check ID → HealthCheck.'), ...commonErrors },
});
export type ChecksRoute = typeof checks;

export const registerCheck = route({
  method: 'put', path: '/agent/check/register', summary: 'Register a local check',
  request: { query: CommonQuery, body: refBody('AgentCheckRegistration', 'CheckDefinition; keys match case-insensitively.') },
  responses: { ...empty, 404: notFoundText('ServiceID "⟨id⟩" does not exist') },
});
export type RegisterCheckRoute = typeof registerCheck;

const checkIdRoute = (verb: string, summary: string) =>
  route({
    method: 'put', path: `/agent/check/${verb}/{id{.*}}`, summary,
    request: { params: IdParam, query: CommonQuery.extend({ note: param('Becomes the check Output.') }) },
    responses: { ...empty, 404: notFoundText('Unknown check ID "⟨id⟩". Ensure that the check ID is passed, not the check name.') },
  });

export const deregisterCheck = checkIdRoute('deregister', 'Deregister a local check');
export type DeregisterCheckRoute = typeof deregisterCheck;
export const passCheck = checkIdRoute('pass', 'Set a TTL check to passing');
export type PassRoute = typeof passCheck;
export const warnCheck = checkIdRoute('warn', 'Set a TTL check to warning');
export type WarnRoute = typeof warnCheck;
export const failCheck = checkIdRoute('fail', 'Set a TTL check to critical');
export type FailRoute = typeof failCheck;

export const updateCheck = route({
  method: 'put', path: '/agent/check/update/{id{.*}}', summary: 'Set a TTL check\'s status and output',
  request: { params: IdParam, query: CommonQuery, body: refBody('AgentCheckUpdate', '{"Status": "passing|warning|critical", "Output": "…"}') },
  responses: { ...empty, 404: notFoundText('Unknown check ID "⟨id⟩". Ensure that the check ID is passed, not the check name.') },
});
export type UpdateCheckRoute = typeof updateCheck;

export const token = route({
  method: 'put', path: '/agent/token/{name{.*}}', summary: "Set one of the agent's ACL tokens",
  request: { params: z.object({ name: z.string().openapi({ description: 'default, agent, agent_recovery, replication, config_file_service_registration, dns (or a deprecated alias)' }) }), query: CommonQuery },
  responses: { ...empty, 401: notFoundText('ACL support disabled'), 404: notFoundText('Token "⟨name⟩" is unknown') },
});
export type TokenRoute = typeof token;
