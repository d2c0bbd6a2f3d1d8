// Transactions with catalog ops under ACLs (Consul's vetNodeTxnOp / vetServiceTxnOp /
// vetCheckTxnOp and FilterTxnResults): every write op is checked before anything applies — a
// refused op makes the whole transaction a 409 listing each refusal by position — and read
// results the token may not see are dropped, with ResultsFilteredByACLs in the body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

interface Token { AccessorID: string; SecretID: string }
interface TxnBody {
  Results: Record<string, { ID?: string; Node?: string; CheckID?: string }>[] | null;
  Errors: { OpIndex: number; What: string }[] | null;
  ResultsFilteredByACLs?: boolean;
}

let h: AclHarness;
let root: string;
let writer: Token;
let reader: Token;

const put = (token: string, path: string, body: unknown): Promise<Response> => h.as(token, path, { method: 'PUT', body: JSON.stringify(body) });

async function token(name: string, rules: string): Promise<Token> {
  expect((await put(root, '/v1/acl/policy', { Name: name, Rules: rules })).status).toBe(200);
  const res = await put(root, '/v1/acl/token', { Policies: [{ Name: name }] });
  expect(res.status).toBe(200);
  return (await res.json()) as Token;
}

beforeAll(async () => {
  h = await startAclHarness({ defaultPolicy: 'deny' });
  root = await h.bootstrap();
  for (const [node, id, service] of [['n1', 'web1', 'web'], ['n2', 'db1', 'db']] as const) {
    const res = await put(root, '/v1/catalog/register', { Node: node, Address: node === 'n1' ? '127.0.0.51' : '127.0.0.52', Service: { ID: id, Service: service } });
    expect(res.status).toBe(200);
  }
  writer = await token('writer', 'node "n1" { policy = "write" }\nservice "web" { policy = "write" }\nnode_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }');
  reader = await token('reader', 'service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }');
});
afterAll(() => h.close());

describe('txn catalog ops with ACLs', () => {
  it('refuses each write op the token may not make, by position, and applies nothing', async () => {
    const before = h.applier.log.length;
    const res = await put(writer.SecretID, '/v1/txn', [
      { Node: { Verb: 'set', Node: { Node: 'n1', Address: '127.0.0.51' } } },
      { Service: { Verb: 'set', Node: 'n2', Service: { ID: 'db2', Service: 'db' } } },
      { Check: { Verb: 'set', Check: { Node: 'n2', CheckID: 'n2-alive', Name: 'alive', Status: 'passing' } } },
      { Service: { Verb: 'set', Node: 'n1', Service: { ID: 'web2', Service: 'web' } } },
      { Check: { Verb: 'set', Check: { Node: 'n2', CheckID: 'db1-alive', Name: 'alive', Status: 'passing', ServiceID: 'db1' } } },
    ]);
    expect(res.status).toBe(409);
    const body = (await res.json()) as TxnBody;
    expect(body.Results).toBeNull();
    const denied = (permission: string, on: string) => `Permission denied: token with AccessorID '${writer.AccessorID}' lacks permission '${permission}' on "${on}"`;
    expect(body.Errors).toEqual([
      { OpIndex: 1, What: denied('service:write', 'db') },
      { OpIndex: 2, What: denied('node:write', 'n2') },
      { OpIndex: 4, What: denied('service:write', 'db') },
    ]);
    expect(h.applier.log.length).toBe(before);
    const web = (await (await h.as(root, '/v1/catalog/service/web')).json()) as { ServiceID: string }[];
    expect(web.map((s) => s.ServiceID)).toEqual(['web1']);
  });

  it('applies a transaction whose every op the token may make', async () => {
    const res = await put(writer.SecretID, '/v1/txn', [
      { Service: { Verb: 'set', Node: 'n1', Service: { ID: 'web2', Service: 'web' } } },
      { Check: { Verb: 'set', Check: { Node: 'n1', CheckID: 'n1-alive', Name: 'alive', Status: 'passing' } } },
    ]);
    expect(res.status, await res.clone().text()).toBe(200);
    const web = (await (await h.as(root, '/v1/catalog/service/web')).json()) as { ServiceID: string }[];
    expect(web.map((s) => s.ServiceID).sort()).toEqual(['web1', 'web2']);
  });

  it('drops read results the token may not see and says so in the body', async () => {
    const ops = [
      { Service: { Verb: 'get', Node: 'n1', Service: { ID: 'web1' } } },
      { Service: { Verb: 'get', Node: 'n2', Service: { ID: 'db1' } } },
      { Node: { Verb: 'get', Node: { Node: 'n2' } } },
    ];
    const res = await put(reader.SecretID, '/v1/txn', ops);
    expect(res.status).toBe(200);
    const body = (await res.json()) as TxnBody;
    expect(body.Results?.map((r) => Object.keys(r)[0])).toEqual(['Service', 'Node']);
    expect(body.Results?.[0]?.['Service']?.ID).toBe('web1');
    expect(body.ResultsFilteredByACLs).toBe(true);
    const all = (await (await put(root, '/v1/txn', ops)).json()) as TxnBody;
    expect(all.Results).toHaveLength(3);
  });
});
