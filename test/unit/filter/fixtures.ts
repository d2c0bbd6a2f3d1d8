// Sample objects in the JSON shape Consul returns for each filterable endpoint, plus a
// synthetic "kitchen sink" type covering the Go kinds no Consul struct uses (floats, []int…).
import { goType as t, type FilterSchema } from '../../../routes/filter/index.ts';

/** A catalog node as /v1/catalog/nodes returns it. */
export const node = {
  ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
  Node: 'web-1',
  Address: '10.1.10.12',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '10.1.10.12', wan: '10.1.10.12' },
  Meta: { env: 'prod', 'rack-id': 'r1', dotted: 'a.b', empty: '' },
  CreateIndex: 5,
  ModifyIndex: 9,
};

/** A node registered through the catalog without an ID, tagged addresses or meta. */
export const bareNode = {
  ID: '',
  Node: 'ext',
  Address: '192.0.2.1',
  Datacenter: 'dc1',
  TaggedAddresses: null,
  Meta: null,
  CreateIndex: 7,
  ModifyIndex: 7,
};

/** A /v1/catalog/service/web element. */
export const serviceNode = {
  ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
  Node: 'web-1',
  Address: '10.1.10.12',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '10.1.10.12' },
  NodeMeta: { env: 'prod' },
  ServiceKind: '',
  ServiceID: 'web-a',
  ServiceName: 'web',
  ServiceTags: ['v1', 'primary'],
  ServiceAddress: '',
  ServiceWeights: { Passing: 10, Warning: 1 },
  ServiceMeta: { version: '1.2.3' },
  ServicePort: 8080,
  ServiceSocketPath: '',
  ServiceEnableTagOverride: false,
  ServiceProxy: { MeshGateway: {}, Expose: {} },
  ServiceConnect: {},
  PeerName: '',
  CreateIndex: 12,
  ModifyIndex: 12,
};

/** A /v1/agent/services value: a typical service (no Proxy or Connect keys at all). */
export const agentService = {
  ID: 'redis1',
  Service: 'redis',
  Tags: ['primary'],
  Meta: { redis_version: '4.0' },
  Port: 8000,
  Address: '',
  TaggedAddresses: { lan: { Address: '127.0.0.1', Port: 8000 }, wan: { Address: '198.18.0.53', Port: 80 } },
  Weights: { Passing: 10, Warning: 1 },
  EnableTagOverride: false,
  Datacenter: 'dc1',
};

/** A sidecar proxy as catalog/node-services lists it. */
export const proxyService = {
  Kind: 'connect-proxy',
  ID: 'web-sidecar-proxy',
  Service: 'web-sidecar-proxy',
  Tags: [],
  Address: '',
  Meta: null,
  Port: 21000,
  Weights: { Passing: 1, Warning: 1 },
  EnableTagOverride: false,
  Proxy: {
    DestinationServiceName: 'web',
    DestinationServiceID: 'web-a',
    LocalServicePort: 8080,
    Mode: '',
    Upstreams: [
      { DestinationType: 'service', DestinationName: 'db', LocalBindPort: 9191, MeshGateway: { Mode: 'local' } },
      { DestinationType: 'prepared_query', DestinationName: 'cache', LocalBindPort: 9192, MeshGateway: {} },
    ],
    MeshGateway: {},
    Expose: {},
  },
  Connect: {},
  PeerName: '',
  CreateIndex: 20,
  ModifyIndex: 20,
};

/** A /v1/health/checks element. */
export const healthCheck = {
  Node: 'foobar',
  CheckID: 'service:redis',
  Name: 'Service redis check',
  Status: 'passing',
  Notes: '',
  Output: 'HTTP GET http://127.0.0.1:8000/health: 200 OK Output: ok',
  ServiceID: 'redis',
  ServiceName: 'redis',
  ServiceTags: ['primary'],
  Type: 'http',
  Interval: '10s',
  Timeout: '1s',
  ExposedPort: 0,
  Definition: { HTTP: 'http://127.0.0.1:8000/health', Interval: '10s', Timeout: '1s' },
  CreateIndex: 30,
  ModifyIndex: 31,
};

/** A /v1/health/service/redis element: node check passing, service check critical. */
export const checkServiceNode = {
  Node: { ...node, Node: 'foobar' },
  Service: agentService,
  Checks: [
    { ...healthCheck, CheckID: 'serfHealth', Name: 'Serf Health Status', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '' },
    { ...healthCheck, Status: 'critical' },
  ],
};

export const uncheckedServiceNode = { ...checkServiceNode, Checks: [] };

/** A /v1/agent/members element. */
export const member = {
  Name: 'srv1',
  Addr: '127.0.0.1',
  Port: 8301,
  Tags: { role: 'consul', dc: 'dc1', port: '8300' },
  Status: 1,
  ProtocolMin: 1,
  ProtocolMax: 5,
  ProtocolCur: 2,
  DelegateMin: 2,
  DelegateMax: 5,
  DelegateCur: 4,
};

/** Go kinds the Consul structs do not exercise. */
export const kitchenSchema: FilterSchema = t.struct({
  F64: t.float64,
  F32: t.float32,
  U64: t.uint64,
  I8: { kind: 'int', bits: 8, signed: true },
  Flag: t.bool,
  Ints: t.list(t.int),
  Bools: t.list(t.bool),
  Floats: t.list(t.float64),
  Nested: t.struct({ Deep: t.struct({ Name: t.string }) }),
  Items: t.list(t.struct({ Name: t.string, Tags: t.list(t.string), Labels: t.map(t.string) })),
  ByName: t.map(t.struct({ Count: t.int })),
  Matrix: t.list(t.list(t.struct({ V: t.int }))),
  Groups: t.map(t.list(t.string)),
});

export const kitchen = {
  F64: 1.5,
  F32: 0.1,
  U64: 18446744073709551615n,
  I8: -128,
  Flag: true,
  Ints: [1, 2, 3],
  Bools: [false],
  Floats: [2.5],
  Nested: { Deep: { Name: 'x' } },
  Items: [
    { Name: 'a', Tags: ['t1'], Labels: { k: 'v' } },
    { Name: 'b', Tags: ['t2'], Labels: null },
  ],
  ByName: { a: { Count: 2 } },
  Matrix: [[{ V: 3 }], [{ V: 4 }]],
  Groups: { admins: ['alice'] },
};
