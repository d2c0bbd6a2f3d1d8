// The ACL read API: tokens, policies and roles with the index Consul reports for them (the
// table index of their table, never 0), links resolved to the live objects they point at, and
// the watch keys a blocking read waits on. Reads run on the FSM's connection, so they always
// see whole applied batches.
import type Database from 'better-sqlite3';
import { SqliteAclTx, POLICY_COLUMNS, ROLE_COLUMNS, TOKEN_COLUMNS, toPolicyRow, toRoleRow, toTokenRow, type PolicyDbRow, type RoleDbRow, type TokenDbRow } from './acl-tx.ts';
import type { AclReadTx } from './apply/acl-tx.ts';
import type { AclLink, AclPolicyRow, AclRoleEntry, AclRoleRow, AclTokenEntry, AclTokenRow } from './acl-entries.ts';
import { StateDb, type Sqlite } from './db.ts';
import type { WatchKey } from './types.ts';

export interface AclTokenResult { readonly index: number; readonly token: AclTokenEntry | null }
export interface AclTokenListResult { readonly index: number; readonly tokens: readonly AclTokenEntry[] }
export interface AclPolicyResult { readonly index: number; readonly policy: AclPolicyRow | null }
export interface AclPolicyListResult { readonly index: number; readonly policies: readonly AclPolicyRow[] }
export interface AclRoleResult { readonly index: number; readonly role: AclRoleEntry | null }
export interface AclRoleListResult { readonly index: number; readonly roles: readonly AclRoleEntry[] }

/** Consul's /v1/acl/tokens filters; at most one of policy, role and authMethod. */
export interface TokenListFilter {
  readonly policy?: string;
  readonly role?: string;
  readonly authMethod?: string;
  readonly serviceName?: string;
}

export const ACL_TABLES = ['acl_tokens', 'acl_policies', 'acl_roles'] as const;

/** The watch keys of each ACL read (see watchFor in state-store.ts). */
export const aclWatchFor = {
  token: (accessorId: string): WatchKey[] => [{ table: 'acl_tokens', key: accessorId }],
  tokens: (): WatchKey[] => [{ table: 'acl_tokens' }],
  policies: (): WatchKey[] => [{ table: 'acl_policies' }],
  roles: (): WatchKey[] => [{ table: 'acl_roles' }],
  /** Any change to any ACL object: what invalidates compiled authorizers. */
  anything: (): WatchKey[] => ACL_TABLES.map((table) => ({ table })),
};

const atLeastOne = (n: number): number => (n > 0 ? n : 1);

function prepare(db: Sqlite) {
  const p = (sql: string): Database.Statement => db.prepare(sql);
  return {
    tableIndex: p('SELECT raft_index FROM table_index WHERE name = ?').pluck(),
    generation: p(`SELECT max(raft_index) FROM table_index WHERE name IN ('acl_tokens', 'acl_policies', 'acl_roles')`).pluck(),
    tokens: p(`SELECT ${TOKEN_COLUMNS} FROM acl_tokens ORDER BY accessor_id`),
    policies: p(`SELECT ${POLICY_COLUMNS} FROM acl_policies ORDER BY id`),
    roles: p(`SELECT ${ROLE_COLUMNS} FROM acl_roles ORDER BY id`),
    nextExpiry: p('SELECT min(expires_at_ms) FROM acl_tokens WHERE expires_at_ms IS NOT NULL').pluck(),
    expired: p('SELECT accessor_id FROM acl_tokens WHERE expires_at_ms <= ? ORDER BY expires_at_ms, accessor_id LIMIT ?').pluck(),
  };
}

export class AclStore {
  private r: AclReadTx;
  private q: ReturnType<typeof prepare>;

  /**
   * Pass the StateDb so the store follows a restore (it re-prepares on the new connection).
   * A bare connection pins the store to it: after a restore its reads throw (closed handle).
   */
  constructor(db: StateDb | Sqlite) {
    const sqlite = db instanceof StateDb ? db.sqlite : db;
    this.r = new SqliteAclTx(sqlite);
    this.q = prepare(sqlite);
    if (db instanceof StateDb) {
      db.onSwap((next) => {
        this.r = new SqliteAclTx(next);
        this.q = prepare(next);
      });
    }
  }

  /** Row lookups shared with the appliers (and the leader's pre-Raft checks). */
  get rows(): AclReadTx {
    return this.r;
  }

  /** The raw last Raft index that touched an ACL table (0 if none ever did). */
  tableIndex(table: (typeof ACL_TABLES)[number]): number {
    return (this.q.tableIndex.get(table) as number | undefined) ?? 0;
  }

  /**
   * The last Raft index that changed any token, policy or role (0 before any did). The
   * change-feed triggers move it in the same transaction as the change, so comparing it is a
   * synchronous, exact test of "has anything an authorizer depends on changed".
   */
  generation(): number {
    return (this.q.generation.get() as number | null) ?? 0;
  }

  tokenGet(accessorId: string): AclTokenResult {
    const row = this.rows.tokenByAccessor(accessorId);
    return { index: atLeastOne(this.tableIndex('acl_tokens')), token: row === undefined ? null : this.resolveToken(row) };
  }

  /** The token holding `secretId` (GET /v1/acl/token/self, token resolution). */
  tokenGetBySecret(secretId: string): AclTokenResult {
    const row = this.rows.tokenBySecret(secretId);
    return { index: atLeastOne(this.tableIndex('acl_tokens')), token: row === undefined ? null : this.resolveToken(row) };
  }

  /** Sorted by AccessorID. A bad filter combination is Consul's error text. */
  tokenList(filter: TokenListFilter): AclTokenListResult | { readonly error: string } {
    const by = [filter.policy, filter.role, filter.authMethod].filter((f) => f !== undefined && f !== '');
    if (by.length > 1) return { error: 'can only filter by one of policy, role, or auth method at once' };
    const keep = (t: AclTokenRow): boolean =>
      (!filter.policy || t.policyIds.includes(filter.policy)) &&
      (!filter.role || t.roleIds.includes(filter.role)) &&
      // Tokens created through auth methods do not exist here: an auth method filter matches none.
      !filter.authMethod &&
      (!filter.serviceName || (t.serviceIdentities ?? []).some((s) => s.serviceName === filter.serviceName));
    const rows = (this.q.tokens.all() as TokenDbRow[]).map(toTokenRow).filter(keep);
    return { index: atLeastOne(this.tableIndex('acl_tokens')), tokens: rows.map((r) => this.resolveToken(r)) };
  }

  policyGet(id: string): AclPolicyResult {
    return { index: atLeastOne(this.tableIndex('acl_policies')), policy: this.rows.policyById(id) ?? null };
  }

  policyGetByName(name: string): AclPolicyResult {
    return { index: atLeastOne(this.tableIndex('acl_policies')), policy: this.rows.policyByName(name) ?? null };
  }

  /** Sorted by ID. */
  policyList(): AclPolicyListResult {
    return { index: atLeastOne(this.tableIndex('acl_policies')), policies: (this.q.policies.all() as PolicyDbRow[]).map(toPolicyRow) };
  }

  roleGet(id: string): AclRoleResult {
    const row = this.rows.roleById(id);
    return { index: atLeastOne(this.tableIndex('acl_roles')), role: row === undefined ? null : this.resolveRole(row) };
  }

  roleGetByName(name: string): AclRoleResult {
    const row = this.rows.roleByName(name);
    return { index: atLeastOne(this.tableIndex('acl_roles')), role: row === undefined ? null : this.resolveRole(row) };
  }

  /** Sorted by ID; with `policy`, only roles linking that policy ID. */
  roleList(policy: string): AclRoleListResult {
    const rows = (this.q.roles.all() as RoleDbRow[]).map(toRoleRow).filter((r) => policy === '' || r.policyIds.includes(policy));
    return { index: atLeastOne(this.tableIndex('acl_roles')), roles: rows.map((r) => this.resolveRole(r)) };
  }

  /** The earliest expiry of any token, in Unix ms, or null when none expires. */
  nextExpiry(): number | null {
    return (this.q.nextExpiry.get() as number | null) ?? null;
  }

  /** AccessorIDs of tokens expired at `nowMs`, earliest first, at most `limit`. */
  expiredTokens(nowMs: number, limit: number): string[] {
    return this.q.expired.all(nowMs, limit) as string[];
  }

  /** Links to live policies, with their current names (a deleted policy's link disappears). */
  policyLinks(ids: readonly string[]): AclLink[] {
    return ids.flatMap((id) => {
      const p = this.rows.policyById(id);
      return p === undefined ? [] : [{ id, name: p.name }];
    });
  }

  private resolveToken(row: AclTokenRow): AclTokenEntry {
    const { policyIds, roleIds, ...rest } = row;
    const roles = roleIds.flatMap((id) => {
      const r = this.rows.roleById(id);
      return r === undefined ? [] : [{ id, name: r.name }];
    });
    return { ...rest, policies: this.policyLinks(policyIds), roles };
  }

  private resolveRole(row: AclRoleRow): AclRoleEntry {
    const { policyIds, ...rest } = row;
    return { ...rest, policies: this.policyLinks(policyIds) };
  }
}
