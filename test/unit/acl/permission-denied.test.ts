// Consul's 403 texts (1.13+) and its (resource, access) vocabulary for checks.

import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_ACCESSOR_ID,
  checkFor,
  formatPermissionDenied,
  PERMISSION_DENIED,
  permissionDeniedBecause,
} from '../../../storage/acl/index.ts';
import { authorizerFor } from './helpers.ts';

const ACCESSOR = '6a1253d2-1785-24fd-91c2-f8e78c745511';

describe('permission-denied texts', () => {
  const authz = authorizerFor('key_prefix "pub/" { policy = "read" }', 'deny', ACCESSOR);
  const anonymous = authorizerFor('', 'deny', ANONYMOUS_ACCESSOR_ID);

  it('name the token, the permission and the object', () => {
    expect(authz.denied('keyWrite', 'pub/a')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'key:write' on "pub/a"`);
    expect(authz.denied('keyList', 'pub/')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'key:list' on "pub/"`);
    expect(authz.denied('keyWritePrefix', 'pub/')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'key:write' on "pub/"`);
    expect(authz.denied('sessionWrite', 'node-1')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'session:write' on "node-1"`);
    expect(authz.denied('intentionRead', 'web')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'intention:read' on "web"`);
    expect(authz.denied('queryWrite', 'q"1')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'query:write' on "q"1"`);
  });

  it('leave out the object for cluster-wide permissions and use Consul phrases for all/any', () => {
    expect(authz.denied('operatorRead')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'operator:read'`);
    expect(authz.denied('snapshot')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'acl:write'`);
    expect(authz.denied('nodeReadAll')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'node:read' on "all nodes"`);
    expect(authz.denied('serviceReadAll')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'service:read' on "all services"`);
    expect(authz.denied('serviceWriteAny')).toBe(`Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'service:write' on "any service"`);
    expect(authz.denied('intentionDefaultAllow')).toBe('Permission denied: Denied by intention default');
  });

  it('explain the anonymous token', () => {
    expect(anonymous.denied('keyRead', 'foo')).toBe(
      `Permission denied: anonymous token lacks permission 'key:read' on "foo". The anonymous token is used implicitly when a request does not specify a token.`,
    );
    expect(anonymous.denied('aclRead')).toBe(
      `Permission denied: anonymous token lacks permission 'acl:read'. The anonymous token is used implicitly when a request does not specify a token.`,
    );
  });

  it('is null when the check is allowed', () => {
    expect(authz.denied('keyRead', 'pub/a')).toBeNull();
    expect(authorizerFor('', 'allow').denied('operatorWrite')).toBeNull();
  });

  it('formats directly, including an unknown accessor and a cause', () => {
    expect(formatPermissionDenied({ accessorId: '', resource: 'node', level: 'write', name: 'n1' })).toBe(
      `Permission denied: provided token lacks permission 'node:write' on "n1"`,
    );
    expect(formatPermissionDenied({ accessorId: ACCESSOR, resource: 'mesh', level: 'read', name: '' })).toBe(
      `Permission denied: token with AccessorID '${ACCESSOR}' lacks permission 'mesh:read'`,
    );
    expect(permissionDeniedBecause('ACL not found')).toBe('Permission denied: ACL not found');
    expect(PERMISSION_DENIED).toBe('Permission denied');
  });
});

describe('checkFor (acl.Enforce vocabulary)', () => {
  it('maps resources and access words, case-insensitively', () => {
    expect(checkFor('key', 'write-prefix')).toEqual({ ok: true, check: 'keyWritePrefix' });
    expect(checkFor('key', 'LIST')).toEqual({ ok: true, check: 'keyList' });
    expect(checkFor('intention', 'read')).toEqual({ ok: true, check: 'intentionRead' });
    expect(checkFor('peering', 'Write')).toEqual({ ok: true, check: 'peeringWrite' });
  });

  it('rejects unknown resources and access levels with Consul texts', () => {
    expect(checkFor('bogus', 'read')).toEqual({ ok: false, message: 'Invalid ACL resource requested: "bogus"' });
    expect(checkFor('toString', 'read')).toEqual({ ok: false, message: 'Invalid ACL resource requested: "toString"' });
    expect(checkFor('service', 'list')).toEqual({ ok: false, message: 'Invalid access level for service resource: list' });
  });
});
