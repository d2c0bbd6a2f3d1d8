// Merging several policies, intentions, the all/any checks, recursive-delete (KeyWritePrefix),
// the built-in policies, identities and the static authorizers.

import { describe, expect, it } from 'vitest';
import {
  ALL_CHECKS,
  builtinPolicyRules,
  compileAuthorizer,
  GLOBAL_MANAGEMENT_POLICY_ID,
  GLOBAL_READ_ONLY_POLICY_ID,
  nodeIdentityRules,
  serviceIdentityRules,
  staticAuthorizer,
  type Check,
  type PolicyRules,
} from '../../../storage/acl/index.ts';
import { authorizerFor, DEFAULTS, rulesOf } from './helpers.ts';

function builtin(id: string): PolicyRules {
  const rules = builtinPolicyRules(id);
  if (rules === undefined) throw new Error(`no built-in policy ${id}`);
  return rules;
}

describe('merging policies for one segment (deny > write > list > read)', () => {
  const cases: readonly { texts: string[]; read: boolean; list: boolean; write: boolean }[] = [
    { texts: ['key "a" { policy = "read" }', 'key "a" { policy = "write" }'], read: true, list: true, write: true },
    { texts: ['key "a" { policy = "write" }', 'key "a" { policy = "read" }'], read: true, list: true, write: true },
    { texts: ['key "a" { policy = "write" }', 'key "a" { policy = "deny" }'], read: false, list: false, write: false },
    { texts: ['key "a" { policy = "deny" }', 'key "a" { policy = "write" }'], read: false, list: false, write: false },
    { texts: ['key "a" { policy = "read" }', 'key "a" { policy = "list" }'], read: true, list: true, write: false },
    { texts: ['key "a" { policy = "list" }', 'key "a" { policy = "write" }'], read: true, list: true, write: true },
    // Repeated blocks inside one policy merge the same way.
    { texts: ['key "a" { policy = "write" }\nkey "a" { policy = "deny" }'], read: false, list: false, write: false },
    // A level spelled in capitals ranks below every lower-case level in Consul's merger…
    { texts: ['key "a" { policy = "Write" }', 'key "a" { policy = "read" }'], read: true, list: false, write: false },
    { texts: ['key "a" { policy = "read" }', 'key "a" { policy = "Write" }'], read: true, list: false, write: false },
    // …but a lone one still applies.
    { texts: ['key "a" { policy = "Write" }'], read: true, list: true, write: true },
  ];
  for (const { texts, read, list, write } of cases) {
    it(texts.join(' + '), () => {
      const authz = authorizerFor(texts, 'allow');
      expect({ read: authz.keyRead('a'), list: authz.keyList('a'), write: authz.keyWrite('a') }).toEqual({ read, list, write });
    });
  }

  it('exact and prefix rules for the same segment are kept apart', () => {
    const authz = authorizerFor(['key_prefix "a" { policy = "deny" }', 'key "a" { policy = "write" }'], 'allow');
    expect([authz.keyWrite('a'), authz.keyRead('ab')]).toEqual([true, false]);
  });

  it('cluster-wide levels merge by the same precedence; a capitalised one is dropped', () => {
    expect(authorizerFor(['acl = "read"', 'acl = "write"'], 'deny').aclWrite()).toBe(true);
    expect(authorizerFor(['acl = "write"', 'acl = "deny"'], 'allow').aclRead()).toBe(false);
    expect(authorizerFor(['operator = "read"', 'operator = "write"'], 'deny').operatorWrite()).toBe(true);
    expect(authorizerFor('operator = "Write"', 'deny').operatorRead()).toBe(false);
    expect(authorizerFor('operator = "Write"', 'allow').operatorWrite()).toBe(true);
  });

  it('a service rule merges its policy and its intentions level independently', () => {
    const both = authorizerFor(['service "web" { policy = "write" }', 'service "web" { policy = "read" intentions = "write" }'], 'deny');
    expect([both.serviceWrite('web'), both.intentionWrite('web')]).toEqual([true, true]);
    const denied = authorizerFor(['service "web" { policy = "deny" }', 'service "web" { policy = "write" intentions = "write" }'], 'deny');
    expect([denied.serviceRead('web'), denied.intentionWrite('web')]).toEqual([false, true]);
  });
});

describe('intentions follow service rules', () => {
  it('default to read for read or write services and to deny for denied ones', () => {
    const authz = authorizerFor('service "web" { policy = "write" }\nservice "api" { policy = "read" }\nservice "db" { policy = "deny" }', 'allow');
    expect([authz.intentionRead('web'), authz.intentionWrite('web')]).toEqual([true, false]);
    expect([authz.intentionRead('api'), authz.intentionWrite('api')]).toEqual([true, false]);
    expect([authz.intentionRead('db'), authz.intentionWrite('db')]).toEqual([false, false]);
    expect(authz.intentionWrite('other')).toBe(true);
  });

  it('an explicit intentions level wins; a capitalised service level defaults intentions to deny', () => {
    expect(authorizerFor('service "web" { policy = "read" intentions = "write" }', 'deny').intentionWrite('web')).toBe(true);
    expect(authorizerFor('service "web" { policy = "write" intentions = "deny" }', 'allow').intentionRead('web')).toBe(false);
    const spelled = authorizerFor('service "web" { policy = "Write" }', 'allow');
    expect([spelled.serviceWrite('web'), spelled.intentionRead('web')]).toEqual([true, false]);
  });

  it('"*" asks about every destination: any readable, all writable', () => {
    const mixed = authorizerFor('service_prefix "" { policy = "read" intentions = "write" }\nservice "db" { policy = "read" }', 'deny');
    expect([mixed.intentionRead('*'), mixed.intentionWrite('*'), mixed.intentionWrite('x')]).toEqual([true, false, true]);
    const one = authorizerFor('service "a" { policy = "read" }', 'deny');
    expect([one.intentionRead('*'), one.intentionWrite('*')]).toEqual([true, false]);
    expect(authorizerFor('service_prefix "" { policy = "write" intentions = "write" }', 'deny').intentionWrite('*')).toBe(true);
  });

  it('the intention default comes from the default policy alone', () => {
    expect(authorizerFor('service_prefix "" { policy = "write" intentions = "write" }', 'deny').intentionDefaultAllow()).toBe(false);
    expect(authorizerFor('', 'allow').intentionDefaultAllow()).toBe(true);
  });
});

describe('all/any checks', () => {
  const table: readonly { rules: string; defaultPolicy: 'allow' | 'deny'; nodeReadAll: boolean; serviceReadAll: boolean; serviceWriteAny: boolean }[] = [
    { rules: '', defaultPolicy: 'allow', nodeReadAll: true, serviceReadAll: true, serviceWriteAny: true },
    { rules: '', defaultPolicy: 'deny', nodeReadAll: false, serviceReadAll: false, serviceWriteAny: false },
    { rules: 'node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }', defaultPolicy: 'deny', nodeReadAll: true, serviceReadAll: true, serviceWriteAny: false },
    {
      rules: 'node_prefix "" { policy = "read" }\nnode "secret" { policy = "deny" }\nservice_prefix "" { policy = "write" }\nservice "x" { policy = "read" }',
      defaultPolicy: 'allow',
      nodeReadAll: false,
      serviceReadAll: true,
      serviceWriteAny: true,
    },
    // Without a "" rule, rules that allow leave the decision to the default.
    { rules: 'node "a" { policy = "write" }\nservice "a" { policy = "read" }', defaultPolicy: 'deny', nodeReadAll: false, serviceReadAll: false, serviceWriteAny: false },
    { rules: 'node "a" { policy = "write" }\nservice "a" { policy = "write" }', defaultPolicy: 'allow', nodeReadAll: true, serviceReadAll: true, serviceWriteAny: true },
    // A "" deny sets the default answer; a more specific grant can still make "any" true.
    { rules: 'node_prefix "" { policy = "deny" }\nservice_prefix "" { policy = "deny" }', defaultPolicy: 'allow', nodeReadAll: false, serviceReadAll: false, serviceWriteAny: false },
    { rules: 'service_prefix "" { policy = "deny" }\nservice "a" { policy = "write" }', defaultPolicy: 'deny', nodeReadAll: false, serviceReadAll: false, serviceWriteAny: true },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.rules)} (default ${row.defaultPolicy})`, () => {
      const authz = authorizerFor(row.rules, row.defaultPolicy);
      expect({ nodeReadAll: authz.nodeReadAll(), serviceReadAll: authz.serviceReadAll(), serviceWriteAny: authz.serviceWriteAny() }).toEqual({
        nodeReadAll: row.nodeReadAll,
        serviceReadAll: row.serviceReadAll,
        serviceWriteAny: row.serviceWriteAny,
      });
    });
  }
});

describe('KeyWritePrefix (recursive delete)', () => {
  const cases: readonly { rules: string; prefix: string; allow: boolean; deny: boolean }[] = [
    { rules: 'key_prefix "" { policy = "write" }', prefix: '', allow: true, deny: true },
    { rules: 'key_prefix "" { policy = "write" }\nkey "a/b" { policy = "read" }', prefix: 'a/', allow: false, deny: false },
    { rules: 'key_prefix "" { policy = "write" }\nkey "a/b" { policy = "read" }', prefix: 'b/', allow: true, deny: true },
    { rules: 'key_prefix "" { policy = "write" }\nkey "a/b" { policy = "read" }', prefix: '', allow: false, deny: false },
    { rules: 'key_prefix "a/" { policy = "write" }\nkey_prefix "a/b/" { policy = "deny" }', prefix: 'a/', allow: false, deny: false },
    { rules: 'key_prefix "a/" { policy = "write" }\nkey_prefix "a/b/" { policy = "deny" }', prefix: 'a/c', allow: true, deny: true },
    { rules: 'key_prefix "a/" { policy = "write" }\nkey_prefix "a/b/" { policy = "deny" }', prefix: 'a/b/x', allow: false, deny: false },
    // A write rule deeper down does not grant the deletion of its parent.
    { rules: 'key_prefix "" { policy = "read" }\nkey_prefix "a/b/" { policy = "write" }', prefix: 'a/', allow: false, deny: false },
    // No rule covers the prefix and none below objects: the default decides.
    { rules: '', prefix: 'a/', allow: true, deny: false },
    { rules: 'key_prefix "a/b/" { policy = "write" }', prefix: 'a/', allow: true, deny: false },
    // …but one objecting rule below refuses even under default allow.
    { rules: 'key "a/x" { policy = "deny" }', prefix: 'a/', allow: false, deny: false },
    { rules: 'key "a/x" { policy = "list" }', prefix: 'a/', allow: false, deny: false },
    // The rule at the prefix itself counts, exact or prefix.
    { rules: 'key_prefix "a/" { policy = "write" }\nkey "a/" { policy = "read" }', prefix: 'a/', allow: false, deny: false },
    { rules: 'key_prefix "a/" { policy = "list" }', prefix: 'a/', allow: false, deny: false },
    // Rules that share characters but are not under the prefix do not count.
    { rules: 'key_prefix "a" { policy = "write" }\nkey_prefix "ab" { policy = "read" }', prefix: 'a/', allow: true, deny: true },
    { rules: 'key_prefix "a" { policy = "write" }\nkey_prefix "ab" { policy = "read" }', prefix: 'a', allow: false, deny: false },
  ];
  for (const { rules, prefix, allow, deny } of cases) {
    it(`${JSON.stringify(prefix)} under ${JSON.stringify(rules)}`, () => {
      expect(authorizerFor(rules, 'allow').keyWritePrefix(prefix)).toBe(allow);
      expect(authorizerFor(rules, 'deny').keyWritePrefix(prefix)).toBe(deny);
    });
  }
});

describe('built-in policies', () => {
  const SEGMENTS = ['', 'any/thing', '*'];

  it('global-management allows every check under default deny, except the intention default', () => {
    const authz = compileAuthorizer({ accessorId: 'root', defaultPolicy: 'deny', policies: [builtin(GLOBAL_MANAGEMENT_POLICY_ID)] });
    for (const check of ALL_CHECKS) {
      for (const segment of SEGMENTS) {
        expect({ check, segment, allowed: authz.allows(check, segment) }).toEqual({ check, segment, allowed: check !== 'intentionDefaultAllow' });
      }
    }
  });

  it('global-management merged with a deny rule loses that segment (rules merge; no override)', () => {
    const authz = compileAuthorizer({
      accessorId: 'root',
      defaultPolicy: 'deny',
      policies: [builtin(GLOBAL_MANAGEMENT_POLICY_ID), rulesOf('key "secret" { policy = "deny" }')],
    });
    expect([authz.keyRead('secret'), authz.keyRead('other'), authz.keyWritePrefix(''), authz.keyWritePrefix('other/')]).toEqual([false, true, false, true]);
  });

  it('global-read-only reads everything and writes (or lists) nothing', () => {
    const authz = compileAuthorizer({ accessorId: 'ro', defaultPolicy: 'allow', policies: [builtin(GLOBAL_READ_ONLY_POLICY_ID)] });
    const writes: Check[] = ['keyList', 'aclWrite', 'keyWrite', 'keyWritePrefix', 'serviceWrite', 'serviceWriteAny', 'intentionWrite', 'operatorWrite', 'meshWrite', 'peeringWrite', 'snapshot'];
    for (const check of writes) expect({ check, allowed: authz.allows(check, 'x') }).toEqual({ check, allowed: false });
    const reads: Check[] = ['aclRead', 'keyRead', 'serviceRead', 'serviceReadAll', 'nodeReadAll', 'intentionRead', 'operatorRead', 'meshRead', 'peeringRead'];
    for (const check of reads) expect({ check, allowed: authz.allows(check, 'x') }).toEqual({ check, allowed: true });
  });

  it('has no rules for other IDs', () => {
    expect(builtinPolicyRules('00000000-0000-0000-0000-000000000003')).toBeUndefined();
  });
});

describe('identities', () => {
  it('a service identity writes its service and sidecar and reads the catalog', () => {
    const authz = compileAuthorizer({ accessorId: 'svc', defaultPolicy: 'deny', policies: [serviceIdentityRules('web')] });
    expect([authz.serviceWrite('web'), authz.serviceWrite('web-sidecar-proxy'), authz.serviceWrite('db')]).toEqual([true, true, false]);
    expect([authz.serviceRead('db'), authz.nodeRead('n1'), authz.nodeWrite('n1'), authz.keyRead('k')]).toEqual([true, true, false, false]);
  });

  it('a node identity writes its node and reads services', () => {
    const authz = compileAuthorizer({ accessorId: 'node', defaultPolicy: 'deny', policies: [nodeIdentityRules('n1')] });
    expect([authz.nodeWrite('n1'), authz.nodeWrite('n2'), authz.nodeRead('n2'), authz.serviceRead('web')]).toEqual([true, false, false, true]);
  });
});

describe('static authorizers', () => {
  it('manage allows all, allow all but ACL management, deny nothing', () => {
    const management = new Set<Check>(['aclRead', 'aclWrite', 'snapshot']);
    for (const check of ALL_CHECKS) {
      expect(staticAuthorizer('manage').allows(check, 'x')).toBe(true);
      expect({ check, allowed: staticAuthorizer('allow').allows(check, 'x') }).toEqual({ check, allowed: !management.has(check) });
      expect(staticAuthorizer('deny').allows(check, 'x')).toBe(false);
    }
  });

  it('a default policy only decides what the token rules leave open', () => {
    for (const defaultPolicy of DEFAULTS) {
      const authz = authorizerFor('key "a" { policy = "deny" }\nkey "b" { policy = "write" }', defaultPolicy);
      expect([authz.keyRead('a'), authz.keyWrite('b'), authz.keyRead('c')]).toEqual([false, true, defaultPolicy === 'allow']);
    }
  });
});
