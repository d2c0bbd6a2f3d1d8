// The local agent over a real state store and a single-node applier, on a manual clock:
// anti-entropy writes only what differs, output-only changes wait, local state survives a
// restart, TTL expiry, and DeregisterCriticalServiceAfter.
import { afterEach, describe, expect, it } from 'vitest';
import { checkRegistration, serviceRegistration } from '../../../routes/agent/definitions.ts';
import type { ServiceDefinitionBody } from '../../../routes/agent/definitions.ts';
import { waitFor } from '../../support/wait.ts';
import { agentRig, NODE, settle, type AgentRig } from './support.ts';

let rig: AgentRig;
afterEach(async () => rig?.close());

const register = (body: ServiceDefinitionBody) => rig.agent.registerService(serviceRegistration(body, false, ''));
const catalogChecks = () => rig.state.store.nodeChecks(NODE).checks.map((c) => ({ id: c.checkId, status: c.status, output: c.output }));
const catalogServices = () => rig.state.store.nodeServices(NODE).services.map((s) => s.id);

describe('anti-entropy', () => {
  it('registers the node on first use, then services and checks; an identical pass proposes nothing', async () => {
    rig = agentRig();
    rig.agent.start();
    await register({ Name: 'web', Port: 80, Check: { TTL: '1h', Status: 'passing' } });
    expect(catalogServices()).toEqual(['web']);
    expect(catalogChecks()).toEqual([{ id: 'service:web', status: 'passing', output: '' }]);
    const before = rig.proposed.length;
    await rig.clock.advance(60_000); // the periodic pass
    expect(rig.proposed.length).toBe(before);
  });

  it('repairs catalog drift: a deregistered service comes back, a foreign check on the node goes', async () => {
    rig = agentRig({ syncIntervalMs: 1_000 });
    rig.agent.start();
    await register({ Name: 'db' });
    rig.applier.apply({ type: 'catalog.deregister', node: NODE, serviceId: 'db', checkId: null });
    rig.applier.apply({
      type: 'catalog.register', node: { id: '', node: NODE, address: '127.0.0.1', datacenter: 'dc1', taggedAddresses: null, meta: null }, skipNodeUpdate: true, service: null,
      checks: [{ node: NODE, checkId: 'stray', name: 'stray', status: 'passing', notes: '', output: '', serviceId: '', type: '', interval: '', timeout: '', exposedPort: 0, definition: {} }],
    });
    await rig.clock.advance(1_000);
    expect(catalogServices()).toEqual(['db']);
    expect(catalogChecks()).toEqual([]);
  });

  it('a status flip syncs at once; an output-only change waits for check_update_interval', async () => {
    rig = agentRig({ checkUpdateIntervalMs: 10_000, syncIntervalMs: 60_000 });
    rig.agent.start();
    await register({ Name: 'job', Check: { CheckID: 'ttl', TTL: '1h' } });
    await rig.agent.updateTtl('ttl', 'passing', 'first');
    expect(catalogChecks()).toEqual([{ id: 'ttl', status: 'passing', output: 'first' }]);
    await rig.agent.updateTtl('ttl', 'passing', 'second');
    expect(catalogChecks()).toEqual([{ id: 'ttl', status: 'passing', output: 'first' }]);
    await rig.clock.advance(10_000);
    expect(catalogChecks()).toEqual([{ id: 'ttl', status: 'passing', output: 'second' }]);
    await rig.agent.updateTtl('ttl', 'warning', 'third');
    expect(catalogChecks()).toEqual([{ id: 'ttl', status: 'warning', output: 'third' }]);
  });
});

describe('TTL and reaping', () => {
  it('a TTL check not updated in time goes critical, keeping the last output', async () => {
    rig = agentRig();
    rig.agent.start();
    await register({ Name: 'beat', Check: { CheckID: 'beat', TTL: '10s' } });
    await rig.agent.updateTtl('beat', 'passing', 'alive');
    await rig.clock.advance(9_999);
    expect(rig.agent.checks()[0]!.status).toBe('passing');
    await rig.clock.advance(1);
    await settle();
    expect(rig.agent.checks()[0]).toMatchObject({ status: 'critical', output: 'TTL expired (last output before timeout follows): alive' });
    expect(catalogChecks()[0]!.status).toBe('critical');
  });

  it('DeregisterCriticalServiceAfter removes the service once critical for longer than the timeout', async () => {
    rig = agentRig({ reapIntervalMs: 1_000, minDeregisterAfterMs: 0 });
    rig.agent.start();
    await register({ Name: 'flaky', Check: { CheckID: 'f', TTL: '1h', DeregisterCriticalServiceAfter: '5s' } });
    await rig.clock.advance(4_000);
    expect(catalogServices()).toEqual(['flaky']);
    await rig.clock.advance(2_000);
    expect(rig.agent.services()).toEqual([]);
    // The deregistration is persisted (real fsync) before it is synced: wait for the catalog.
    await waitFor(() => (catalogServices().length === 0 ? true : undefined), { timeoutMs: 5_000, what: 'the catalog to drop the service' });
  });

  it('the reaper honours Consul\'s one-minute minimum by default', async () => {
    rig = agentRig({ reapIntervalMs: 1_000 });
    rig.agent.start();
    await register({ Name: 'flaky', Check: { CheckID: 'f', TTL: '1h', DeregisterCriticalServiceAfter: '5s' } });
    await rig.clock.advance(30_000);
    expect(rig.agent.services().map((s) => s.id)).toEqual(['flaky']);
    await rig.clock.advance(32_000);
    await settle();
    expect(rig.agent.services()).toEqual([]);
  });
});

describe('persistence', () => {
  it('a restarted agent restores its services and checks (TTL status within its TTL) and re-registers them', async () => {
    rig = agentRig();
    rig.agent.start();
    await register({ Name: 'kept', Port: 9, Check: { CheckID: 'kept-ttl', TTL: '1h' } });
    await rig.agent.registerCheck(checkRegistration({ Name: 'node-level', TTL: '1h' }), '');
    await rig.agent.updateTtl('kept-ttl', 'passing', 'ok');
    await settle(20);
    // The catalog forgets everything about the node; the agent must bring it back.
    rig.applier.apply({ type: 'catalog.deregister', node: NODE, serviceId: null, checkId: null });
    const agent = await rig.restart();
    await rig.clock.advance(0);
    expect(agent.services().map((s) => [s.id, s.port])).toEqual([['kept', 9]]);
    expect(agent.checks().map((c) => [c.checkId, c.status])).toEqual([['kept-ttl', 'passing'], ['node-level', 'critical']]);
    expect(catalogServices()).toEqual(['kept']);
    expect(catalogChecks().map((c) => c.id)).toEqual(['kept-ttl', 'node-level']);
  });
});
