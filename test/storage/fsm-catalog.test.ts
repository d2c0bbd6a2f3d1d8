// Catalog register/deregister (consul-api.md §5.2–5.3) and the catalog reads' indexes.
import { describe, expect, it } from 'vitest';
import { checkSpec, harness, register, serviceSpec } from './harness.ts';

const N1_ID = '11111111-0000-4000-8000-000000000001';
const N2_ID = '22222222-0000-4000-8000-000000000002';

describe('catalog.register', () => {
  it('creates node, service and checks at the entry index; check defaults copy service name and tags', () => {
    const h = harness();
    h.apply(register('n1', { service: serviceSpec('web', { id: 'web-1', tags: ['a', 'b'], port: 80 }), checks: [checkSpec('n1', 'c1', { serviceId: 'web-1' })] }));
    const [inst] = h.store.healthInstances('WEB').instances;
    expect(inst!.node).toMatchObject({ node: 'n1', createIndex: 1, modifyIndex: 1 });
    expect(inst!.service).toMatchObject({ id: 'web-1', service: 'web', tags: ['a', 'b'], port: 80, createIndex: 1 });
    expect(inst!.checks).toEqual([expect.objectContaining({ checkId: 'c1', serviceName: 'web', serviceTags: ['a', 'b'], status: 'passing' })]);
    h.close();
  });

  it('an identical re-registration writes nothing: indexes and change feed stay quiet', () => {
    const h = harness();
    const cmd = register('n1', { nodeOver: { meta: { a: '1', b: '2' } }, service: serviceSpec('web'), checks: [checkSpec('n1', 'c')] });
    h.apply(cmd);
    const feedBefore = h.feed.length;
    h.apply(register('n1', { nodeOver: { meta: { b: '2', a: '1' } }, service: serviceSpec('web'), checks: [checkSpec('n1', 'c')] }));
    expect(h.feed.slice(feedBefore)).toEqual([[]]);
    expect(h.store.tableIndex('nodes', 'services', 'checks')).toBe(1);
    h.close();
  });

  it('changes bump only what changed; SkipNodeUpdate leaves the node alone', () => {
    const h = harness();
    h.apply(register('n1', { service: serviceSpec('web') }));
    h.apply(register('n1', { nodeOver: { address: '127.0.0.9' }, skip: true, service: serviceSpec('web', { port: 81 }) }));
    expect(h.store.nodeGet('n1').node).toMatchObject({ address: '127.0.0.1', modifyIndex: 1 });
    expect(h.store.serviceInstances('web').instances[0]!.service).toMatchObject({ port: 81, createIndex: 1, modifyIndex: 2 });
    h.apply(register('n1', { nodeOver: { address: '127.0.0.9' } }));
    expect(h.store.nodeGet('n1')).toMatchObject({ index: 3, node: { address: '127.0.0.9', createIndex: 1, modifyIndex: 3 } });
    h.close();
  });

  it('vets checks like Consul: node mismatch and unknown service IDs are errors, nothing is written', () => {
    const h = harness();
    expect(h.apply(register('n1', { checks: [checkSpec('n2', 'c')] }))).toEqual({ error: "Node 'n2' for check 'c' doesn't match register request node 'n1'" });
    expect(h.apply(register('n1', { checks: [checkSpec('n1', 'c', { serviceId: 'ghost' })] }))).toEqual({ error: "Unknown service ID 'ghost' for check ID 'c'" });
    expect(h.store.nodeList().nodes).toEqual([]);
    expect(h.store.tableIndex('nodes')).toBe(0);
    h.close();
  });

  it('node IDs are unique: a healthy node keeps its name, a new ID for the same name is refused', () => {
    const h = harness();
    h.apply(register('n1', { nodeOver: { id: N1_ID }, checks: [checkSpec('n1', 'serfHealth')] }));
    const r = h.apply(register('N1', { nodeOver: { id: N2_ID } }));
    expect(r).toEqual({ error: `failed inserting node: Error while renaming Node ID: "${N2_ID}": Node name N1 is reserved by node ${N1_ID} with name n1 (127.0.0.1)` });
    // Once its serfHealth is critical the name may be taken over.
    h.apply(register('n1', { nodeOver: { id: N1_ID }, checks: [checkSpec('n1', 'serfHealth', { status: 'critical' })] }));
    expect(h.apply(register('n1', { nodeOver: { id: N2_ID } }))).toMatchObject({ ok: true });
    expect(h.store.nodeGet('n1').node!.id).toBe(N2_ID);
    h.close();
  });

  it('re-registering a node ID under a new name renames it (the old node and its services go)', () => {
    const h = harness();
    h.apply(register('old', { nodeOver: { id: N1_ID }, service: serviceSpec('web') }));
    expect(h.apply(register('new', { nodeOver: { id: N1_ID } }))).toMatchObject({ ok: true });
    expect(h.store.nodeList().nodes.map((n) => n.node)).toEqual(['new']);
    expect(h.store.serviceInstances('web').instances).toEqual([]);
    h.close();
  });

  it('a refused register writes nothing, not even the service it carried', () => {
    const h = harness();
    h.apply(register('a', { nodeOver: { id: N1_ID }, checks: [checkSpec('a', 'serfHealth')] }));
    expect(h.apply(register('A', { nodeOver: { id: N2_ID }, service: serviceSpec('x') }))).toHaveProperty('error');
    expect(h.store.serviceList().services.size).toBe(0);
    expect(h.store.tableIndex('services')).toBe(0);
    h.close();
  });
});

describe('catalog.deregister', () => {
  it('precedence: service, then check, then node; missing targets are no-ops', () => {
    const h = harness();
    h.apply(register('n1', { service: serviceSpec('web'), checks: [checkSpec('n1', 'node-c'), checkSpec('n1', 'web-c', { serviceId: 'web' })] }));
    expect(h.apply({ type: 'catalog.deregister', node: 'n1', serviceId: 'web', checkId: 'node-c' })).toMatchObject({ ok: true });
    expect(h.store.nodeChecks('n1').checks.map((c) => c.checkId)).toEqual(['node-c']);
    h.apply({ type: 'catalog.deregister', node: 'n1', serviceId: null, checkId: 'NODE-C' });
    expect(h.store.nodeChecks('n1').checks).toEqual([]);
    const before = h.store.tableIndex('nodes', 'services', 'checks');
    h.apply({ type: 'catalog.deregister', node: 'ghost', serviceId: null, checkId: null });
    expect(h.store.tableIndex('nodes', 'services', 'checks')).toBe(before);
    h.apply({ type: 'catalog.deregister', node: 'n1', serviceId: null, checkId: null });
    expect(h.store.nodeList()).toEqual({ index: 5, nodes: [] });
    h.close();
  });
});

describe('per-service indexes', () => {
  it('a change to one service does not move another service index; extinction gives a forward index', () => {
    const h = harness();
    h.applyAll([register('n1', { service: serviceSpec('web') }), register('n2', { service: serviceSpec('db') })]);
    expect(h.store.serviceInstances('web').index).toBe(1);
    expect(h.store.serviceInstances('db').index).toBe(2);
    h.apply(register('n2', { service: serviceSpec('db', { port: 5432 }) }));
    expect(h.store.serviceInstances('web').index).toBe(1);
    expect(h.store.serviceInstances('db').index).toBe(3);
    // A node-level check on n1 touches every service on n1 (health includes node checks).
    h.apply(register('n1', { checks: [checkSpec('n1', 'serfHealth')] }));
    expect(h.store.healthInstances('web').index).toBe(4);
    expect(h.store.healthInstances('db').index).toBe(3);
    h.apply({ type: 'catalog.deregister', node: 'n2', serviceId: 'db', checkId: null });
    expect(h.store.serviceInstances('db')).toEqual({ index: 5, instances: [] });
    expect(h.store.tableIndex('service.db')).toBe(0);
    expect(h.store.serviceInstances('never-existed').index).toBe(5);
    h.close();
  });

  it('renaming a service instance moves it between per-service indexes', () => {
    const h = harness();
    h.applyAll([register('n1', { service: serviceSpec('a', { id: 'svc' }) }), register('n1', { service: serviceSpec('b', { id: 'svc' }) })]);
    expect(h.store.serviceInstances('a').instances).toEqual([]);
    expect(h.store.serviceInstances('b').instances.map((i) => i.service.id)).toEqual(['svc']);
    expect(h.store.tableIndex('service_last_extinction')).toBe(2);
    expect(h.store.serviceList().services).toEqual(new Map([['b', []]]));
    h.close();
  });

  it('catalog reads: services with tag union, checks by state and by service', () => {
    const h = harness();
    h.applyAll([
      register('n1', { service: serviceSpec('web', { id: 'w1', tags: ['x', 'y'] }), checks: [checkSpec('n1', 'w1c', { serviceId: 'w1', status: 'critical' })] }),
      register('n2', { service: serviceSpec('web', { id: 'w2', tags: ['y', 'z'] }), checks: [checkSpec('n2', 'serfHealth')] }),
    ]);
    expect(h.store.serviceList().services).toEqual(new Map([['web', ['x', 'y', 'z']]]));
    expect(h.store.checksInState('critical').checks.map((c) => c.checkId)).toEqual(['w1c']);
    expect(h.store.checksInState('any').index).toBe(2);
    expect(h.store.serviceChecks('web').checks.map((c) => c.checkId)).toEqual(['w1c']);
    expect(h.store.healthInstances('web').instances.map((i) => i.checks.map((c) => c.checkId))).toEqual([['w1c'], ['serfHealth']]);
    h.close();
  });
});
