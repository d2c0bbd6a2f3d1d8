// Consul's catalog and health JSON (consul-api.md §5.1): Node, NodeService, ServiceNode,
// HealthCheck and CheckServiceNode, rendered from storage's rows with Consul's field order,
// omitempty rules and null-vs-[] normalisations. The zod schemas document the shapes; nested
// Consul sub-objects (Proxy, Connect, Definition) are open records.
import { z } from '@hono/zod-openapi';
import type { CheckEntry, HealthInstance, NodeEntry, ServiceEntry, ServiceInstance } from '../../storage/types.ts';

const StringMap = z.record(z.string(), z.string());
const ServiceAddress = z.object({ Address: z.string(), Port: z.number().int() }).openapi('ServiceAddress');
const Weights = z.object({ Passing: z.number().int(), Warning: z.number().int() }).openapi('Weights');
const Open = z.record(z.string(), z.unknown());

export const NodeSchema = z
  .object({
    ID: z.string().openapi({ description: 'Node UUID; "" for catalog-only nodes registered without one.' }),
    Node: z.string(),
    Address: z.string(),
    Datacenter: z.string(),
    TaggedAddresses: StringMap.nullable(),
    Meta: StringMap.nullable(),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('Node');
export type NodeJson = z.output<typeof NodeSchema>;

export const NodeServiceSchema = z
  .object({
    Kind: z.string().optional().openapi({ description: 'Omitted for typical services.' }),
    ID: z.string(),
    Service: z.string(),
    Tags: z.array(z.string()).nullable(),
    Address: z.string(),
    TaggedAddresses: z.record(z.string(), ServiceAddress).optional(),
    Meta: StringMap.nullable(),
    Port: z.number().int().optional().openapi({ description: 'Omitted when 0.' }),
    SocketPath: z.string().optional(),
    Weights,
    EnableTagOverride: z.boolean(),
    Proxy: Open,
    Connect: Open,
    PeerName: z.string(),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('NodeService');
export type NodeServiceJson = z.output<typeof NodeServiceSchema>;

export const ServiceNodeSchema = z
  .object({
    ID: z.string(),
    Node: z.string(),
    Address: z.string(),
    Datacenter: z.string(),
    TaggedAddresses: StringMap.nullable(),
    NodeMeta: StringMap.nullable(),
    ServiceKind: z.string(),
    ServiceID: z.string(),
    ServiceName: z.string(),
    ServiceTags: z.array(z.string()),
    ServiceAddress: z.string().openapi({ description: 'Empty: use Address.' }),
    ServiceTaggedAddresses: z.record(z.string(), ServiceAddress).optional(),
    ServiceWeights: Weights,
    ServiceMeta: StringMap.nullable(),
    ServicePort: z.number().int(),
    ServiceSocketPath: z.string(),
    ServiceEnableTagOverride: z.boolean(),
    ServiceProxy: Open,
    ServiceConnect: Open,
    ServiceLocality: z.null(),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('ServiceNode');
export type ServiceNodeJson = z.output<typeof ServiceNodeSchema>;

export const HealthCheckSchema = z
  .object({
    Node: z.string(),
    CheckID: z.string(),
    Name: z.string(),
    Status: z.enum(['passing', 'warning', 'critical', 'maintenance']),
    Notes: z.string(),
    Output: z.string(),
    ServiceID: z.string(),
    ServiceName: z.string(),
    ServiceTags: z.array(z.string()),
    Type: z.string(),
    Interval: z.string(),
    Timeout: z.string(),
    ExposedPort: z.number().int(),
    Definition: Open,
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('HealthCheck');
export type HealthCheckJson = z.output<typeof HealthCheckSchema>;

export const CheckServiceNodeSchema = z
  .object({ Node: NodeSchema, Service: NodeServiceSchema, Checks: z.array(HealthCheckSchema) })
  .openapi('CheckServiceNode');
export type CheckServiceNodeJson = z.output<typeof CheckServiceNodeSchema>;

export const NodeServicesSchema = z
  .object({ Node: NodeSchema, Services: z.record(z.string(), NodeServiceSchema) })
  .nullable()
  .openapi('NodeServices');
export const NodeServiceListSchema = z
  .object({ Node: NodeSchema.nullable(), Services: z.array(NodeServiceSchema) })
  .openapi('NodeServiceList');

const copyMap = <T>(m: Readonly<Record<string, T>> | null): Record<string, T> | null => (m === null ? null : { ...m });

export function nodeJson(n: NodeEntry): NodeJson {
  return {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: copyMap(n.taggedAddresses),
    Meta: copyMap(n.meta),
    CreateIndex: n.createIndex,
    ModifyIndex: n.modifyIndex,
  };
}

/** Consul's ConnectProxyConfig of a typical service: its struct members marshal as {}. */
const EMPTY_PROXY = { MeshGateway: {}, Expose: {} } as const;

/** The registered Proxy/Connect sub-objects, or Consul's empty forms. */
function connectParts(s: ServiceEntry): { proxy: Record<string, unknown>; connect: Record<string, unknown> } {
  const extra = s.extra ?? {};
  const proxy = extra['Proxy'];
  const connect = extra['Connect'];
  return {
    proxy: typeof proxy === 'object' && proxy !== null ? { ...EMPTY_PROXY, ...(proxy as Record<string, unknown>) } : { ...EMPTY_PROXY },
    connect: typeof connect === 'object' && connect !== null ? { ...(connect as Record<string, unknown>) } : {},
  };
}

const taggedServiceAddresses = (s: ServiceEntry) =>
  s.taggedAddresses === null || Object.keys(s.taggedAddresses).length === 0 ? undefined : Object.fromEntries(Object.entries(s.taggedAddresses).map(([k, v]) => [k, { Address: v.Address, Port: v.Port }]));

/** NodeService; `tagsAsArray` applies the HTTP layer's null → [] (health/service, catalog/node). */
export function nodeServiceJson(s: ServiceEntry, tagsAsArray = true): NodeServiceJson {
  const { proxy, connect } = connectParts(s);
  return {
    Kind: s.kind === '' ? undefined : s.kind,
    ID: s.id,
    Service: s.service,
    Tags: s.tags === null ? (tagsAsArray ? [] : null) : [...s.tags],
    Address: s.address,
    TaggedAddresses: taggedServiceAddresses(s),
    Meta: copyMap(s.meta),
    Port: s.port === 0 ? undefined : s.port,
    SocketPath: s.socketPath === '' ? undefined : s.socketPath,
    Weights: { Passing: s.weights.Passing, Warning: s.weights.Warning },
    EnableTagOverride: s.enableTagOverride,
    Proxy: proxy,
    Connect: connect,
    PeerName: '',
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

export function serviceNodeJson({ node, service: s }: ServiceInstance): ServiceNodeJson {
  const { proxy, connect } = connectParts(s);
  return {
    ID: node.id,
    Node: node.node,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: copyMap(node.taggedAddresses),
    NodeMeta: copyMap(node.meta),
    ServiceKind: s.kind,
    ServiceID: s.id,
    ServiceName: s.service,
    ServiceTags: s.tags === null ? [] : [...s.tags],
    ServiceAddress: s.address,
    ServiceTaggedAddresses: taggedServiceAddresses(s),
    ServiceWeights: { Passing: s.weights.Passing, Warning: s.weights.Warning },
    ServiceMeta: copyMap(s.meta),
    ServicePort: s.port,
    ServiceSocketPath: s.socketPath,
    ServiceEnableTagOverride: s.enableTagOverride,
    ServiceProxy: proxy,
    ServiceConnect: connect,
    ServiceLocality: null,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

/** A check as health endpoints return it (ServiceTags null → [], Definition only non-empty members). */
export function healthCheckJson(h: Omit<CheckEntry, 'createIndex' | 'modifyIndex'> & { readonly createIndex: number; readonly modifyIndex: number }): HealthCheckJson {
  return {
    Node: h.node,
    CheckID: h.checkId,
    Name: h.name,
    Status: h.status,
    Notes: h.notes,
    Output: h.output,
    ServiceID: h.serviceId,
    ServiceName: h.serviceName,
    ServiceTags: [...h.serviceTags],
    Type: h.type,
    Interval: h.interval,
    Timeout: h.timeout,
    ExposedPort: h.exposedPort,
    Definition: { ...h.definition },
    CreateIndex: h.createIndex,
    ModifyIndex: h.modifyIndex,
  };
}

export function checkServiceNodeJson(i: HealthInstance): CheckServiceNodeJson {
  return { Node: nodeJson(i.node), Service: nodeServiceJson(i.service), Checks: i.checks.map(healthCheckJson) };
}
