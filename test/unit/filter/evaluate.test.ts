// The behaviour table: expressions over sample objects of every endpoint's element type, with
// the result Consul (go-bexpr v0.1.2) gives. Every operator appears on every field kind it
// allows; missing map keys, any-match over slices of structs, precedence, quoting, escapes
// and bare words each have their own rows.
import { describe, expect, it } from 'vitest';
import {
  agentServiceSchema,
  checkServiceNodeSchema,
  compileFilter,
  healthCheckSchema,
  memberSchema,
  nodeSchema,
  nodeServiceSchema,
  serviceNodeSchema,
  type FilterSchema,
} from '../../../routes/filter/index.ts';
import * as fx from './fixtures.ts';

type Row = readonly [expression: string, expected: boolean];

function check(schema: FilterSchema, sample: unknown, rows: readonly Row[]): void {
  it.each(rows)('%s → %s', (expression, expected) => {
    const filter = compileFilter(expression, schema);
    if (!filter.ok) throw new Error(`did not compile: ${filter.error}`);
    expect(filter.matches(sample)).toBe(expected);
  });
}

describe('Node (catalog/nodes)', () => {
  check(nodeSchema, fx.node, [
    ['Node == "web-1"', true],
    ['Node == "WEB-1"', false],
    ['Node != "web-2"', true],
    ['Node != "web-1"', false],
    ['"web" in Node', true],
    ['Node contains "eb-"', true],
    ['"db" not in Node', true],
    ['Node not contains "web"', false],
    ['"" in Node', true],
    ['Node matches "^web-[0-9]+$"', true],
    ['Node matches "^web$"', false],
    ['Node not matches "^db"', true],
    [String.raw`Address matches "^10\\.1\\."`, true],
    ['ID matches `^[0-9a-f-]{36}$`', true],
    ['Datacenter == dc1', true],
    ['Meta.env == prod', true],
    ['Meta.env != prod', false],
    ['Meta["rack-id"] == r1', true],
    ['Meta[`rack-id`] == `r1`', true],
    ['Meta.env matches "^pr"', true],
    ['"ro" in Meta.env', true],
    ['env in Meta', true],
    ['prod in Meta', false],
    ['missing not in Meta', true],
    ['Meta is not empty', true],
    ['Meta is empty', false],
    ['TaggedAddresses.lan == "10.1.10.12"', true],
    ['wan in TaggedAddresses', true],
    ['Meta.dotted == a.b', true],
    ['Meta.dotted == a["b"]', true],
  ]);
});

describe('missing map keys (go-bexpr v0.1.2)', () => {
  check(nodeSchema, fx.node, [
    ['Meta.missing == x', false],
    ['Meta.missing != x', true],
    ['Meta.missing contains x', false],
    ['Meta.missing not contains x', true],
    ['Meta.missing matches "."', true],
    ['Meta.missing not matches "."', true],
  ]);
});

describe('null maps and empty strings (a node registered without meta)', () => {
  check(nodeSchema, fx.bareNode, [
    ['Meta is empty', true],
    ['TaggedAddresses is empty', true],
    ['Meta.env == prod', false],
    ['Meta.env != prod', true],
    ['env in Meta', false],
    ['ID == ""', true],
  ]);
});

describe('ServiceNode (catalog/service)', () => {
  check(serviceNodeSchema, fx.serviceNode, [
    ['ServiceName == web and ServicePort == 8080', true],
    ['ServicePort != 80', true],
    ['ServicePort == "0x1F90"', true],
    ['ServicePort == "017620"', true],
    ['ServicePort == "0o17620"', true],
    ['ServicePort == "8_080"', true],
    ['ServicePort == "+8080"', true],
    ['v1 in ServiceTags', true],
    ['V1 in ServiceTags', false],
    ['"v" in ServiceTags', false],
    ['ServiceTags contains primary', true],
    ['ServiceTags not contains canary', true],
    ['canary not in ServiceTags', true],
    ['ServiceTags is not empty', true],
    ['ServiceTags is empty', false],
    ['ServiceEnableTagOverride == false', true],
    ['ServiceEnableTagOverride == F', true],
    ['ServiceEnableTagOverride == 0', true],
    ['ServiceEnableTagOverride == True', false],
    ['ServiceEnableTagOverride != true', true],
    ['ServiceWeights.Passing == 10', true],
    ['ServiceWeights.Warning != 1', false],
    ['ServiceMeta.version == "1.2.3"', true],
    [String.raw`ServiceMeta.version matches "^1\\.2\\."`, true],
    ['NodeMeta.env == prod', true],
    ['ServiceKind == ""', true],
    ['ServiceAddress == ""', true],
    ['ServiceProxy.DestinationServiceName == ""', true],
    ['ServiceProxy.Upstreams is empty', true],
    ['ServiceProxy.TransparentProxy.OutboundListenerPort == 0', true],
    ['ServiceConnect.Native == false', true],
    ['ServiceTaggedAddresses is empty', true],
    ['ServiceTaggedAddresses.lan.Port == 8080', false],
    ['ServiceTaggedAddresses.lan.Port != 8080', true],
    ['PeerName == ""', true],
  ]);
});

describe('NodeService / AgentService (catalog/node, agent/services)', () => {
  check(agentServiceSchema, fx.agentService, [
    ['Service == redis', true],
    ['Tags contains primary', true],
    ['TaggedAddresses.wan.Address == "198.18.0.53"', true],
    ['TaggedAddresses.wan.Port == 80', true],
    ['TaggedAddresses.lan.Port == 80', false],
    ['lan in TaggedAddresses', true],
    ['Weights.Passing == 10', true],
    ['Meta.redis_version == "4.0"', true],
    ['Meta.redis_version == 4.0', true],
    ['Port == 8000', true],
    ['Kind == ""', true],
    ['Connect.Native == true', false],
    ['Proxy.Upstreams is empty', true],
    ['Proxy.Upstreams.DestinationName != db', false],
  ]);
});

describe('any element of a slice of structs (proxy upstreams)', () => {
  check(nodeServiceSchema, fx.proxyService, [
    ['Kind == "connect-proxy"', true],
    ['Proxy.DestinationServiceName == web', true],
    ['Proxy.Upstreams.DestinationName == db', true],
    ['Proxy.Upstreams.DestinationName == cache', true],
    ['Proxy.Upstreams.DestinationName == other', false],
    ['Proxy.Upstreams.DestinationName != db', true],
    ['not Proxy.Upstreams.DestinationName == db', false],
    ['Proxy.Upstreams.LocalBindPort == 9192', true],
    ['Proxy.Upstreams.MeshGateway.Mode == local', true],
    ['Proxy.Upstreams.DestinationType == prepared_query', true],
    ['Proxy.Upstreams is not empty', true],
    ['Meta is empty', true],
    ['Tags is empty', true],
  ]);
});

describe('HealthCheck (health/checks, health/state, agent/checks)', () => {
  check(healthCheckSchema, fx.healthCheck, [
    ['Status == passing', true],
    ['Status != critical', true],
    ['ServiceName == redis and Type == http', true],
    ['Output contains "200 OK"', true],
    ['Output matches "HTTP GET .*: 200"', true],
    ['Notes == ""', true],
    ['primary in ServiceTags', true],
    ['ServiceTags is empty', false],
    ['Interval == "10s"', true],
    ['ExposedPort == 0', true],
    ['CheckID == "service:redis"', true],
  ]);
});

describe('CheckServiceNode (health/service)', () => {
  check(checkServiceNodeSchema, fx.checkServiceNode, [
    ['Node.Node == foobar and Service.Service == redis', true],
    ['Checks.Status == critical', true],
    ['Checks.Status == passing', true],
    ['Checks.Status == warning', false],
    ['Checks.Status != passing', true],
    ['not Checks.Status != passing', false],
    ['not Checks.Status == critical', false],
    ['Checks.CheckID == serfHealth and Checks.Status == passing', true],
    ['Checks.ServiceTags contains primary', true],
    ['Checks.ServiceTags is empty', true],
    ['Checks is not empty', true],
    ['Service.Tags is empty', false],
    ['Node.Meta.env == prod', true],
    ['Node.Meta.nope != x', true],
    ['Service.Port == 8000', true],
  ]);
  check(checkServiceNodeSchema, fx.uncheckedServiceNode, [
    ['Checks.Status != passing', false],
    ['Checks.Status == passing', false],
    ['Checks is empty', true],
    ['not Checks.Status == critical', true],
  ]);
});

describe('Member (agent/members)', () => {
  check(memberSchema, fx.member, [
    ['Name == srv1', true],
    ['Tags.role == consul', true],
    ['dc in Tags', true],
    ['Status == 1', true],
    ['Status != 4', true],
    ['Port == 8301', true],
    ['127 in Addr', true],
    ['0 in Addr', true],
    ['2 in Addr', false],
    ['Addr is not empty', true],
    ['ProtocolCur == 2', true],
    ['DelegateMax == "0x5"', true],
  ]);
});

describe('floats, ints, bools and nesting (synthetic type)', () => {
  check(fx.kitchenSchema, fx.kitchen, [
    ['F64 == 1.5', true],
    ['F64 == "1.5e0"', true],
    ['F64 == "0x1.8p0"', true],
    ['F64 == "15e-1"', true],
    ['F64 != 2', true],
    ['F32 == 0.1', true],
    ['U64 == 18446744073709551615', true],
    ['I8 == -128', true],
    ['Flag == t', true],
    ['Flag != 1', false],
    ['3 in Ints', true],
    ['"0b11" in Ints', true],
    ['4 not in Ints', true],
    ['true in Bools', false],
    ['false in Bools', true],
    ['2.5 in Floats', true],
    ['Nested.Deep.Name == x', true],
    ['Items.Name == b', true],
    ['Items.Tags contains t2', true],
    ['Items.Labels.k == v', true],
    ['Items.Labels.nokey == v', false],
    ['Items.Labels.nokey != v', true],
    ['Items.Labels is empty', true],
    ['ByName.a.Count == 2', true],
    ['ByName.z.Count == 2', false],
    ['a in ByName', true],
    ['ByName is not empty', true],
    ['Matrix.V == 4', true],
    ['Matrix.V == 5', false],
    ['Matrix is not empty', true],
    ['Groups.admins is not empty', true],
    ['alice in Groups.admins', true],
    ['Groups.missing is empty', true],
    ['Groups.missing is not empty', false],
    ['alice in Groups.missing', false],
    ['alice not in Groups.missing', true],
  ]);
});

describe('precedence (not > and > or) and parentheses', () => {
  check(nodeSchema, fx.node, [
    ['Node == "web-1" or Node == x and Node == y', true],
    ['(Node == "web-1" or Node == x) and Node == y', false],
    ['not Node == "web-1" and Node == x', false],
    ['not (Node == "web-1" and Node == x)', true],
    ['not (Node == "web-1" and Datacenter == dc1)', false],
    ['Node == x or not Datacenter == dc2', true],
    ['not not Node == "web-1"', true],
    ['not not not Node == "web-1"', false],
    ['((Node == "web-1"))', true],
    ['( Node == "web-1" ) and ( Datacenter == dc1 )', true],
    ['Node == x or Node == y or Datacenter == dc1', true],
    ['Datacenter == dc1 and Datacenter == dc1 and Node == y', false],
    ['Node=="web-1"', true],
    ['Node\n==\t"web-1"\r\nand Datacenter  ==  dc1', true],
  ]);
});

describe('quoting, escapes and bare words', () => {
  check(nodeSchema, fx.node, [
    [String.raw`Node == "web\x2d1"`, true],
    [String.raw`Node == "web\u002d1"`, true],
    [String.raw`Node == "web\U0000002d1"`, true],
    [String.raw`Node == "web\0551"`, true],
    ['Node == `web-1`', true],
    ['Node == "web-1 "', false],
    ['Node == web', false],
    ['Node == and', false],
    ['Node == not or Datacenter == dc1', true],
    [String.raw`"\\" in Node`, false],
  ]);
  check(nodeSchema, { ...fx.node, Node: 'ñode\t𝔫' }, [
    [String.raw`Node == "\xc3\xb1ode\t𝔫"`, true],
    [String.raw`Node == "\u00f1ode\x09\U0001d52b"`, true],
    ['Node matches "^.ode\\t.$"', true],
    [String.raw`Node == ${'`'}ñode\t𝔫${'`'}`, false],
  ]);
});
