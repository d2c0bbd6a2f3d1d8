// ACL state (storage/apply/acl.ts, storage/acl-store.ts): bootstrap and its reset index,
// token/policy/role writes with Raft indexes, link resolution by ID or name, name
// uniqueness, built-in protections, reaping, the change feed, and snapshot round trips.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_REAP_BATCH, validateCommand, type AclPolicySpec, type AclRoleSpec, type AclTokenSpec, type Command } from '../../storage/commands.ts';
import { AclStore, aclWatchFor } from '../../storage/acl-store.ts';
import { secretDigest } from '../../storage/acl-tx.ts';
import { GLOBAL_MANAGEMENT_POLICY_ID, GLOBAL_MANAGEMENT_RULES } from '../../storage/acl/index.ts';
import { restoreState, takeSnapshot } from '../../storage/snapshot.ts';
import { harness, tempDir, type Harness } from './harness.ts';

const A1 = '11111111-1111-4111-8111-111111111111';
const A2 = '22222222-2222-4222-8222-222222222222';
const S1 = 'aaaaaaaa-1111-4111-8111-111111111111';
const S2 = 'bbbbbbbb-2222-4222-8222-222222222222';
const P1 = '33333333-3333-4333-8333-333333333333';
const R1 = '44444444-4444-4444-8444-444444444444';

function token(accessorId: string, secretId: string, over: Partial<AclTokenSpec> = {}): AclTokenSpec {
  return {
    accessorId, secretId, description: '', policies: [], roles: [], serviceIdentities: null, nodeIdentities: null, local: false,
    expirationTime: null, expiresAtMs: null, createTime: '2024-01-01T00:00:00Z', hash: 'aGFzaA==', ...over,
  };
}
const policy = (id: string, name: string, rules = ''): AclPolicySpec => ({ id, name, description: '', rules, datacenters: null, hash: 'aA==' });
const role = (id: string, name: string, over: Partial<AclRoleSpec> = {}): AclRoleSpec => ({
  id, name, description: '', policies: [], serviceIdentities: null, nodeIdentities: null, hash: 'aA==', ...over,
});
const gm = policy(GLOBAL_MANAGEMENT_POLICY_ID, 'global-management', GLOBAL_MANAGEMENT_RULES);

let h: Harness;
let acl: AclStore;
beforeEach(() => {
  h = harness();
  acl = new AclStore(h.db.sqlite);
});
afterEach(() => h.close());

describe('bootstrap', () => {
  it('is allowed once; the refusal names the reset index, which allows one re-bootstrap', () => {
    h.apply({ type: 'acl.init', policies: [gm], tokens: [] });
    const first = h.nextIndex();
    const bootstrap = (a: string, s: string, resetIndex: number): Command => ({
      type: 'acl.bootstrap', resetIndex, token: token(a, s, { policies: [{ id: GLOBAL_MANAGEMENT_POLICY_ID, name: '' }] }),
    });
    expect(h.apply(bootstrap(A1, S1, 0))).toEqual({ accessorId: A1 });
    expect(acl.rows.bootstrapIndex()).toBe(first);
    expect(h.apply(bootstrap(A2, S2, 0))).toEqual({ error: `ACL bootstrap no longer allowed (reset index: ${first})` });
    expect(h.apply(bootstrap(A2, S2, first + 99))).toEqual({ error: `Invalid bootstrap reset index (specified ${first + 99}, reset index: ${first})` });
    const second = h.nextIndex();
    expect(h.apply(bootstrap(A2, S2, first))).toEqual({ accessorId: A2 });
    expect(acl.rows.bootstrapIndex()).toBe(second);
    expect(acl.tokenGet(A2).token?.policies).toEqual([{ id: GLOBAL_MANAGEMENT_POLICY_ID, name: 'global-management' }]);
  });

  it('may run before the leader has created the built-in policy it links to', () => {
    const res = h.apply({ type: 'acl.bootstrap', resetIndex: 0, token: token(A1, S1, { policies: [{ id: GLOBAL_MANAGEMENT_POLICY_ID, name: '' }] }) });
    expect(res).toEqual({ accessorId: A1 });
    expect(acl.tokenGet(A1).token?.policies).toEqual([]);
    h.apply({ type: 'acl.init', policies: [gm], tokens: [] });
    expect(acl.tokenGet(A1).token?.policies).toEqual([{ id: GLOBAL_MANAGEMENT_POLICY_ID, name: 'global-management' }]);
  });
});

describe('tokens', () => {
  beforeEach(() => {
    h.apply({ type: 'acl.policy-set', policy: policy(P1, 'readers', 'key_prefix "" { policy = "read" }') });
    h.apply({ type: 'acl.role-set', role: role(R1, 'ops', { policies: [{ id: '', name: 'readers' }] }) });
  });

  it('resolves links by name to IDs at write time and names them at read time', () => {
    const idx = h.nextIndex();
    const res = h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A1, S1, { policies: [{ id: '', name: 'READERS' }, { id: P1, name: '' }], roles: [{ id: '', name: 'ops' }] }) });
    expect(res).toEqual({ accessorId: A1 });
    const t = acl.tokenGet(A1);
    expect(t.index).toBe(idx);
    expect(t.token).toMatchObject({ accessorId: A1, secretId: S1, policies: [{ id: P1, name: 'readers' }], roles: [{ id: R1, name: 'ops' }], createIndex: idx, modifyIndex: idx });
    // A rename shows through; a deleted policy's link disappears.
    h.apply({ type: 'acl.policy-set', policy: policy(P1, 'renamed', '') });
    expect(acl.tokenGet(A1).token?.policies).toEqual([{ id: P1, name: 'renamed' }]);
    h.apply({ type: 'acl.policy-delete', id: P1 });
    expect(acl.tokenGet(A1).token?.policies).toEqual([]);
    expect(acl.roleGet(R1).role?.policies).toEqual([]);
  });

  it('refuses unknown links and IDs already in use, with Consul\'s texts', () => {
    const create = (t: AclTokenSpec): unknown => h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: t });
    expect(create(token(A1, S1, { policies: [{ id: '', name: 'nope' }] }))).toEqual({ error: 'No such ACL policy with name "nope"' });
    expect(create(token(A1, S1, { roles: [{ id: P1, name: '' }] }))).toEqual({ error: `No such ACL role with ID "${P1}"` });
    create(token(A1, S1));
    expect(create(token(A1, S2))).toEqual({ error: 'Invalid Token: AccessorID is already in use' });
    expect(create(token(A2, S1))).toEqual({ error: 'Invalid Token: SecretID is already in use' });
    expect(create(token(S1, S2))).toEqual({ error: 'Invalid Token: AccessorID is already in use' });
  });

  it('keeps CreateIndex and refuses immutable changes on update', () => {
    const created = h.nextIndex();
    h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A1, S1) });
    const update = (over: Partial<AclTokenSpec>): unknown => h.apply({ type: 'acl.token-set', mode: 'update', expirationTtlNs: 0, token: token(A1, S1, over) });
    expect(update({ description: 'new' })).toEqual({ accessorId: A1 });
    expect(acl.tokenGet(A1).token).toMatchObject({ description: 'new', createIndex: created, modifyIndex: created + 1 });
    expect(update({ secretId: S2 })).toEqual({ error: "Changing a token's SecretID is not permitted" });
    expect(update({ local: true })).toEqual({ error: `Cannot toggle local mode of ${A1}` });
    expect(update({ expirationTime: '2030-01-01T00:00:00Z', expiresAtMs: 1 })).toEqual({ error: `Cannot change expiration time of ${A1}` });
    expect(h.apply({ type: 'acl.token-set', mode: 'update', expirationTtlNs: 0, token: token(A2, S2) })).toEqual({ error: `Cannot find token "${A2}"` });
  });

  it('finds a token by secret through its digest only', () => {
    h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A1, S1) });
    expect(acl.tokenGetBySecret(S1).token?.accessorId).toBe(A1);
    expect(acl.tokenGetBySecret(S2).token).toBeNull();
    expect(h.db.sqlite.prepare('SELECT secret_hash FROM acl_tokens WHERE accessor_id = ?').pluck().get(A1)).toBe(secretDigest(S1));
  });

  it('filters lists by policy, role and service identity, and refuses two filters', () => {
    h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A1, S1, { policies: [{ id: P1, name: '' }] }) });
    h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A2, S2, { roles: [{ id: R1, name: '' }], serviceIdentities: [{ serviceName: 'web', datacenters: null }] }) });
    const ids = (f: Parameters<AclStore['tokenList']>[0]): unknown => {
      const r = acl.tokenList(f);
      return 'error' in r ? r.error : r.tokens.map((t) => t.accessorId);
    };
    expect(ids({})).toEqual([A1, A2]);
    expect(ids({ policy: P1 })).toEqual([A1]);
    expect(ids({ role: R1 })).toEqual([A2]);
    expect(ids({ serviceName: 'web' })).toEqual([A2]);
    expect(ids({ authMethod: 'k8s' })).toEqual([]);
    expect(ids({ policy: P1, role: R1 })).toBe('can only filter by one of policy, role, or auth method at once');
    expect(acl.roleList(P1).roles.map((r) => r.id)).toEqual([R1]);
    expect(acl.roleList('').roles).toHaveLength(1);
  });

  it('reaps only the listed tokens that have expired by the leader\'s clock, and never the anonymous token', () => {
    h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A1, S1, { expirationTime: '2024-01-01T00:01:00Z', expiresAtMs: 60_000 }) });
    h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A2, S2, { expirationTime: '2024-01-01T00:02:00Z', expiresAtMs: 120_000 }) });
    expect(acl.nextExpiry()).toBe(60_000);
    expect(acl.expiredTokens(90_000, 10)).toEqual([A1]);
    expect(h.apply({ type: 'acl.token-reap', accessorIds: [A1, A2], nowMs: 90_000 })).toEqual({ reaped: 1 });
    expect(acl.tokenGet(A1).token).toBeNull();
    expect(acl.nextExpiry()).toBe(120_000);
    h.apply({ type: 'acl.init', policies: [], tokens: [token('00000000-0000-0000-0000-000000000002', 'anonymous')] });
    expect(h.apply({ type: 'acl.token-delete', accessorId: '00000000-0000-0000-0000-000000000002' })).toEqual({ deleted: false });
  });

  it('publishes change-feed rows keyed by ID and moves the table index', () => {
    const at = h.nextIndex();
    h.apply({ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A1, S1) });
    expect(h.feed.at(-1)).toEqual([{ index: at, table: 'acl_tokens', key: A1 }]);
    expect(acl.tableIndex('acl_tokens')).toBe(at);
    expect(aclWatchFor.token(A1)).toEqual([{ table: 'acl_tokens', key: A1 }]);
    h.apply({ type: 'acl.token-delete', accessorId: A1 });
    expect(acl.tableIndex('acl_tokens')).toBe(h.nextIndex() - 1);
  });
});

describe('policies and roles', () => {
  it('enforces unique names ignoring case', () => {
    h.apply({ type: 'acl.policy-set', policy: policy(P1, 'ops') });
    expect(h.apply({ type: 'acl.policy-set', policy: policy(A1, 'OPS') })).toEqual({ error: 'Invalid Policy: A Policy with Name "OPS" already exists' });
    h.apply({ type: 'acl.policy-set', policy: policy(A1, 'dev') });
    expect(h.apply({ type: 'acl.policy-set', policy: policy(A1, 'ops') })).toEqual({ error: 'Invalid Policy: A policy with name "ops" already exists' });
    h.apply({ type: 'acl.role-set', role: role(R1, 'r') });
    expect(h.apply({ type: 'acl.role-set', role: role(A2, 'R') })).toEqual({ error: 'Invalid Role: A Role with Name "R" already exists' });
    expect(acl.policyGetByName('OpS').policy?.id).toBe(P1);
  });

  it('protects the built-in global-management policy', () => {
    h.apply({ type: 'acl.init', policies: [gm], tokens: [] });
    expect(h.apply({ type: 'acl.policy-set', policy: { ...gm, rules: 'acl = "read"' } })).toEqual({
      error: 'Changing the Rules for the builtin global-management policy is not permitted',
    });
    expect(h.apply({ type: 'acl.policy-delete', id: GLOBAL_MANAGEMENT_POLICY_ID })).toEqual({
      error: 'Delete operation not permitted on the builtin global-management policy',
    });
    // Renaming is allowed, and a new leader's init keeps the new name while restoring rules.
    expect(h.apply({ type: 'acl.policy-set', policy: { ...gm, name: 'root' } })).toEqual({ id: GLOBAL_MANAGEMENT_POLICY_ID });
    expect(h.apply({ type: 'acl.init', policies: [gm], tokens: [] })).toEqual({ written: 0 });
    expect(acl.policyGet(GLOBAL_MANAGEMENT_POLICY_ID).policy?.name).toBe('root');
  });

  it('writes nothing when a new leader finds the built-ins in place', () => {
    const anonymous = token('00000000-0000-0000-0000-000000000002', 'anonymous');
    expect(h.apply({ type: 'acl.init', policies: [gm], tokens: [anonymous] })).toEqual({ written: 2 });
    const index = acl.tableIndex('acl_policies');
    expect(h.apply({ type: 'acl.init', policies: [gm], tokens: [anonymous] })).toEqual({ written: 0 });
    expect(acl.tableIndex('acl_policies')).toBe(index);
  });
});

describe('snapshots', () => {
  it('carry ACL tables and the bootstrap mark', async () => {
    const { dir, cleanup } = tempDir();
    const src = harness(`${dir}/a.db`);
    try {
      src.apply({ type: 'acl.init', policies: [gm], tokens: [] });
      src.apply({ type: 'acl.bootstrap', resetIndex: 0, token: token(A1, S1, { policies: [{ id: GLOBAL_MANAGEMENT_POLICY_ID, name: '' }] }) });
      const snap = takeSnapshot(src.db, src.fsm.applied());
      const chunks: Uint8Array[] = [];
      await snap.write(async (c) => void chunks.push(c));
      snap.release();
      const dst = harness(`${dir}/b.db`);
      await restoreState(dst.db, (async function* () { yield* chunks; })(), src.fsm.applied());
      const restored = new AclStore(dst.db.sqlite);
      expect(restored.tokenGetBySecret(S1).token?.policies).toEqual([{ id: GLOBAL_MANAGEMENT_POLICY_ID, name: 'global-management' }]);
      expect(restored.rows.bootstrapIndex()).toBe(new AclStore(src.db.sqlite).rows.bootstrapIndex());
      expect(restored.rows.bootstrapIndex()).toBeGreaterThan(0);
      dst.close();
    } finally {
      src.close();
      cleanup();
    }
  });
});

describe('propose-time validation', () => {
  it('refuses malformed ACL commands before they reach the log', () => {
    const cases: [unknown, string | null][] = [
      [{ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: token(A1, S1) }, null],
      [{ type: 'acl.token-set', mode: 'upsert', expirationTtlNs: 0, token: token(A1, S1) }, 'invalid token mode'],
      [{ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0.5, token: token(A1, S1) }, 'invalid expiration TTL'],
      [{ type: 'acl.token-set', mode: 'create', expirationTtlNs: 0, token: { ...token(A1, S1), expirationTime: 'x', expiresAtMs: null } }, 'invalid token expiration'],
      [{ type: 'acl.bootstrap', resetIndex: -1, token: token(A1, S1) }, 'invalid reset index'],
      [{ type: 'acl.bootstrap', resetIndex: 0 }, 'missing token'],
      [{ type: 'acl.token-reap', accessorIds: Array(MAX_REAP_BATCH + 1).fill(A1), nowMs: 0 }, 'invalid reap list'],
      [{ type: 'acl.policy-set', policy: { ...policy(P1, 'p'), datacenters: 'dc1' } }, 'invalid policy datacenters'],
      [{ type: 'acl.role-set', role: { ...role(R1, 'r'), policies: [{ id: 1 }] } }, 'malformed link'],
      [{ type: 'acl.init', policies: [gm], tokens: [{ ...token(A1, S1), local: 'no' }] }, 'invalid token local'],
    ];
    for (const [cmd, want] of cases) expect([cmd, validateCommand(cmd as Command)]).toEqual([cmd, want]);
  });
});
