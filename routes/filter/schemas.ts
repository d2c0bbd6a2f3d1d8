// The element types Consul's filterable endpoints evaluate `?filter=` against, transcribed
// from Consul's Go structs (agent/structs, api, serf). A field tagged `bexpr:"-"` there
// (RaftIndex's CreateIndex/ModifyIndex, EnterpriseMeta, Locality, HealthCheck.Definition,
// proxy and upstream Config, SidecarService, PeerMeta, …) is left out, so selecting it fails
// with `Selector "…" is not valid`, exactly as in Consul. Embedded Go structs are not
// flattened by go-bexpr, which is why CreateIndex is not a top-level selector either.
import { goType as t, type StructType } from './schema.ts';

const stringMap = t.map(t.string);

/** structs.ServiceAddress (values of TaggedAddresses maps). */
const serviceAddress = t.struct({ Address: t.string, Port: t.int });

/** structs.Weights / api.AgentWeights. */
const weights = t.struct({ Passing: t.int, Warning: t.int });

const meshGateway = t.struct({ Mode: t.string });

const upstream = t.struct({
  DestinationType: t.string,
  DestinationNamespace: t.string,
  DestinationPartition: t.string,
  DestinationPeer: t.string,
  DestinationName: t.string,
  Datacenter: t.string,
  LocalBindAddress: t.string,
  LocalBindPort: t.int,
  LocalBindSocketPath: t.string,
  LocalBindSocketMode: t.string,
  MeshGateway: meshGateway,
});

const exposePath = t.struct({
  ListenerPort: t.int,
  Path: t.string,
  LocalPathPort: t.int,
  Protocol: t.string,
  ParsedFromCheck: t.bool,
});

const envoyExtension = t.struct({
  Name: t.string,
  Required: t.bool,
  ConsulVersion: t.string,
  EnvoyVersion: t.string,
});

/** structs.ConnectProxyConfig / api.AgentServiceConnectProxyConfig (same filterable fields). */
const connectProxyConfig = t.struct({
  EnvoyExtensions: t.list(envoyExtension),
  DestinationServiceName: t.string,
  DestinationServiceID: t.string,
  LocalServiceAddress: t.string,
  LocalServicePort: t.int,
  LocalServiceSocketPath: t.string,
  Mode: t.string,
  Upstreams: t.list(upstream),
  MeshGateway: meshGateway,
  Expose: t.struct({ Checks: t.bool, Paths: t.list(exposePath) }),
  TransparentProxy: t.struct({ OutboundListenerPort: t.int, DialedDirectly: t.bool }),
  AccessLogs: t.struct({
    Enabled: t.bool,
    DisableListenerLogs: t.bool,
    Type: t.string,
    Path: t.string,
    JSONFormat: t.string,
    TextFormat: t.string,
  }),
});

/** structs.ServiceConnect / api.AgentServiceConnect: only Native is filterable. */
const serviceConnect = t.struct({ Native: t.bool });

/** structs.Node — catalog/nodes, and `Node` inside health/service results. */
export const nodeSchema: StructType = t.struct({
  ID: t.string,
  Node: t.string,
  Address: t.string,
  Datacenter: t.string,
  Partition: t.string,
  PeerName: t.string,
  TaggedAddresses: stringMap,
  Meta: stringMap,
});

/**
 * structs.NodeService — catalog/node (each value of Services), catalog/node-services (each
 * element of Services), and `Service` inside health/service results.
 */
export const nodeServiceSchema: StructType = t.struct({
  Kind: t.string,
  ID: t.string,
  Service: t.string,
  Tags: t.list(t.string),
  Address: t.string,
  TaggedAddresses: t.map(serviceAddress),
  Meta: stringMap,
  Port: t.int,
  SocketPath: t.string,
  Weights: weights,
  EnableTagOverride: t.bool,
  Proxy: connectProxyConfig,
  Connect: serviceConnect,
  PeerName: t.string,
});

/** api.AgentService — agent/services. Its filterable fields are NodeService's. */
export const agentServiceSchema: StructType = nodeServiceSchema;

/** structs.ServiceNode — catalog/service, catalog/connect, and catalog/services before aggregation. */
export const serviceNodeSchema: StructType = t.struct({
  ID: t.string,
  Node: t.string,
  Address: t.string,
  Datacenter: t.string,
  TaggedAddresses: stringMap,
  NodeMeta: stringMap,
  ServiceKind: t.string,
  ServiceID: t.string,
  ServiceName: t.string,
  ServiceTags: t.list(t.string),
  ServiceAddress: t.string,
  ServiceTaggedAddresses: t.map(serviceAddress),
  ServiceWeights: weights,
  ServiceMeta: stringMap,
  ServicePort: t.int,
  ServiceSocketPath: t.string,
  ServiceEnableTagOverride: t.bool,
  ServiceProxy: connectProxyConfig,
  ServiceConnect: serviceConnect,
  PeerName: t.string,
});

/** structs.HealthCheck — health/node, health/checks, health/state, agent/checks. */
export const healthCheckSchema: StructType = t.struct({
  Node: t.string,
  CheckID: t.string,
  Name: t.string,
  Status: t.string,
  Notes: t.string,
  Output: t.string,
  ServiceID: t.string,
  ServiceName: t.string,
  ServiceTags: t.list(t.string),
  Type: t.string,
  Interval: t.string,
  Timeout: t.string,
  ExposedPort: t.int,
  PeerName: t.string,
});

/** structs.CheckServiceNode — health/service, health/connect, health/ingress. */
export const checkServiceNodeSchema: StructType = t.struct({
  Node: nodeSchema,
  Service: nodeServiceSchema,
  Checks: t.list(healthCheckSchema),
});

/**
 * serf.Member — agent/members. Addr is a net.IP, a byte slice in Go, so go-bexpr offers only
 * `in` (a byte value) and `is empty` on it; the JSON carries the dotted string.
 */
export const memberSchema: StructType = t.struct({
  Name: t.string,
  Addr: t.list(t.uint8, ipBytes),
  Port: t.uint16,
  Tags: stringMap,
  Status: t.int,
  ProtocolMin: t.uint8,
  ProtocolMax: t.uint8,
  ProtocolCur: t.uint8,
  DelegateMin: t.uint8,
  DelegateMax: t.uint8,
  DelegateCur: t.uint8,
});

/** The bytes serf holds for an address: 4 for IPv4 (memberlist stores To4()), 16 for IPv6. */
export function ipBytes(json: unknown): number[] {
  if (typeof json !== 'string') return [];
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(json);
  if (v4) return v4.slice(1).map(Number);
  if (!/^[0-9a-fA-F:]+$/.test(json) || !json.includes(':')) return [];
  const [head = '', tail = ''] = json.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const tl = json.includes('::') ? groups(tail) : [];
  const words = [...h, ...new Array<number>(Math.max(0, 8 - h.length - tl.length)).fill(0), ...tl];
  if (words.length !== 8 || words.some((w) => Number.isNaN(w))) return [];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}
