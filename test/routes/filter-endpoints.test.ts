// ?filter= through the endpoints that accept it (consul-api.md §1.11): a table of expressions
// and the elements each keeps, per endpoint's element type, and Consul's 500 for bad ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_NAME, startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

let h: RoutesHarness;

beforeAll(async () => {
  h = startRoutesHarness();
  const register = (body: unknown) => h.request('/v1/catalog/register', { method: 'PUT', body: JSON.stringify(body) });
  await register({
    Node: 'web-a', Address: '127.0.0.21', NodeMeta: { env: 'prod', rack: 'r1' }, TaggedAddresses: { wan: '127.0.0.21' },
    Service: { ID: 'web-a1', Service: 'web', Tags: ['primary', 'v1'], Port: 80, Meta: { version: '1' } },
    Checks: [{ CheckID: 'web-a1-http', Name: 'http', Status: 'passing', ServiceID: 'web-a1', Output: 'HTTP GET: 200 OK' }],
  });
  await register({
    Node: 'web-b', Address: '127.0.0.22', NodeMeta: { env: 'staging' },
    Service: { ID: 'web-b1', Service: 'web', Tags: ['v2'], Port: 8080, Weights: { Passing: 5, Warning: 1 } },
    Checks: [{ CheckID: 'web-b1-http', Name: 'http', Status: 'critical', ServiceID: 'web-b1', Output: 'connection refused' }],
  });
  await register({ Node: 'db-a', Address: '127.0.0.23', Service: { ID: 'pg', Service: 'postgres', Port: 5432 } });
  await h.request('/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'local', Port: 1, Tags: ['edge'], Meta: { team: 'core' }, Check: { CheckID: 'local-ttl', TTL: '30s', Status: 'warning' } }) });
});

afterAll(() => h.close());

const enc = encodeURIComponent;

async function ids(path: string, filter: string, pick: (body: unknown) => string[]): Promise<string[]> {
  const res = await h.request(`${path}${path.includes('?') ? '&' : '?'}filter=${enc(filter)}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return pick(await res.json());
}

const serviceNodes = (b: unknown) => (b as { ServiceID: string }[]).map((s) => s.ServiceID);
const nodes = (b: unknown) => (b as { Node: string }[]).map((n) => n.Node);
const checks = (b: unknown) => (b as { CheckID: string }[]).map((c) => c.CheckID);
const instances = (b: unknown) => (b as { Service: { ID: string } }[]).map((i) => i.Service.ID);
const mapKeys = (b: unknown) => Object.keys(b as object).sort();

describe('?filter= on every endpoint that takes it', () => {
  it.each([
    ['/v1/catalog/nodes', 'Meta.env == prod', nodes, ['web-a']],
    ['/v1/catalog/nodes', 'Meta.env != prod', nodes, ['db-a', NODE_NAME, 'web-b']],
    ['/v1/catalog/nodes', 'Node matches "^web-"', nodes, ['web-a', 'web-b']],
    ['/v1/catalog/nodes', 'TaggedAddresses is not empty', nodes, ['web-a']],
    ['/v1/catalog/nodes', 'rack in Meta', nodes, ['web-a']],
    ['/v1/catalog/service/web', 'ServicePort == 8080', serviceNodes, ['web-b1']],
    ['/v1/catalog/service/web', 'primary in ServiceTags', serviceNodes, ['web-a1']],
    ['/v1/catalog/service/web', 'ServiceWeights.Passing == 5 or NodeMeta.env == prod', serviceNodes, ['web-a1', 'web-b1']],
    ['/v1/catalog/service/web', 'not (ServiceMeta.version == "1")', serviceNodes, ['web-b1']],
    ['/v1/catalog/service/web', 'ServiceTags contains v2 and Address == "127.0.0.22"', serviceNodes, ['web-b1']],
    ['/v1/catalog/services', 'ServiceName == postgres', mapKeys, ['postgres']],
    ['/v1/catalog/services', 'NodeMeta.env == staging', mapKeys, ['web']],
    ['/v1/catalog/node/web-a', 'Port == 80', (b: unknown) => Object.keys((b as { Services: object }).Services), ['web-a1']],
    ['/v1/catalog/node/web-a', 'Port == 81', (b: unknown) => Object.keys((b as { Services: object }).Services), []],
    ['/v1/health/service/web', 'Checks.Status == critical', instances, ['web-b1']],
    ['/v1/health/service/web', 'Node.Meta.env == prod and Service.Port == 80', instances, ['web-a1']],
    ['/v1/health/service/web', 'Checks.Output contains refused', instances, ['web-b1']],
    ['/v1/health/checks/web', 'Status == passing', checks, ['web-a1-http']],
    ['/v1/health/state/any', 'ServiceName == web and Status != passing', checks, ['web-b1-http']],
    ['/v1/health/node/web-b', 'Output matches "refused$"', checks, ['web-b1-http']],
    ['/v1/agent/services', 'edge in Tags', mapKeys, ['local']],
    ['/v1/agent/services', 'Meta.team == core and Port == 1', mapKeys, ['local']],
    ['/v1/agent/services', 'Service == nope', mapKeys, []],
    ['/v1/agent/checks', 'Status == warning', mapKeys, ['local-ttl']],
    ['/v1/agent/members', 'Tags.role == consul', (b: unknown) => (b as { Name: string }[]).map((m) => m.Name), [NODE_NAME]],
    ['/v1/agent/members', 'Status != 1', (b: unknown) => (b as { Name: string }[]).map((m) => m.Name), []],
  ])('%s ?filter=%s', async (path, filter, pick, expected) => {
    expect((await ids(path, filter, pick)).sort()).toEqual([...expected].sort());
  });

  it.each([
    ['/v1/catalog/nodes', 'Nope == 1', 'Selector "Nope" is not valid'],
    ['/v1/catalog/service/web', 'ServicePort matches "8"', 'Invalid match operator "Matches" for selector "ServicePort"'],
    ['/v1/catalog/service/web', 'ServicePort == abc', 'Failed to coerce value "abc" for selector "ServicePort": strconv.ParseInt: parsing "abc": invalid syntax'],
    ['/v1/health/service/web', 'Node.Node == host-name', '1:18 (17): no match found, expected: ".", "[", [ \\t\\r\\n], [a-zA-Z0-9_] or EOF'],
    ['/v1/health/checks/web', 'CreateIndex == 1', 'Selector "CreateIndex" is not valid'],
    ['/v1/agent/services', 'Tags == x', 'Invalid match operator "Equal" for selector "Tags"'],
  ])('%s ?filter=%s is a 500 with Consul\'s evaluator text', async (path, filter, detail) => {
    const res = await h.request(`${path}?filter=${enc(filter)}`);
    expect([res.status, await res.text()]).toEqual([500, `Failed to create boolean expression evaluator: ${detail}`]);
  });

  it('an empty filter filters nothing', async () => {
    expect((await ids('/v1/catalog/service/web', '', serviceNodes)).sort()).toEqual(['web-a1', 'web-b1']);
  });
});
