// Token resolution over the real state (app/acl/resolver.ts) and the leader's per-command ACL
// vetting (routes/acl/command-acl.ts): caching and invalidation by the ACL tables' index,
// expiry, the default and agent-recovery tokens, identity and datacenter scoping, and Consul's
// catalog register/deregister and session rules.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AclResolver } from '../../app/acl/resolver.ts';
import { authorizeCommand } from '../../routes/acl/command-acl.ts';
import type { AclTokenSpec, Command } from '../../storage/commands.ts';
import { AclStore } from '../../storage/acl-store.ts';
import type { Authorizer } from '../../storage/acl/index.ts';
import { checkSpec, harness, register, serviceSpec, type Harness } from './harness.ts';

const A = (n: number): string => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;
const S = (n: number): string => `${String(n).padStart(8, '0')}-2222-4222-8222-222222222222`;

function token(n: number, over: Partial<AclTokenSpec> = {}): Command {
  return {
    type: 'acl.token-set', mode: 'create', expirationTtlNs: 0,
    token: {
      accessorId: A(n), secretId: S(n), description: '', policies: [], roles: [], serviceIdentities: null, nodeIdentities: null,
      local: false, expirationTime: null, expiresAtMs: null, createTime: '2024-01-01T00:00:00Z', hash: 'aA==', ...over,
    },
  };
}
const policy = (n: number, rules: string, datacenters: string[] | null = null): Command => ({
  type: 'acl.policy-set', policy: { id: A(100 + n), name: `p${n}`, description: '', rules, datacenters, hash: 'aA==' },
});
const link = (n: number) => [{ id: A(100 + n), name: '' }];

let h: Harness;
let store: AclStore;
let now: number;
let resolver: AclResolver;
const make = (over: Partial<ConstructorParameters<typeof AclResolver>[0]> = {}): AclResolver =>
  new AclResolver({ store, hub: h.hub, defaultPolicy: 'deny', defaultToken: '', agentRecoveryToken: '', datacenter: 'dc1', nodeName: 'srv1', now: () => now, ...over });
const authz = (secret: string, r = resolver): Authorizer => {
  const res = r.resolve(secret);
  if (!res.ok) throw new Error(res.message);
  return res.identity.authorizer;
};

beforeEach(() => {
  h = harness();
  store = new AclStore(h.db.sqlite);
  now = 1_000;
  resolver = make();
});
afterEach(() => {
  resolver.close();
  h.close();
});

describe('AclResolver', () => {
  it('caches a compiled authorizer and recompiles after any ACL write', () => {
    h.apply(policy(1, 'key_prefix "" { policy = "read" }'));
    h.apply(token(1, { policies: link(1) }));
    const identity = (): unknown => {
      const r = resolver.resolve(S(1));
      return r.ok ? r.identity : null;
    };
    const first = identity();
    expect(identity()).toBe(first);
    expect(authz(S(1)).keyRead('a')).toBe(true);
    h.apply(policy(1, 'key_prefix "" { policy = "deny" }'));
    // Synchronously: no stale answer after the write, before any wake-up runs.
    expect(authz(S(1)).keyRead('a')).toBe(false);
    expect(identity()).not.toBe(first);
    h.apply({ type: 'acl.token-delete', accessorId: A(1) });
    expect(resolver.resolve(S(1))).toEqual({ ok: false, message: 'ACL not found' });
  });

  it('refuses expired tokens, root names and unknown secrets; "" is the anonymous token', () => {
    h.apply(token(1, { expirationTime: '2024', expiresAtMs: 5_000 }));
    expect(resolver.resolve(S(1)).ok).toBe(true);
    now = 5_000;
    expect(resolver.resolve(S(1))).toEqual({ ok: false, message: 'ACL not found' });
    expect(resolver.resolve('manage')).toEqual({ ok: false, message: 'Permission denied: Cannot resolve root ACLs' });
    expect(resolver.resolve(S(9))).toEqual({ ok: false, message: 'ACL not found' });
    const anonymous = resolver.resolve('');
    expect(anonymous.ok && anonymous.identity.accessorId).toBe('00000000-0000-0000-0000-000000000002');
  });

  it('acts with acl.tokens.default when a request has no token, and knows the agent recovery token', () => {
    h.apply(policy(1, 'key_prefix "" { policy = "write" }'));
    h.apply(token(1, { policies: link(1) }));
    const withDefault = make({ defaultToken: S(1), agentRecoveryToken: 'recover-me' });
    try {
      expect(authz('', withDefault).keyWrite('x')).toBe(true);
      const recovery = authz('recover-me', withDefault);
      expect([recovery.agentWrite('srv1'), recovery.agentWrite('other'), recovery.nodeRead('any'), recovery.keyRead('x')]).toEqual([true, false, true, false]);
    } finally {
      withDefault.close();
    }
  });

  it('merges roles, identities and datacenter-scoped policies', () => {
    h.apply(policy(1, 'key "a" { policy = "write" }'));
    h.apply(policy(2, 'key "b" { policy = "write" }', ['dc2']));
    h.apply({ type: 'acl.role-set', role: { id: A(50), name: 'r', description: '', policies: link(1), serviceIdentities: [{ serviceName: 'web', datacenters: ['dc1'] }], nodeIdentities: null, hash: 'aA==' } });
    h.apply(token(1, { roles: [{ id: A(50), name: '' }], policies: link(2), nodeIdentities: [{ nodeName: 'n1', datacenter: 'dc1' }, { nodeName: 'n2', datacenter: 'dc2' }] }));
    const a = authz(S(1));
    expect([a.keyWrite('a'), a.keyWrite('b'), a.serviceWrite('web'), a.serviceRead('db'), a.nodeWrite('n1'), a.nodeWrite('n2')]).toEqual([true, false, true, true, true, false]);
  });
});

describe('authorizeCommand (the leader\'s vetting)', () => {
  const vet = (rules: string, cmd: Command) => {
    h.apply(policy(7, rules));
    h.apply(token(7, { policies: link(7) }));
    return authorizeCommand(authz(S(7)), cmd, h.store);
  };

  it('needs node:write only when a registration changes the node', () => {
    h.apply(register('n1', { service: serviceSpec('web') }));
    const rules = 'service "web" { policy = "write" }';
    const same: Command = { ...(register('n1', { service: serviceSpec('web', { port: 80 }) }) as Extract<Command, { type: 'catalog.register' }>) };
    expect(vet(rules, same).kind).toBe('allow');
    const moved = register('n1', { service: serviceSpec('web'), nodeOver: { address: '10.0.0.9' } });
    expect(authorizeCommand(authz(S(7)), moved, h.store)).toEqual({ kind: 'deny', message: `Permission denied: token with AccessorID '${A(7)}' lacks permission 'node:write' on "n1"` });
    const nodeCheck = register('n1', { checks: [checkSpec('n1', 'c1')] });
    expect(authorizeCommand(authz(S(7)), nodeCheck, h.store).kind).toBe('deny');
  });

  it('lets node:write deregister anything; service rights only their own service', () => {
    h.apply(register('n1', { service: serviceSpec('web') }));
    const dereg = (serviceId: string | null): Command => ({ type: 'catalog.deregister', node: 'n1', serviceId, checkId: null });
    expect(vet('service "web" { policy = "write" }', dereg('web')).kind).toBe('allow');
    expect(authorizeCommand(authz(S(7)), dereg(null), h.store).kind).toBe('deny');
    expect(authorizeCommand(authz(S(7)), dereg('nope'), h.store)).toEqual({ kind: 'error', message: "Unknown service ID 'nope'" });
  });

  it('checks session writes on the session\'s node and refuses housekeeping commands', () => {
    h.apply(register('n1', {}));
    h.apply({ type: 'session.create', session: { id: S(40), name: '', node: 'n1', lockDelayNs: 0, behavior: 'release', ttl: '', nodeChecks: [], serviceChecks: null } });
    expect(vet('session "n2" { policy = "write" }', { type: 'session.destroy', id: S(40) }).kind).toBe('deny');
    expect(authorizeCommand(authz(S(7)), { type: 'session.destroy', id: S(41) }, h.store).kind).toBe('allow');
    expect(authorizeCommand(authz(S(7)), { type: 'kv.reap-tombstones', upTo: 1 }, h.store)).toEqual({ kind: 'deny', message: 'Permission denied' });
    expect(authorizeCommand(authz(S(7)), { type: 'event.fire', event: { id: S(1), name: 'deploy', payload: null, nodeFilter: '', serviceFilter: '', tagFilter: '', version: 1 } }, h.store).kind).toBe('deny');
    const coord = { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 };
    expect(authorizeCommand(authz(S(7)), { type: 'coordinate.batch-update', updates: [{ node: 'n1', segment: '', coord }] }, h.store).kind).toBe('deny');
  });
});
