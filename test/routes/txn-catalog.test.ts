// /v1/txn with Node, Service and Check operations (consul-api.md §4): results rendered as the
// catalog renders them, CAS on ModifyIndex, Consul's failure texts, all-or-nothing rollback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

interface TxnBody { Results: Record<string, Record<string, unknown>>[] | null; Errors: { OpIndex: number; What: string }[] | null }
const txn = async (ops: unknown[]): Promise<{ status: number; body: TxnBody }> => {
  const res = await h.request('/v1/txn', { method: 'PUT', body: JSON.stringify(ops) });
  return { status: res.status, body: (await res.json()) as TxnBody };
};

describe('catalog operations in /v1/txn', () => {
  it('sets a node, a service and a check; results carry the catalog shapes', async () => {
    const { status, body } = await txn([
      { Node: { Verb: 'set', Node: { Node: 'db1', Address: '127.0.0.8', Meta: { role: 'db' } } } },
      { Service: { Verb: 'set', Node: 'db1', Service: { ID: 'pg', Service: 'postgres', Port: 5432, Weights: { Passing: 1, Warning: 1 } } } },
      { Check: { Verb: 'set', Check: { Node: 'db1', CheckID: 'pg-alive', Name: 'alive', Status: 'passing', ServiceID: 'pg', Definition: { TCP: '127.0.0.8:5432', IntervalDuration: 10_000_000_000 } } } },
    ]);
    expect(status).toBe(200);
    expect(body.Errors).toBeNull();
    const [node, service, check] = body.Results!;
    expect(node!['Node']).toEqual({ ID: '', Node: 'db1', Address: '127.0.0.8', Datacenter: 'dc1', TaggedAddresses: null, Meta: { role: 'db' }, CreateIndex: expect.any(Number), ModifyIndex: expect.any(Number) });
    expect(service!['Service']).toEqual({
      ID: 'pg', Service: 'postgres', Tags: null, Address: '', Meta: null, Port: 5432, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false,
      Proxy: { MeshGateway: {}, Expose: {} }, Connect: {}, PeerName: '', CreateIndex: expect.any(Number), ModifyIndex: expect.any(Number),
    });
    expect(check!['Check']).toMatchObject({ CheckID: 'pg-alive', ServiceName: 'postgres', Type: 'tcp', Interval: '10s', Definition: { TCP: '127.0.0.8:5432', Interval: '10s' } });
    const health = (await (await h.request('/v1/health/service/postgres?passing')).json()) as unknown[];
    expect(health).toHaveLength(1);
  });

  it('cas uses ModifyIndex; failures roll back everything with Consul\'s texts', async () => {
    const created = await txn([{ Node: { Verb: 'set', Node: { Node: 'n', Address: '127.0.0.9' } } }]);
    const index = created.body.Results![0]!['Node']!['ModifyIndex'] as number;
    const stale = await txn([
      { Node: { Verb: 'cas', Node: { Node: 'n', Address: '127.0.0.10', ModifyIndex: index + 100 } } },
      { Service: { Verb: 'get', Node: 'n', Service: { ID: 'ghost' } } },
      { Check: { Verb: 'delete-cas', Check: { Node: 'n', CheckID: 'nope', ModifyIndex: 1 } } },
    ]);
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 0, What: 'failed to set node "n", index is stale' },
        { OpIndex: 1, What: 'service "ghost" on node "n" doesn\'t exist' },
        { OpIndex: 2, What: 'failed to delete check "nope" on node "n", index is stale' },
      ],
    });
    const ok = await txn([{ Node: { Verb: 'cas', Node: { Node: 'n', Address: '127.0.0.10', ModifyIndex: index } } }]);
    expect(ok.status).toBe(200);
    expect(ok.body.Results![0]!['Node']!['Address']).toBe('127.0.0.10');
  });

  it('read-only catalog gets take the fast path and never reach the log', async () => {
    await txn([{ Node: { Verb: 'set', Node: { Node: 'r', Address: '127.0.0.11' } } }]);
    const before = h.applier.log.length;
    const res = await h.request('/v1/txn', { method: 'PUT', body: JSON.stringify([{ Node: { Verb: 'get', Node: { Node: 'r' } } }]) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-consul-knownleader')).toBe('true');
    expect(h.applier.log.length).toBe(before);
  });
});
