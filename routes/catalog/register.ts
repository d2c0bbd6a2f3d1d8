// PUT /v1/catalog/register and /deregister bodies (consul-api.md §5.2–5.3), as Go decodes them
// (any key case, unknown keys such as python-consul's WriteRequest ignored), then Consul's
// Catalog.Register vetting in its order, all before anything is proposed.
import { z } from '@hono/zod-openapi';
import type { CatalogDeregister, CatalogRegister, CheckSpec, NodeSpec, ServiceSpec } from '../../storage/commands.ts';
import { badRequest, internalError } from '../lib/errors.ts';
import { CheckDefinitionBodySchema, formatInterval, missingCheckId, storedDefinition } from './check-definition.ts';

const StringMap = z.record(z.string(), z.string()).nullable().optional();
const Int = z.number().int();

const TaggedServiceAddresses = z.record(z.string(), z.object({ Address: z.string().optional(), Port: Int.optional() })).nullable().optional();

export const NodeServiceBodySchema = z.object({
  Kind: z.string().optional(),
  ID: z.string().optional(),
  Service: z.string().optional(),
  Tags: z.array(z.string()).nullable().optional(),
  Address: z.string().optional(),
  TaggedAddresses: TaggedServiceAddresses,
  Meta: StringMap,
  Port: Int.optional(),
  SocketPath: z.string().optional(),
  Weights: z.object({ Passing: Int.optional(), Warning: Int.optional() }).nullable().optional(),
  EnableTagOverride: z.boolean().optional(),
  Proxy: z.record(z.string(), z.unknown()).nullable().optional(),
  Connect: z.record(z.string(), z.unknown()).nullable().optional(),
  Locality: z.record(z.string(), z.unknown()).nullable().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
});
export type NodeServiceBody = z.output<typeof NodeServiceBodySchema>;

export const HealthCheckBodySchema = z.object({
  Node: z.string().optional(),
  CheckID: z.string().optional(),
  Name: z.string().optional(),
  Status: z.string().optional(),
  Notes: z.string().optional(),
  Output: z.string().optional(),
  ServiceID: z.string().optional(),
  ServiceName: z.string().optional(),
  ServiceTags: z.array(z.string()).nullable().optional(),
  Type: z.string().optional(),
  Interval: z.string().optional(),
  Timeout: z.string().optional(),
  ExposedPort: Int.optional(),
  Definition: CheckDefinitionBodySchema.nullable().optional(),
});
type HealthCheckBody = z.output<typeof HealthCheckBodySchema>;

export const CatalogRegisterBodySchema = z
  .object({
    ID: z.string().optional(),
    Node: z.string().optional(),
    Address: z.string().optional(),
    Datacenter: z.string().optional(),
    TaggedAddresses: StringMap,
    NodeMeta: StringMap,
    Service: NodeServiceBodySchema.nullable().optional(),
    Check: HealthCheckBodySchema.nullable().optional(),
    Checks: z.array(HealthCheckBodySchema).nullable().optional(),
    SkipNodeUpdate: z.boolean().optional(),
    Locality: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .openapi('CatalogRegisterRequest');
export type CatalogRegisterBody = z.output<typeof CatalogRegisterBodySchema>;

export const CatalogDeregisterBodySchema = z
  .object({
    Node: z.string().optional(),
    Datacenter: z.string().optional(),
    ServiceID: z.string().optional(),
    CheckID: z.string().optional(),
  })
  .openapi('CatalogDeregisterRequest');
export type CatalogDeregisterBody = z.output<typeof CatalogDeregisterBodySchema>;

const CHECK_STATUSES: ReadonlySet<string> = new Set(['passing', 'warning', 'critical', 'maintenance']);

/** go-uuid's ParseUUID errors. */
function uuidError(id: string): string | null {
  if (id.length !== 36) return 'uuid string is wrong length';
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id) ? null : 'uuid is improperly formatted';
}

/** ipaddr.IsAny: the unspecified addresses a service may not advertise. */
export const isAnyAddress = (address: string): boolean => ['0.0.0.0', '::', '[::]'].includes(address);

/** NodeService from a body, with Consul's defaults (ID = name, weights 1/1). */
export function serviceSpecFromBody(s: NodeServiceBody): ServiceSpec {
  const extra: Record<string, unknown> = {};
  if (s.Proxy) extra['Proxy'] = s.Proxy;
  if (s.Connect) extra['Connect'] = s.Connect;
  const tagged = s.TaggedAddresses ? Object.fromEntries(Object.entries(s.TaggedAddresses).map(([k, a]) => [k, { Address: a.Address ?? '', Port: a.Port ?? 0 }])) : null;
  const name = s.Service ?? '';
  return {
    kind: s.Kind ?? '',
    id: s.ID || name,
    service: name,
    tags: s.Tags ?? null,
    address: s.Address ?? '',
    taggedAddresses: tagged !== null && Object.keys(tagged).length > 0 ? tagged : null,
    meta: s.Meta ?? null,
    port: s.Port ?? 0,
    socketPath: s.SocketPath ?? '',
    weights: s.Weights ? { Passing: s.Weights.Passing ?? 0, Warning: s.Weights.Warning ?? 0 } : { Passing: 1, Warning: 1 },
    enableTagOverride: s.EnableTagOverride ?? false,
    extra: Object.keys(extra).length > 0 ? extra : null,
  };
}

/** Consul's servicePreApply texts (500s from the RPC layer). */
function vetService(spec: ServiceSpec): void {
  if (spec.id !== '' && spec.service === '') throw internalError('Must provide service name (Service.Service) when service ID is provided');
  if (isAnyAddress(spec.address)) throw internalError('Invalid service address');
}

const requestDecodeFailed = (text: string): Error => badRequest(`Request decode failed: ${text}`);

function checkSpecFromBody(h: HealthCheckBody, node: string): CheckSpec {
  const status = h.Status || 'critical';
  if (!CHECK_STATUSES.has(status)) throw internalError('Bad check status');
  const checkId = h.CheckID || h.Name || '';
  if (checkId === '') throw missingCheckId();
  const stored = storedDefinition(h.Definition ?? undefined, requestDecodeFailed);
  return {
    node: h.Node || node,
    checkId,
    name: h.Name ?? '',
    status: status as CheckSpec['status'],
    notes: h.Notes ?? '',
    output: h.Output ?? '',
    serviceId: h.ServiceID ?? '',
    type: h.Type || stored.type,
    interval: h.Interval || formatInterval(stored.intervalNs),
    timeout: h.Timeout || formatInterval(stored.timeoutNs),
    exposedPort: h.ExposedPort ?? 0,
    definition: stored.definition,
  };
}

/** Catalog.Register's vetting, then the FSM command. Throws Consul's HttpError. */
export function registerCommand(body: CatalogRegisterBody): CatalogRegister {
  const node = body.Node ?? '';
  if (node === '') throw internalError('Must provide node');
  const skip = body.SkipNodeUpdate ?? false;
  if ((body.Address ?? '') === '' && !skip) throw internalError('Must provide address if SkipNodeUpdate is not set');
  const id = body.ID ?? '';
  const idError = id === '' ? null : uuidError(id);
  if (idError !== null) throw internalError(`Bad node ID: ${idError}`);
  let service: ServiceSpec | null = null;
  if (body.Service) {
    service = serviceSpecFromBody(body.Service);
    vetService(service);
    if (service.id === '') service = null;
  }
  const checks = [...(body.Checks ?? []), ...(body.Check ? [body.Check] : [])].map((h) => checkSpecFromBody(h, node));
  const spec: NodeSpec = {
    id,
    node,
    address: body.Address ?? '',
    datacenter: body.Datacenter ?? '',
    taggedAddresses: body.TaggedAddresses ?? null,
    meta: body.NodeMeta ?? null,
  };
  return { type: 'catalog.register', node: spec, skipNodeUpdate: skip, service, checks };
}

export function deregisterCommand(body: CatalogDeregisterBody): CatalogDeregister {
  const node = body.Node ?? '';
  if (node === '') throw internalError('Must provide node');
  return { type: 'catalog.deregister', node, serviceId: body.ServiceID || null, checkId: body.CheckID || null };
}
