// Token secret → compiled Authorizer (Consul's ACLResolver on a server). A secret is found by
// its digest and compared in constant time; the token's policies, its roles' policies and the
// rules its service and node identities stand for are merged and compiled once, and the result
// is cached by digest. Any change to a token, policy or role empties the cache: the change-feed
// triggers move the ACL tables' index in the same transaction as the change, and every resolve
// compares it first (one indexed read), so a write is never honoured stale — not even for the
// microtasks between a commit and a watch-hub wake-up. A check is a map lookup plus an expiry
// comparison; the watch hub additionally drops the cache promptly so it does not hold memory.
import type { AclIdentity, AclResolution } from '../../routes/acl/acl-services.ts';
import {
  compileAuthorizer, nodeIdentityRules, parsePolicyRules, serviceIdentityRules, type PolicyRules,
} from '../../storage/acl/index.ts';
import { ANONYMOUS_TOKEN_ACCESSOR_ID, ANONYMOUS_TOKEN_SECRET, type AclTokenRow } from '../../storage/acl-entries.ts';
import { aclWatchFor, type AclStore } from '../../storage/acl-store.ts';
import { secretDigest, secretsEqual } from '../../storage/acl-tx.ts';
import type { Watch, WatchHub } from '../../storage/watch-hub.ts';

/**
 * Compiled authorizers kept at once. A busy cluster uses far fewer tokens; the bound keeps a
 * client spraying valid-looking secrets from growing memory (misses are never cached).
 */
export const MAX_CACHED_IDENTITIES = 4096;

/** Consul's root policy names: refused as secrets ("Cannot resolve root ACLs"). */
const ROOT_SECRETS = new Set(['allow', 'deny', 'manage']);
const ROOT_REFUSAL = 'Permission denied: Cannot resolve root ACLs';
const NOT_FOUND = 'ACL not found';
/** The AccessorID Consul gives the agent recovery token's identity. */
export const AGENT_RECOVERY_ACCESSOR_ID = 'agent-recovery';

export interface ResolverOptions {
  readonly store: AclStore;
  readonly hub: WatchHub;
  readonly defaultPolicy: 'allow' | 'deny';
  /** The agent's default token at start: what a request without a token acts with ("" = the anonymous token). */
  readonly defaultToken: string;
  /** The agent recovery token at start: agent:write on this node, node:read everywhere ("" = none). */
  readonly agentRecoveryToken: string;
  readonly datacenter: string;
  readonly nodeName: string;
  /** Unix ms, for token expiry. */
  readonly now: () => number;
}

interface Cached {
  readonly identity: AclIdentity;
  readonly expiresAtMs: number | null;
}

export class AclResolver {
  private readonly identities = new Map<string, Cached>();
  /** Parsed rules per policy, keyed by ID and ModifyIndex (cleared with the identities). */
  private readonly parsed = new Map<string, PolicyRules>();
  private watch: Watch | null = null;
  private closed = false;
  /** The ACL tables' index the cached entries were compiled at. */
  private generation = -1;
  private defaultToken: string;
  private agentRecoveryToken: string;

  constructor(private readonly o: ResolverOptions) {
    this.defaultToken = o.defaultToken;
    this.agentRecoveryToken = o.agentRecoveryToken;
    this.arm();
  }

  /** Resolves a request's secret ("" = the agent's default token, else the anonymous token). */
  resolve(secret: string): AclResolution {
    const effective = secret !== '' ? secret : this.defaultToken !== '' ? this.defaultToken : ANONYMOUS_TOKEN_SECRET;
    if (ROOT_SECRETS.has(effective)) return { ok: false, message: ROOT_REFUSAL };
    const generation = this.o.store.generation();
    if (generation !== this.generation) this.forget(generation);
    const key = secretDigest(effective);
    const hit = this.identities.get(key);
    if (hit !== undefined) return this.live(hit);
    const resolved = this.compile(effective);
    if (resolved === null) return { ok: false, message: NOT_FOUND };
    if (this.identities.size >= MAX_CACHED_IDENTITIES) this.identities.delete(this.identities.keys().next().value as string);
    this.identities.set(key, resolved);
    return this.live(resolved);
  }

  /**
   * The agent's default and recovery tokens changed (PUT /v1/agent/token): later resolutions use
   * them, and nothing compiled for the old recovery secret survives.
   */
  useAgentTokens(defaultToken: string, agentRecoveryToken: string): void {
    this.defaultToken = defaultToken;
    this.agentRecoveryToken = agentRecoveryToken;
    this.forget(this.o.store.generation());
  }

  /** Stops following the change feed (server shutdown). */
  close(): void {
    this.closed = true;
    this.watch?.cancel();
  }

  /** Number of cached identities (tests, metrics). */
  get size(): number {
    return this.identities.size;
  }

  private live(c: Cached): AclResolution {
    return c.expiresAtMs !== null && c.expiresAtMs <= this.o.now() ? { ok: false, message: NOT_FOUND } : { ok: true, identity: c.identity };
  }

  /** One watch on every ACL table; when it fires, forget everything and watch again. */
  private arm(): void {
    if (this.closed) return;
    const watch = this.o.hub.watch(aclWatchFor.anything());
    this.watch = watch;
    void watch.fired.then(() => {
      this.forget(this.o.store.generation());
      this.arm();
    });
  }

  private forget(generation: number): void {
    this.identities.clear();
    this.parsed.clear();
    this.generation = generation;
  }

  private compile(secret: string): Cached | null {
    if (this.agentRecoveryToken !== '' && secretsEqual(secret, this.agentRecoveryToken)) return this.agentRecovery();
    const token = this.o.store.rows.tokenBySecret(secret);
    if (token === undefined) {
      // Before the first leader has created it, the anonymous token still exists in spirit.
      if (secret !== ANONYMOUS_TOKEN_SECRET) return null;
      return { identity: this.identity(ANONYMOUS_TOKEN_ACCESSOR_ID, []), expiresAtMs: null };
    }
    return { identity: this.identity(token.accessorId, this.policiesOf(token)), expiresAtMs: token.expiresAtMs };
  }

  private identity(accessorId: string, policies: readonly PolicyRules[]): AclIdentity {
    return { accessorId, authorizer: compileAuthorizer({ accessorId, policies, defaultPolicy: this.o.defaultPolicy }) };
  }

  /** Consul's agent recovery authorizer: write on this agent, read on every node. */
  private agentRecovery(): Cached {
    const rules = parsePolicyRules(`agent ${JSON.stringify(this.o.nodeName)} { policy = "write" }\nnode_prefix "" { policy = "read" }`);
    if (!rules.ok) throw new Error(`agent recovery rules do not parse: ${rules.message}`);
    return { identity: this.identity(AGENT_RECOVERY_ACCESSOR_ID, [rules.rules]), expiresAtMs: null };
  }

  /** Everything a token reaches that applies in this datacenter. */
  private policiesOf(token: AclTokenRow): PolicyRules[] {
    const dc = this.o.datacenter;
    const policyIds = new Set(token.policyIds);
    const services = [...(token.serviceIdentities ?? [])];
    const nodes = [...(token.nodeIdentities ?? [])];
    for (const roleId of token.roleIds) {
      const role = this.o.store.rows.roleById(roleId);
      if (role === undefined) continue;
      for (const id of role.policyIds) policyIds.add(id);
      services.push(...(role.serviceIdentities ?? []));
      nodes.push(...(role.nodeIdentities ?? []));
    }
    const out: PolicyRules[] = [];
    for (const id of policyIds) {
      const rules = this.policyRules(id);
      if (rules !== null) out.push(rules);
    }
    for (const s of services) if (s.datacenters === null || s.datacenters.length === 0 || s.datacenters.includes(dc)) out.push(serviceIdentityRules(s.serviceName));
    for (const n of nodes) if (n.datacenter === dc) out.push(nodeIdentityRules(n.nodeName));
    return out;
  }

  /** A policy's parsed rules, or null when it is gone or scoped to other datacenters. */
  private policyRules(id: string): PolicyRules | null {
    const policy = this.o.store.rows.policyById(id);
    if (policy === undefined) return null;
    if (policy.datacenters !== null && policy.datacenters.length > 0 && !policy.datacenters.includes(this.o.datacenter)) return null;
    const key = `${id}@${policy.modifyIndex}`;
    let rules = this.parsed.get(key);
    if (rules === undefined) {
      const result = parsePolicyRules(policy.rules);
      // Rules were validated on write; a policy that no longer parses grants nothing.
      if (!result.ok) return null;
      rules = result.rules;
      this.parsed.set(key, rules);
    }
    return rules;
  }
}
