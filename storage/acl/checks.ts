// The enforcement questions an authorizer answers (Consul's Authorizer interface,
// acl/authorizer.go), with what each one reports when it denies: the resource and level in
// `lacks permission 'key:read'`, and the name after `on`.

import { goQuote } from './go-format.ts';
import type { Resource } from './types.ts';

interface CheckSpec {
  readonly resource: Resource;
  readonly level: 'read' | 'list' | 'write';
  /**
   * What the denial message names: the segment asked about, nothing (a cluster-wide
   * permission), or a fixed phrase Consul uses for "all"/"any" checks.
   */
  readonly target: 'segment' | 'none' | 'all nodes' | 'all services' | 'any service';
}

export const CHECKS = {
  aclRead: { resource: 'acl', level: 'read', target: 'none' },
  aclWrite: { resource: 'acl', level: 'write', target: 'none' },
  agentRead: { resource: 'agent', level: 'read', target: 'segment' },
  agentWrite: { resource: 'agent', level: 'write', target: 'segment' },
  eventRead: { resource: 'event', level: 'read', target: 'segment' },
  eventWrite: { resource: 'event', level: 'write', target: 'segment' },
  intentionDefaultAllow: { resource: 'intention', level: 'read', target: 'none' },
  intentionRead: { resource: 'intention', level: 'read', target: 'segment' },
  intentionWrite: { resource: 'intention', level: 'write', target: 'segment' },
  keyList: { resource: 'key', level: 'list', target: 'segment' },
  keyRead: { resource: 'key', level: 'read', target: 'segment' },
  keyWrite: { resource: 'key', level: 'write', target: 'segment' },
  // Consul reports a refused recursive delete as plain key:write on the prefix.
  keyWritePrefix: { resource: 'key', level: 'write', target: 'segment' },
  keyringRead: { resource: 'keyring', level: 'read', target: 'none' },
  keyringWrite: { resource: 'keyring', level: 'write', target: 'none' },
  meshRead: { resource: 'mesh', level: 'read', target: 'none' },
  meshWrite: { resource: 'mesh', level: 'write', target: 'none' },
  nodeRead: { resource: 'node', level: 'read', target: 'segment' },
  nodeReadAll: { resource: 'node', level: 'read', target: 'all nodes' },
  nodeWrite: { resource: 'node', level: 'write', target: 'segment' },
  operatorRead: { resource: 'operator', level: 'read', target: 'none' },
  operatorWrite: { resource: 'operator', level: 'write', target: 'none' },
  peeringRead: { resource: 'peering', level: 'read', target: 'none' },
  peeringWrite: { resource: 'peering', level: 'write', target: 'none' },
  queryRead: { resource: 'query', level: 'read', target: 'segment' },
  queryWrite: { resource: 'query', level: 'write', target: 'segment' },
  serviceRead: { resource: 'service', level: 'read', target: 'segment' },
  serviceReadAll: { resource: 'service', level: 'read', target: 'all services' },
  serviceWrite: { resource: 'service', level: 'write', target: 'segment' },
  serviceWriteAny: { resource: 'service', level: 'write', target: 'any service' },
  sessionRead: { resource: 'session', level: 'read', target: 'segment' },
  sessionWrite: { resource: 'session', level: 'write', target: 'segment' },
  // Snapshot save/restore is gated on acl = "write".
  snapshot: { resource: 'acl', level: 'write', target: 'none' },
} as const satisfies Record<string, CheckSpec>;

export type Check = keyof typeof CHECKS;
/** Checks about one named object (a key, a node, …). */
export type NamedCheck = { [C in Check]: (typeof CHECKS)[C]['target'] extends 'segment' ? C : never }[Check];
/** Checks with no object: cluster-wide permissions and the all/any aggregates. */
export type GlobalCheck = Exclude<Check, NamedCheck>;

/** Every check, for exhaustive tests. */
export const ALL_CHECKS = Object.keys(CHECKS) as Check[];

/** The result of resolving Consul's (resource, access) vocabulary to a check (acl.Enforce). */
export type CheckLookup = { readonly ok: true; readonly check: Check } | { readonly ok: false; readonly message: string };

const ACCESS_CHECKS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  acl: { read: 'aclRead', write: 'aclWrite' },
  agent: { read: 'agentRead', write: 'agentWrite' },
  event: { read: 'eventRead', write: 'eventWrite' },
  intention: { read: 'intentionRead', write: 'intentionWrite' },
  key: { read: 'keyRead', list: 'keyList', write: 'keyWrite', 'write-prefix': 'keyWritePrefix' },
  keyring: { read: 'keyringRead', write: 'keyringWrite' },
  mesh: { read: 'meshRead', write: 'meshWrite' },
  node: { read: 'nodeRead', write: 'nodeWrite' },
  operator: { read: 'operatorRead', write: 'operatorWrite' },
  peering: { read: 'peeringRead', write: 'peeringWrite' },
  query: { read: 'queryRead', write: 'queryWrite' },
  service: { read: 'serviceRead', write: 'serviceWrite' },
  session: { read: 'sessionRead', write: 'sessionWrite' },
};

/**
 * acl.Enforce's mapping from a resource name and an access word (case-insensitive) to a check,
 * with its error texts, for `POST /v1/internal/acl/authorize`.
 */
export function checkFor(resource: string, access: string): CheckLookup {
  const byAccess = Object.hasOwn(ACCESS_CHECKS, resource) ? ACCESS_CHECKS[resource] : undefined;
  if (byAccess === undefined) return { ok: false, message: `Invalid ACL resource requested: ${goQuote(resource)}` };
  const lower = access.toLowerCase();
  const check = Object.hasOwn(byAccess, lower) ? byAccess[lower] : undefined;
  if (check === undefined) return { ok: false, message: `Invalid access level for ${resource} resource: ${access}` };
  return { ok: true, check };
}
