// ACL enforcement matrix for every endpoint family besides KV/txn (acl-matrix.test.ts): catalog,
// health, agent, event, coordinate, session, status, snapshot, operator, metrics and the ACL
// endpoints' own acl:read / acl:write (routes/acl/ENFORCEMENT.md lists them). Tokens with no
// rules, read, write, deny and a mix of exact and prefix rules, under acl.default_policy allow
// and deny; each probe expects a status code, or the set a listing shows — and a listing
// carries X-Consul-Results-Filtered-By-ACLs exactly when it dropped something (every request
// here carries a token). The ACL system, state, agent and handlers are the real ones; only the
// Raft host behind the operator endpoints is a recording stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../app/metrics.ts';
import { createApp } from '../../routes/app.ts';
import type { AutopilotConfigView, OperatorServices } from '../../routes/operator/operator-services.ts';
import type { Services } from '../../routes/services.ts';
import { NODE_NAME } from '../support/routes-harness.ts';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

const KINDS = ['none', 'read', 'write', 'deny', 'prefix'] as const;
type Kind = (typeof KINDS)[number];
type Policy = 'allow' | 'deny';

const everywhere = (level: string): string =>
  [...['node_prefix', 'service_prefix', 'agent_prefix', 'event_prefix', 'session_prefix'].map((r) => `${r} "" { policy = "${level}" }`), `operator = "${level}"`].join('\n');

const RULES: Record<Kind, string> = {
  none: '',
  read: everywhere('read'),
  write: everywhere('write'),
  deny: everywhere('deny'),
  // Exact and prefix rules; whatever they do not cover falls to the default policy.
  prefix: [
    'node "n1" { policy = "read" }',
    `node "${NODE_NAME}" { policy = "write" }`,
    'service "web" { policy = "write" }',
    'service_prefix "d" { policy = "deny" }',
    'event_prefix "dep" { policy = "write" }',
    `agent "${NODE_NAME}" { policy = "read" }`,
  ].join('\n'),
};

/**
 * Expected status codes in the order none read write deny prefix, for default_policy allow,
 * then `|`, then for deny: "200 403 200 403 200 | 403 403 200 403 200".
 */
function codes(spec: string): Record<Policy, Record<Kind, number>> {
  const [allow, deny] = spec.split('|').map((half) => half.trim().split(/\s+/).map(Number));
  const row = (values: number[] | undefined): Record<Kind, number> => {
    if (values?.length !== KINDS.length) throw new Error(`bad spec: ${spec}`);
    return Object.fromEntries(KINDS.map((k, i) => [k, values[i]])) as Record<Kind, number>;
  };
  return { allow: row(allow), deny: row(deny) };
}

type Seen = readonly string[] | null;
/** Expected visible sets, none read write deny prefix, per default policy (null: the body is null). */
const seen = (allow: Seen[], deny: Seen[]): Record<Policy, Record<Kind, Seen>> => ({
  allow: Object.fromEntries(KINDS.map((k, i) => [k, allow[i] ?? null])) as Record<Kind, Seen>,
  deny: Object.fromEntries(KINDS.map((k, i) => [k, deny[i] ?? null])) as Record<Kind, Seen>,
});

interface Call {
  readonly path: string;
  readonly method?: string;
  readonly body?: unknown;
}

interface ListProbe extends Call {
  readonly name: string;
  /** What the listing shows, sorted; null for a null body. */
  readonly show: (body: unknown) => string[] | null;
  /** Everything there is to see (the filtered header is expected iff less is shown). */
  readonly all: readonly string[];
  readonly want: Record<Policy, Record<Kind, Seen>>;
}

interface StatusProbe extends Call {
  readonly name: string;
  readonly want: Record<Policy, Record<Kind, number>>;
  /** The refusal text names this permission (403 only). */
  readonly permission?: string;
  /** Undoes what an allowed write did, with the same token (so the next token sees the same state). */
  readonly undo?: Call;
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const pick = (field: string) => (body: unknown): string[] => sorted((body as Record<string, string>[]).map((x) => String(x[field])));
const keys = (body: unknown): string[] => sorted(Object.keys(body as object));

const NODES = ['n1', 'n2', NODE_NAME];
const CHECKS = ['db-ttl', 'db0-check', 'db1-check', 'local-node-check', 'n1-check', 'serfHealth', 'web-ttl', 'web1-check'];
const VISIBLE_CHECKS_PREFIX = ['local-node-check', 'n1-check', 'serfHealth', 'web-ttl', 'web1-check'];
const COORD = { Vec: [0.1, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 };

const LISTS: ListProbe[] = [
  { name: 'catalog nodes', path: '/v1/catalog/nodes', show: pick('Node'), all: NODES, want: seen([NODES, NODES, NODES, [], NODES], [[], NODES, NODES, [], ['n1', NODE_NAME]]) },
  { name: 'catalog services', path: '/v1/catalog/services', show: keys, all: ['db', 'web'], want: seen([['db', 'web'], ['db', 'web'], ['db', 'web'], [], ['web']], [[], ['db', 'web'], ['db', 'web'], [], ['web']]) },
  {
    name: 'catalog services ?filter', path: '/v1/catalog/services?filter=ServiceName%20!%3D%20%22none%22', show: keys, all: ['db', 'web'],
    want: seen([['db', 'web'], ['db', 'web'], ['db', 'web'], [], ['web']], [[], ['db', 'web'], ['db', 'web'], [], ['web']]),
  },
  {
    name: 'catalog service instances', path: '/v1/catalog/service/web', show: pick('ServiceID'), all: ['web-local', 'web1', 'web2'],
    want: seen([['web-local', 'web1', 'web2'], ['web-local', 'web1', 'web2'], ['web-local', 'web1', 'web2'], [], ['web-local', 'web1', 'web2']], [[], ['web-local', 'web1', 'web2'], ['web-local', 'web1', 'web2'], [], ['web-local', 'web1']]),
  },
  {
    name: 'catalog node', path: '/v1/catalog/node/n1', all: ['db0', 'web1'],
    show: (b) => (b === null ? null : keys((b as { Services: object }).Services)),
    want: seen([['db0', 'web1'], ['db0', 'web1'], ['db0', 'web1'], null, ['web1']], [null, ['db0', 'web1'], ['db0', 'web1'], null, ['web1']]),
  },
  {
    name: 'catalog node-services', path: '/v1/catalog/node-services/n2', all: ['db1', 'web2'],
    show: (b) => ((b as { Node: unknown }).Node === null ? null : pick('ID')((b as { Services: unknown }).Services)),
    want: seen([['db1', 'web2'], ['db1', 'web2'], ['db1', 'web2'], null, ['web2']], [null, ['db1', 'web2'], ['db1', 'web2'], null, null]),
  },
  {
    name: 'health node', path: '/v1/health/node/n1', show: pick('CheckID'), all: ['db0-check', 'n1-check', 'web1-check'],
    want: seen([['db0-check', 'n1-check', 'web1-check'], ['db0-check', 'n1-check', 'web1-check'], ['db0-check', 'n1-check', 'web1-check'], [], ['n1-check', 'web1-check']], [[], ['db0-check', 'n1-check', 'web1-check'], ['db0-check', 'n1-check', 'web1-check'], [], ['n1-check', 'web1-check']]),
  },
  {
    name: 'health checks', path: '/v1/health/checks/web', show: pick('CheckID'), all: ['web-ttl', 'web1-check'],
    want: seen([['web-ttl', 'web1-check'], ['web-ttl', 'web1-check'], ['web-ttl', 'web1-check'], [], ['web-ttl', 'web1-check']], [[], ['web-ttl', 'web1-check'], ['web-ttl', 'web1-check'], [], ['web-ttl', 'web1-check']]),
  },
  {
    name: 'health service', path: '/v1/health/service/web', show: (b) => sorted((b as { Service: { ID: string } }[]).map((x) => x.Service.ID)), all: ['web-local', 'web1', 'web2'],
    want: seen([['web-local', 'web1', 'web2'], ['web-local', 'web1', 'web2'], ['web-local', 'web1', 'web2'], [], ['web-local', 'web1', 'web2']], [[], ['web-local', 'web1', 'web2'], ['web-local', 'web1', 'web2'], [], ['web-local', 'web1']]),
  },
  { name: 'health state', path: '/v1/health/state/any', show: pick('CheckID'), all: CHECKS, want: seen([CHECKS, CHECKS, CHECKS, [], VISIBLE_CHECKS_PREFIX], [[], CHECKS, CHECKS, [], VISIBLE_CHECKS_PREFIX]) },
  { name: 'agent members', path: '/v1/agent/members', show: pick('Name'), all: [NODE_NAME], want: seen([[NODE_NAME], [NODE_NAME], [NODE_NAME], [], [NODE_NAME]], [[], [NODE_NAME], [NODE_NAME], [], [NODE_NAME]]) },
  {
    name: 'agent services', path: '/v1/agent/services', show: keys, all: ['db-local', 'web-local'],
    want: seen([['db-local', 'web-local'], ['db-local', 'web-local'], ['db-local', 'web-local'], [], ['web-local']], [[], ['db-local', 'web-local'], ['db-local', 'web-local'], [], ['web-local']]),
  },
  {
    name: 'agent checks', path: '/v1/agent/checks', show: keys, all: ['db-ttl', 'local-node-check', 'web-ttl'],
    want: seen([['db-ttl', 'local-node-check', 'web-ttl'], ['db-ttl', 'local-node-check', 'web-ttl'], ['db-ttl', 'local-node-check', 'web-ttl'], [], ['local-node-check', 'web-ttl']], [[], ['db-ttl', 'local-node-check', 'web-ttl'], ['db-ttl', 'local-node-check', 'web-ttl'], [], ['local-node-check', 'web-ttl']]),
  },
  {
    name: 'event list', path: '/v1/event/list', show: (b) => sorted(new Set((b as { Name: string }[]).map((e) => e.Name))), all: ['deploy', 'secret'],
    want: seen([['deploy', 'secret'], ['deploy', 'secret'], ['deploy', 'secret'], [], ['deploy', 'secret']], [[], ['deploy', 'secret'], ['deploy', 'secret'], [], ['deploy']]),
  },
  { name: 'coordinate nodes', path: '/v1/coordinate/nodes', show: pick('Node'), all: NODES, want: seen([NODES, NODES, NODES, [], NODES], [[], NODES, NODES, [], ['n1', NODE_NAME]]) },
  { name: 'session list', path: '/v1/session/list', show: pick('Node'), all: [NODE_NAME], want: seen([[NODE_NAME], [NODE_NAME], [NODE_NAME], [], [NODE_NAME]], [[], [NODE_NAME], [NODE_NAME], [], []]) },
  { name: 'session node', path: `/v1/session/node/${NODE_NAME}`, show: pick('Node'), all: [NODE_NAME], want: seen([[NODE_NAME], [NODE_NAME], [NODE_NAME], [], [NODE_NAME]], [[], [NODE_NAME], [NODE_NAME], [], []]) },
];

const READ_OK = codes('200 200 200 403 200 | 403 200 200 403 200');
const WRITE_OK = codes('200 403 200 403 200 | 403 403 200 403 200');
const AGENT_WRITE = codes('200 403 200 403 403 | 403 403 200 403 403');
const OPERATOR_READ = codes('200 200 200 403 200 | 403 200 200 403 403');
const OPERATOR_WRITE = codes('200 403 200 403 200 | 403 403 200 403 403');
/** Endpoints Consul answers whatever the token (a valid one: unknown secrets are refused elsewhere). */
const NO_CHECK = codes('200 200 200 200 200 | 200 200 200 200 200');
/** Management only (acl = write): none of these tokens has it, under either default policy. */
const MANAGEMENT = codes('403 403 403 403 403 | 403 403 403 403 403');

const STATUSES: StatusProbe[] = [
  // catalog
  { name: 'catalog gateway-services: service:read on the gateway', path: '/v1/catalog/gateway-services/web', want: READ_OK, permission: 'service:read' },
  { name: 'catalog connect: empty, never 403', path: '/v1/catalog/connect/db', want: codes('200 200 200 200 200 | 200 200 200 200 200') },
  {
    name: 'catalog register: service:write (the leader vets it)', path: '/v1/catalog/register', method: 'PUT', permission: 'service:write',
    body: { Node: 'n1', Address: '127.0.0.31', SkipNodeUpdate: true, Service: { ID: 'web-x', Service: 'web' } }, want: WRITE_OK,
    undo: { path: '/v1/catalog/deregister', method: 'PUT', body: { Node: 'n1', ServiceID: 'web-x' } },
  },
  {
    name: 'catalog deregister of an unknown service: node:write, else Consul\'s 500', path: '/v1/catalog/deregister', method: 'PUT',
    body: { Node: 'n1', ServiceID: 'ghost' }, want: codes('200 500 200 500 500 | 500 500 200 500 500'),
  },
  { name: 'catalog datacenters: no check', path: '/v1/catalog/datacenters', want: NO_CHECK },
  // health
  { name: 'health connect: empty, never 403', path: '/v1/health/connect/db', want: codes('200 200 200 200 200 | 200 200 200 200 200') },
  { name: 'health ingress: empty, never 403', path: '/v1/health/ingress/db', want: NO_CHECK },
  // status
  { name: 'status leader: no check', path: '/v1/status/leader', want: NO_CHECK },
  { name: 'status peers: no check', path: '/v1/status/peers', want: NO_CHECK },
  // agent
  { name: 'agent self: agent:read', path: '/v1/agent/self', want: READ_OK, permission: 'agent:read' },
  { name: 'agent version: no check', path: '/v1/agent/version', want: NO_CHECK },
  { name: 'agent host: operator:read', path: '/v1/agent/host', want: OPERATOR_READ, permission: 'operator:read' },
  { name: 'agent metrics: agent:read', path: '/v1/agent/metrics', want: READ_OK, permission: 'agent:read' },
  { name: 'agent service: service:read', path: '/v1/agent/service/web-local', want: READ_OK, permission: 'service:read' },
  { name: 'agent service health by name: service:read', path: '/v1/agent/health/service/name/db', want: codes('503 503 503 403 403 | 403 503 503 403 403'), permission: 'service:read' },
  { name: 'agent service health by ID: service:read on its service', path: '/v1/agent/health/service/id/web-local', want: codes('503 503 503 403 503 | 403 503 503 403 503'), permission: 'service:read' },
  {
    name: 'agent service register: service:write', path: '/v1/agent/service/register', method: 'PUT', body: { Name: 'web', ID: 'web-new' }, want: WRITE_OK, permission: 'service:write',
    undo: { path: '/v1/agent/service/deregister/web-new', method: 'PUT' },
  },
  { name: 'agent service deregister: service:write on its service', path: '/v1/agent/service/deregister/db-local', method: 'PUT', want: codes('200 403 200 403 403 | 403 403 200 403 403'), permission: 'service:write', undo: { path: '/v1/agent/service/register', method: 'PUT', body: { Name: 'db', ID: 'db-local', Check: { CheckID: 'db-ttl', Name: 'db-ttl', TTL: '10m' } } } },
  { name: 'agent service maintenance: service:write', path: '/v1/agent/service/maintenance/web-local?enable=false', method: 'PUT', want: WRITE_OK, permission: 'service:write' },
  {
    name: 'agent node check register: node:write', path: '/v1/agent/check/register', method: 'PUT', body: { Name: 'node-x', TTL: '10m' }, want: WRITE_OK, permission: 'node:write',
    undo: { path: '/v1/agent/check/deregister/node-x', method: 'PUT' },
  },
  { name: 'agent TTL warn: service:write on the check\'s service', path: '/v1/agent/check/warn/db-ttl', method: 'PUT', want: codes('200 403 200 403 403 | 403 403 200 403 403'), permission: 'service:write' },
  { name: 'agent TTL pass: node:write for a node check', path: '/v1/agent/check/pass/local-node-check', method: 'PUT', want: WRITE_OK, permission: 'node:write' },
  { name: 'agent TTL update: service:write on the check\'s service', path: '/v1/agent/check/fail/db-ttl', method: 'PUT', want: codes('200 403 200 403 403 | 403 403 200 403 403'), permission: 'service:write' },
  { name: 'agent TTL update: node:write for a node check', path: '/v1/agent/check/update/local-node-check', method: 'PUT', body: { Status: 'critical' }, want: WRITE_OK, permission: 'node:write' },
  { name: 'agent check deregister: an unknown ID is 404 before any permission', path: '/v1/agent/check/deregister/ghost', method: 'PUT', want: codes('404 404 404 404 404 | 404 404 404 404 404') },
  { name: 'agent maintenance: node:write', path: '/v1/agent/maintenance?enable=false', method: 'PUT', want: WRITE_OK, permission: 'node:write' },
  { name: 'agent reload: agent:write', path: '/v1/agent/reload', method: 'PUT', want: AGENT_WRITE, permission: 'agent:write' },
  { name: 'agent join: agent:write', path: '/v1/agent/join/127.0.0.1:18301', method: 'PUT', want: AGENT_WRITE, permission: 'agent:write' },
  { name: 'agent force-leave: operator:write', path: '/v1/agent/force-leave/ghost', method: 'PUT', want: OPERATOR_WRITE, permission: 'operator:write' },
  { name: 'agent token: agent:write', path: '/v1/agent/token/replication', method: 'PUT', body: { Token: '' }, want: AGENT_WRITE, permission: 'agent:write' },
  // event
  { name: 'event fire: event:write (matched rule)', path: '/v1/event/fire/deploy', method: 'PUT', want: WRITE_OK },
  { name: 'event fire: event:write (default policy)', path: '/v1/event/fire/secret', method: 'PUT', want: codes('200 403 200 403 200 | 403 403 200 403 403') },
  // coordinate
  { name: 'coordinate datacenters: no check', path: '/v1/coordinate/datacenters', want: NO_CHECK },
  { name: 'coordinate node: node:read', path: '/v1/coordinate/node/n2', want: codes('200 200 200 403 200 | 403 200 200 403 403'), permission: 'node:read' },
  { name: 'coordinate update: node:write', path: '/v1/coordinate/update', method: 'PUT', body: { Node: 'n1', Coord: COORD }, want: codes('200 403 200 403 403 | 403 403 200 403 403'), permission: 'node:write' },
  // session
  { name: 'session create: session:write on the node', path: '/v1/session/create', method: 'PUT', want: codes('200 403 200 403 200 | 403 403 200 403 403'), permission: 'session:write' },
  // snapshot, operator
  { name: 'snapshot save: management only', path: '/v1/snapshot', want: MANAGEMENT, permission: 'acl:write' },
  { name: 'snapshot restore: management only, before the body is read', path: '/v1/snapshot', method: 'PUT', body: 'not an archive', want: MANAGEMENT, permission: 'acl:write' },
  { name: 'operator raft peer removal: operator:write', path: '/v1/operator/raft/peer?id=ghost', method: 'DELETE', want: OPERATOR_WRITE, permission: 'operator:write' },
  { name: 'operator autopilot health: operator:read', path: '/v1/operator/autopilot/health', want: OPERATOR_READ, permission: 'operator:read' },
  { name: 'operator autopilot state: operator:read', path: '/v1/operator/autopilot/state', want: OPERATOR_READ, permission: 'operator:read' },
  {
    name: 'operator autopilot configuration update: operator:write', path: '/v1/operator/autopilot/configuration', method: 'PUT',
    body: { CleanupDeadServers: true, MaxTrailingLogs: 250 }, want: OPERATOR_WRITE, permission: 'operator:write',
  },
  // acl: rules for other resources never grant acl, and default_policy allow does not either
  { name: 'acl policy list: acl:read', path: '/v1/acl/policies', want: MANAGEMENT, permission: 'acl:read' },
  { name: 'acl token list: acl:read', path: '/v1/acl/tokens', want: MANAGEMENT, permission: 'acl:read' },
  { name: 'acl policy create: acl:write', path: '/v1/acl/policy', method: 'PUT', body: { Name: 'nope', Rules: '' }, want: MANAGEMENT, permission: 'acl:write' },
  { name: 'acl token self: any valid token', path: '/v1/acl/token/self', want: NO_CHECK },
  { name: 'operator raft configuration: operator:read', path: '/v1/operator/raft/configuration', want: OPERATOR_READ, permission: 'operator:read' },
  { name: 'operator transfer-leader: operator:write', path: '/v1/operator/raft/transfer-leader', method: 'POST', want: OPERATOR_WRITE, permission: 'operator:write' },
  { name: 'operator autopilot configuration: operator:read', path: '/v1/operator/autopilot/configuration', want: OPERATOR_READ, permission: 'operator:read' },
  { name: 'operator usage: operator:read', path: '/v1/operator/usage', want: OPERATOR_READ, permission: 'operator:read' },
];

const AUTOPILOT: AutopilotConfigView = {
  cleanupDeadServers: true, lastContactThresholdNs: 200_000_000, maxTrailingLogs: 250, minQuorum: 0, serverStabilizationTimeNs: 10_000_000_000,
  redundancyZoneTag: '', disableUpgradeMigration: false, upgradeVersionTag: '', createIndex: 1, modifyIndex: 1,
};

/** The Raft host's side of the operator endpoints, answering like a one-server cluster. */
const operator: OperatorServices = {
  raftConfiguration: async () => ({ servers: [{ id: 'a', node: NODE_NAME, address: '127.0.0.1:8300', leader: true, voter: true, lastIndex: 1 }], index: 1 }),
  removeRaftPeer: async () => {},
  transferLeader: async () => {},
  autopilotConfiguration: () => AUTOPILOT,
  setAutopilotConfiguration: async () => true,
  autopilotHealth: async () => ({ healthy: true, failureTolerance: 0, optimisticFailureTolerance: 0, leader: 'a', voters: ['a'], servers: [] }),
  snapshotSave: async () => ({ index: 1, meta: { knownLeader: true, lastContactMs: 0 }, body: (async function* () { yield new Uint8Array([1]); })() }),
  snapshotRestore: async () => {},
};

interface Rig {
  readonly h: AclHarness;
  readonly root: string;
  readonly secrets: Record<Kind, string>;
  call(token: string | null, c: Call): Promise<Response>;
}

/** Creates a token with `rules` (none for ""), returning its secret. */
async function tokenWith(call: Rig['call'], root: string, name: string, rules: string): Promise<string> {
  const links: { Name: string }[] = [];
  if (rules !== '') {
    expect((await call(root, { path: '/v1/acl/policy', method: 'PUT', body: { Name: name, Rules: rules } })).status).toBe(200);
    links.push({ Name: name });
  }
  const res = await call(root, { path: '/v1/acl/token', method: 'PUT', body: { Description: name, Policies: links } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { SecretID: string }).SecretID;
}

/** The catalog, the local agent, events, coordinates and a session, written with the management token. */
async function seed(call: Rig['call'], root: string): Promise<void> {
  const ok = async (c: Call): Promise<void> => {
    const res = await call(root, c);
    expect(res.status, `${c.path}: ${await res.clone().text()}`).toBe(200);
  };
  const register = (body: unknown) => ok({ path: '/v1/catalog/register', method: 'PUT', body });
  await register({ Node: 'n1', Address: '127.0.0.31', Service: { ID: 'web1', Service: 'web' }, Checks: [{ CheckID: 'n1-check', Name: 'n1-check', Status: 'passing' }, { CheckID: 'web1-check', Name: 'web1-check', ServiceID: 'web1', Status: 'passing' }] });
  await register({ Node: 'n1', Address: '127.0.0.31', Service: { ID: 'db0', Service: 'db' }, Check: { CheckID: 'db0-check', Name: 'db0-check', ServiceID: 'db0' } });
  await register({ Node: 'n2', Address: '127.0.0.32', Service: { ID: 'web2', Service: 'web' } });
  await register({ Node: 'n2', Address: '127.0.0.32', Service: { ID: 'db1', Service: 'db' }, Check: { CheckID: 'db1-check', Name: 'db1-check', ServiceID: 'db1' } });
  await ok({ path: '/v1/agent/service/register', method: 'PUT', body: { Name: 'web', ID: 'web-local', Check: { CheckID: 'web-ttl', Name: 'web-ttl', TTL: '10m' } } });
  await ok({ path: '/v1/agent/service/register', method: 'PUT', body: { Name: 'db', ID: 'db-local', Check: { CheckID: 'db-ttl', Name: 'db-ttl', TTL: '10m' } } });
  await ok({ path: '/v1/agent/check/register', method: 'PUT', body: { ID: 'local-node-check', Name: 'local-node-check', TTL: '10m' } });
  for (const name of ['deploy', 'secret']) await ok({ path: `/v1/event/fire/${name}`, method: 'PUT' });
  for (const node of NODES) await ok({ path: '/v1/coordinate/update', method: 'PUT', body: { Node: node, Coord: COORD } });
  await ok({ path: '/v1/session/create', method: 'PUT' });
}

async function startRig(policy: Policy): Promise<Rig> {
  const h = await startAclHarness({ defaultPolicy: policy });
  const services: Services = Object.assign(Object.create(Object.getPrototypeOf(h.services) as object) as Services, h.services, { operator, metrics: new MetricsRegistry() });
  const app = createApp(services);
  const call = async (token: string | null, c: Call): Promise<Response> => {
    const body = c.body === undefined ? undefined : JSON.stringify(c.body);
    const headers: Record<string, string> = token === null ? {} : { 'X-Consul-Token': token };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    return app.request(c.path, { method: c.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  };
  const root = await h.bootstrap();
  await seed(call, root);
  const secrets = {} as Record<Kind, string>;
  for (const kind of KINDS) secrets[kind] = await tokenWith(call, root, `p-${kind}`, RULES[kind]);
  return { h, root, secrets, call };
}

for (const policy of ['allow', 'deny'] as const) {
  describe(`every family under acl.default_policy = ${policy}`, () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig(policy);
    });
    afterAll(() => rig.h.close());

    describe.each(KINDS)('token with %s rules', (kind) => {
      it('listings show what the token may read; the filtered header says when something was dropped', async () => {
        for (const probe of LISTS) {
          const res = await rig.call(rig.secrets[kind], probe);
          expect(res.status, probe.name).toBe(200);
          const shown = probe.show(await res.json());
          const want = probe.want[policy][kind];
          expect(shown, probe.name).toEqual(want);
          const dropped = want === null || want.length < probe.all.length;
          expect(res.headers.get('x-consul-results-filtered-by-acls'), probe.name).toBe(dropped ? 'true' : null);
        }
      });

      it('single objects and writes answer 200 or Consul\'s 403 (404/500 where Consul answers those first)', async () => {
        for (const probe of STATUSES) {
          const res = await rig.call(rig.secrets[kind], probe);
          const text = await res.text();
          expect(res.status, `${probe.name}: ${text}`).toBe(probe.want[policy][kind]);
          if (res.status === 403 && probe.permission !== undefined) expect(text, probe.name).toContain(`lacks permission '${probe.permission}'`);
          if (res.status === 200 && probe.undo !== undefined) expect((await rig.call(rig.secrets[kind], probe.undo)).status, `undo ${probe.name}`).toBe(200);
          if (probe.path === '/v1/session/create' && res.status === 200) {
            const id = (JSON.parse(text) as { ID: string }).ID;
            expect((await rig.call(rig.secrets[kind], { path: `/v1/session/destroy/${id}`, method: 'PUT' })).status).toBe(200);
          }
        }
      });
    });

    it('an event:write refusal is Consul\'s bare "Permission denied"', async () => {
      const res = await rig.call(rig.secrets.deny, { path: '/v1/event/fire/deploy', method: 'PUT' });
      expect([res.status, await res.text()]).toEqual([403, 'Permission denied']);
    });

    it('an unknown secret is "ACL not found" on every family, before any 404 or wait', async () => {
      const unknown = '0b1c2d3e-0000-4000-8000-000000000000';
      const paths = [
        ...LISTS.map((p) => p.path), '/v1/catalog/gateway-services/web', '/v1/health/connect/web', '/v1/agent/self', '/v1/agent/service/no-such-id',
        '/v1/agent/health/service/id/no-such-id', '/v1/coordinate/node/nope', '/v1/operator/usage', '/v1/snapshot', '/v1/agent/metrics', '/v1/event/list?index=5&wait=5s',
        '/v1/operator/raft/configuration', '/v1/operator/autopilot/state', '/v1/agent/health/service/name/db', '/v1/acl/token/self', '/v1/agent/host',
      ];
      for (const path of paths) {
        const res = await rig.call(unknown, { path });
        expect([res.status, await res.text()], path).toEqual([403, 'ACL not found']);
      }
      const writes: Call[] = [
        { path: '/v1/agent/service/deregister/no-such-id', method: 'PUT' }, { path: '/v1/agent/check/pass/no-such-id', method: 'PUT' },
        { path: '/v1/agent/token/default', method: 'PUT', body: { Token: '' } }, { path: '/v1/coordinate/update', method: 'PUT', body: { Node: 'n1', Coord: COORD } },
      ];
      for (const w of writes) expect([(await rig.call(unknown, w)).status], w.path).toEqual([403]);
    });
  });
}

describe('the filtered header without a token, and with the agent\'s default token', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig('deny');
  });
  afterAll(() => rig.h.close());

  it('is masked for anonymous requests; a default token set through PUT /v1/agent/token/default counts as the request\'s own', async () => {
    const anonymous = await rig.call(null, { path: '/v1/catalog/services' });
    expect(await anonymous.json()).toEqual({});
    expect(anonymous.headers.get('x-consul-results-filtered-by-acls')).toBeNull();

    const set = await rig.call(rig.root, { path: '/v1/agent/token/default', method: 'PUT', body: { Token: rig.secrets.prefix } });
    expect(set.status).toBe(200);
    const withDefault = await rig.call(null, { path: '/v1/catalog/services' });
    expect(Object.keys((await withDefault.json()) as object)).toEqual(['web']);
    expect(withDefault.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    // Writes without a token act with the default token too.
    expect((await rig.call(null, { path: '/v1/event/fire/deploy', method: 'PUT' })).status).toBe(200);
    expect((await rig.call(null, { path: '/v1/event/fire/other', method: 'PUT' })).status).toBe(403);

    expect((await rig.call(rig.root, { path: '/v1/agent/token/acl_token', method: 'PUT', body: { Token: '' } })).status).toBe(200);
    expect(await (await rig.call(null, { path: '/v1/catalog/services' })).json()).toEqual({});
  });
});
