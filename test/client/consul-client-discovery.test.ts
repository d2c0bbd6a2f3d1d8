// The npm `consul` client, unchanged, against a 3-server cluster of real processes: agent
// service and check registration, catalog and health reads through other servers, TTL updates,
// watches (blocking queries) on health and catalog, events, members and self.
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

/** Bound on one watch round trip in this file. */
const WATCH_TIMEOUT_MS = 15_000;

let cluster: Cluster;
let a: Consul;
let b: Consul;
let c: Consul;

const client = (s: AgentProcess): Consul => new Consul({ host: '127.0.0.1', port: s.options.httpPort });

beforeAll(async () => {
  cluster = await startCluster({ size: 3 });
  await cluster.leader();
  const [s1, s2, s3] = cluster.servers as [AgentProcess, AgentProcess, AgentProcess];
  [a, b, c] = [client(s1), client(s2), client(s3)];
});

afterAll(async () => {
  await cluster?.stop();
});

interface HealthEntry { Node: { Node: string }; Service: { ID: string; Service: string; Port: number; Tags: string[] }; Checks: { CheckID: string; Status: string; Output: string }[] }

/** The first `change` event a watch emits after `trigger` runs; the watch is ended either way. */
function nextChange<T>(watch: ReturnType<Consul['watch']>, trigger: () => Promise<unknown>, accept: (data: T) => boolean): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      watch.end();
      reject(new Error('watch did not report the change in time'));
    }, WATCH_TIMEOUT_MS);
    let triggered = false;
    watch.on('change', (data: T) => {
      if (!triggered) {
        triggered = true;
        void trigger().catch(reject);
        return;
      }
      if (!accept(data)) return;
      clearTimeout(timer);
      watch.end();
      resolve(data);
    });
    watch.on('error', (err: Error) => {
      clearTimeout(timer);
      watch.end();
      reject(err);
    });
  });
}

describe('npm consul client on a 3-server cluster', () => {
  it('registers an agent service with a TTL check and discovers it through other servers', async () => {
    await a.agent.service.register({ name: 'checkout', id: 'checkout-1', port: 8080, tags: ['blue'], check: { ttl: '30s', notes: 'heartbeat' } as never });
    const services = (await a.agent.service.list()) as Record<string, { Service: string; Port: number }>;
    expect(services['checkout-1']).toMatchObject({ Service: 'checkout', Port: 8080 });
    const nodes = await waitFor(async () => {
      const list = (await b.catalog.service.nodes('checkout')) as { ServiceID: string; Node: string }[];
      return list.length === 1 ? list : undefined;
    }, { timeoutMs: 10_000, what: 'checkout in the catalog through s2' });
    expect(nodes[0]).toMatchObject({ ServiceID: 'checkout-1', Node: 's1' });
    expect(await c.health.service({ service: 'checkout', passing: true })).toEqual([]);
    await a.agent.check.pass({ id: 'service:checkout-1', note: 'alive' });
    const passing = await waitFor(async () => {
      const list = (await c.health.service({ service: 'checkout', passing: true })) as HealthEntry[];
      return list.length === 1 ? list : undefined;
    }, { timeoutMs: 10_000, what: 'checkout passing through s3' });
    expect(passing[0]!.Checks.find((x) => x.CheckID === 'service:checkout-1')).toMatchObject({ Status: 'passing', Output: 'alive' });
    expect(await c.catalog.datacenters()).toEqual(['dc1']);
    expect(((await b.catalog.node.list()) as { Node: string }[]).map((n) => n.Node)).toEqual(['s1', 's2', 's3']);
    expect(((await c.health.checks('checkout')) as { CheckID: string }[]).map((x) => x.CheckID)).toEqual(['service:checkout-1']);
  });

  it('a health watch on one server sees a check registered and failed through another', async () => {
    await b.agent.service.register({ name: 'ledger', id: 'ledger-1', check: { ttl: '30s', status: 'passing' } as never });
    await waitFor(async () => (((await c.health.service('ledger')) as unknown[]).length === 1 ? true : undefined), { timeoutMs: 10_000, what: 'ledger on s3' });
    const watch = c.watch({ method: c.health.service, options: { service: 'ledger', wait: '10s' } as never });
    const changed = await nextChange<HealthEntry[]>(watch, () => b.agent.check.fail({ id: 'service:ledger-1', note: 'disk full' }), (data) =>
      data.some((i) => i.Checks.some((x) => x.CheckID === 'service:ledger-1' && x.Status === 'critical')),
    );
    expect(changed[0]!.Checks.find((x) => x.CheckID === 'service:ledger-1')!.Output).toBe('disk full');
  });

  it('a catalog watch on one server sees a service registered through another', async () => {
    const watch = a.watch({ method: a.catalog.service.list, options: { wait: '10s' } as never });
    const changed = await nextChange<Record<string, string[]>>(watch, () => c.agent.service.register({ name: 'billing', tags: ['v9'] }), (data) => 'billing' in data);
    expect(changed['billing']).toEqual(['v9']);
  });

  it('fires and lists events; members and self answer', async () => {
    const fired = (await a.event.fire('rollout', 'payload-1')) as { ID: string; Name: string };
    expect(fired.Name).toBe('rollout');
    const events = await waitFor(async () => {
      const list = (await b.event.list('rollout')) as { ID: string; Payload: string }[];
      return list.some((e) => e.ID === fired.ID) ? list : undefined;
    }, { timeoutMs: 10_000, what: 'the event on s2' });
    expect(events.find((e) => e.ID === fired.ID)!.Payload).toBe('payload-1');
    const members = (await c.agent.members()) as { Name: string; Status: number }[];
    expect(members.map((m) => [m.Name, m.Status])).toEqual([['s1', 1], ['s2', 1], ['s3', 1]]);
    const self = (await b.agent.self()) as { Config: { Datacenter: string; NodeName: string } };
    expect(self.Config).toMatchObject({ Datacenter: 'dc1', NodeName: 's2' });
  });

  it('deregisters through the agent; the catalog follows on every server', async () => {
    await a.agent.service.deregister('checkout-1');
    for (const cl of [a, b, c]) {
      await waitFor(async () => (((await cl.catalog.service.nodes('checkout')) as unknown[]).length === 0 ? true : undefined), { timeoutMs: 10_000, what: 'checkout gone' });
    }
    // Consul answers 404 for an unknown service ID; the client surfaces it as "not found".
    await expect(a.agent.service.deregister('checkout-1')).rejects.toThrow(/not found/);
  });
});
