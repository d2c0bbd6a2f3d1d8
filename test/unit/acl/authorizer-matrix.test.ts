// Per resource type: no rule / read / write / deny / list, exact vs prefix, longest prefix, under
// default allow and default deny. Expected levels are written out by hand from Consul's rule
// ("an exact rule for the whole name, else the longest prefix rule").

import { describe, expect, it } from 'vitest';
import type { Authorizer, NamedResource } from '../../../storage/acl/index.ts';
import { authorizerFor, DEFAULTS } from './helpers.ts';

type Level = 'deny' | 'read' | 'list' | 'write' | null;

const NAMED_CHECKS: Readonly<Record<NamedResource, { read: (a: Authorizer, s: string) => boolean; write: (a: Authorizer, s: string) => boolean }>> = {
  agent: { read: (a, s) => a.agentRead(s), write: (a, s) => a.agentWrite(s) },
  event: { read: (a, s) => a.eventRead(s), write: (a, s) => a.eventWrite(s) },
  key: { read: (a, s) => a.keyRead(s), write: (a, s) => a.keyWrite(s) },
  node: { read: (a, s) => a.nodeRead(s), write: (a, s) => a.nodeWrite(s) },
  query: { read: (a, s) => a.queryRead(s), write: (a, s) => a.queryWrite(s) },
  service: { read: (a, s) => a.serviceRead(s), write: (a, s) => a.serviceWrite(s) },
  session: { read: (a, s) => a.sessionRead(s), write: (a, s) => a.sessionWrite(s) },
};

function rulesFor(resource: NamedResource): string {
  const exact = (segment: string, level: string) => `${resource} "${segment}" { policy = "${level}" }`;
  const prefix = (segment: string, level: string) => `${resource}_prefix "${segment}" { policy = "${level}" }`;
  return [
    exact('x-deny', 'deny'),
    exact('x-read', 'read'),
    exact('x-write', 'write'),
    prefix('p-deny', 'deny'),
    prefix('p-read', 'read'),
    prefix('p-write', 'write'),
    prefix('p-write/in-read', 'read'),
    prefix('p-write/in-read/in-write', 'write'),
    exact('p-read/x-write', 'write'),
    exact('p-write/x-deny', 'deny'),
    prefix('both', 'read'),
    exact('both', 'write'),
  ].join('\n');
}

/** The level that governs each probe under rulesFor(). */
const PROBES: readonly [segment: string, level: Level][] = [
  ['unknown', null],
  ['', null],
  ['x-deny', 'deny'],
  ['x-read', 'read'],
  ['x-write', 'write'],
  ['x-read-more', null],
  ['p-deny', 'deny'],
  ['p-deny-more', 'deny'],
  ['p-read', 'read'],
  ['p-read-more', 'read'],
  ['p-write/any', 'write'],
  ['p-write/in-read', 'read'],
  ['p-write/in-read/a', 'read'],
  ['p-write/in-read/in-write/z', 'write'],
  ['p-read/x-write', 'write'],
  ['p-read/x-write/z', 'read'],
  ['p-write/x-deny', 'deny'],
  ['p-write/x-deny/z', 'write'],
  ['both', 'write'],
  ['both-more', 'read'],
];

function expected(level: Level, required: 'read' | 'list' | 'write', defaultPolicy: 'allow' | 'deny'): boolean {
  if (level === null) return defaultPolicy === 'allow';
  if (level === 'write') return true;
  if (level === 'list') return required !== 'write';
  if (level === 'read') return required === 'read';
  return false;
}

describe('named resources: exact beats prefix, longest prefix wins, default decides the rest', () => {
  for (const resource of Object.keys(NAMED_CHECKS) as NamedResource[]) {
    for (const defaultPolicy of DEFAULTS) {
      it(`${resource} under default ${defaultPolicy}`, () => {
        const authz = authorizerFor(rulesFor(resource), defaultPolicy);
        const checks = NAMED_CHECKS[resource];
        for (const [segment, level] of PROBES) {
          expect({ segment, read: checks.read(authz, segment) }).toEqual({ segment, read: expected(level, 'read', defaultPolicy) });
          expect({ segment, write: checks.write(authz, segment) }).toEqual({ segment, write: expected(level, 'write', defaultPolicy) });
        }
      });
    }
  }

  it('a token without policies gets the default policy for every named check', () => {
    for (const defaultPolicy of DEFAULTS) {
      const authz = authorizerFor([], defaultPolicy);
      for (const checks of Object.values(NAMED_CHECKS)) {
        expect(checks.read(authz, 'anything')).toBe(defaultPolicy === 'allow');
        expect(checks.write(authz, 'anything')).toBe(defaultPolicy === 'allow');
      }
    }
  });
});

describe('key list level', () => {
  const rules = 'key_prefix "l/" { policy = "list" }\nkey_prefix "r/" { policy = "read" }\nkey_prefix "w/" { policy = "write" }\nkey_prefix "d/" { policy = "deny" }';
  for (const defaultPolicy of DEFAULTS) {
    it(`grants list and read but not write (default ${defaultPolicy})`, () => {
      const authz = authorizerFor(rules, defaultPolicy);
      const table: readonly [string, Level][] = [
        ['l/a', 'list'],
        ['r/a', 'read'],
        ['w/a', 'write'],
        ['d/a', 'deny'],
        ['other', null],
      ];
      for (const [key, level] of table) {
        expect({ key, list: authz.keyList(key) }).toEqual({ key, list: expected(level, 'list', defaultPolicy) });
        expect({ key, read: authz.keyRead(key) }).toEqual({ key, read: expected(level, 'read', defaultPolicy) });
        expect({ key, write: authz.keyWrite(key) }).toEqual({ key, write: expected(level, 'write', defaultPolicy) });
      }
    });
  }
});

describe('cluster-wide resources', () => {
  const GLOBAL_CHECKS = {
    acl: { read: (a: Authorizer) => a.aclRead(), write: (a: Authorizer) => a.aclWrite() },
    keyring: { read: (a: Authorizer) => a.keyringRead(), write: (a: Authorizer) => a.keyringWrite() },
    operator: { read: (a: Authorizer) => a.operatorRead(), write: (a: Authorizer) => a.operatorWrite() },
    mesh: { read: (a: Authorizer) => a.meshRead(), write: (a: Authorizer) => a.meshWrite() },
    peering: { read: (a: Authorizer) => a.peeringRead(), write: (a: Authorizer) => a.peeringWrite() },
  };
  for (const [resource, checks] of Object.entries(GLOBAL_CHECKS)) {
    for (const defaultPolicy of DEFAULTS) {
      it(`${resource}: unset, read, write, deny (default ${defaultPolicy})`, () => {
        // The allow-all default never grants ACL management.
        const unsetAllowed = defaultPolicy === 'allow' && resource !== 'acl';
        expect(checks.read(authorizerFor('', defaultPolicy))).toBe(unsetAllowed);
        expect(checks.write(authorizerFor('', defaultPolicy))).toBe(unsetAllowed);
        for (const level of ['read', 'write', 'deny'] as const) {
          const authz = authorizerFor(`${resource} = "${level}"`, defaultPolicy);
          expect(checks.read(authz)).toBe(expected(level, 'read', defaultPolicy));
          expect(checks.write(authz)).toBe(expected(level, 'write', defaultPolicy));
        }
      });
    }
  }

  it('mesh and peering fall back to the operator level when unset', () => {
    const operatorWrite = authorizerFor('operator = "write"', 'deny');
    expect([operatorWrite.meshWrite(), operatorWrite.peeringWrite()]).toEqual([true, true]);
    const operatorRead = authorizerFor('operator = "read"', 'allow');
    expect([operatorRead.meshRead(), operatorRead.meshWrite(), operatorRead.peeringRead(), operatorRead.peeringWrite()]).toEqual([true, false, true, false]);
    const meshOwn = authorizerFor('operator = "write"\nmesh = "read"\npeering = "deny"', 'allow');
    expect([meshOwn.meshRead(), meshOwn.meshWrite(), meshOwn.peeringRead(), meshOwn.operatorWrite()]).toEqual([true, false, false, true]);
  });

  it('snapshots need acl = write; the allow-all default does not grant them', () => {
    expect(authorizerFor('acl = "write"', 'deny').snapshot()).toBe(true);
    expect(authorizerFor('acl = "read"', 'allow').snapshot()).toBe(false);
    expect(authorizerFor('key_prefix "" { policy = "write" }', 'allow').snapshot()).toBe(false);
  });
});
