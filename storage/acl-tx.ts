// The ACL handle over the state connection: prepared statements for tokens, policies, roles
// and the bootstrap mark, JSON columns, and secret lookups that never compare a secret in
// variable time. Used inside the FSM's apply transaction (AclTx) and, read-only, by the read
// API and the leader's pre-Raft checks (AclReadTx), so all three see the same rows the same way.
import { createHash, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AclTx } from './apply/acl-tx.ts';
import type { NodeIdentitySpec, ServiceIdentitySpec } from './acl-commands.ts';
import type { AclPolicyRow, AclRoleRow, AclTokenRow } from './acl-entries.ts';
import type { Sqlite } from './db.ts';

/** The settings row holding the Raft index of the last bootstrap. Part of the snapshot format. */
export const ACL_BOOTSTRAP_SETTING = 'acl.bootstrap';

export const TOKEN_COLUMNS = `accessor_id, secret_id, secret_hash, description, policies, roles, service_identities, node_identities,
  local, expiration_time, expires_at_ms, create_time, hash, create_index, modify_index`;
export const POLICY_COLUMNS = 'id, name, description, rules, datacenters, hash, create_index, modify_index';
export const ROLE_COLUMNS = 'id, name, description, policies, service_identities, node_identities, hash, create_index, modify_index';

export interface TokenDbRow {
  accessor_id: string;
  secret_id: string;
  secret_hash: string;
  description: string;
  policies: string;
  roles: string;
  service_identities: string | null;
  node_identities: string | null;
  local: number;
  expiration_time: string | null;
  expires_at_ms: number | null;
  create_time: string;
  hash: string;
  create_index: number;
  modify_index: number;
}
export interface PolicyDbRow {
  id: string;
  name: string;
  description: string;
  rules: string;
  datacenters: string | null;
  hash: string;
  create_index: number;
  modify_index: number;
}
export interface RoleDbRow {
  id: string;
  name: string;
  description: string;
  policies: string;
  service_identities: string | null;
  node_identities: string | null;
  hash: string;
  create_index: number;
  modify_index: number;
}

/** Hex SHA-256 of a secret: the lookup key of acl_tokens.secret_hash. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Equal secrets, compared in time that depends only on their lengths. */
export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const parseList = <T>(text: string | null): T[] | null => (text === null ? null : (JSON.parse(text) as T[]));
const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

export function toTokenRow(r: TokenDbRow): AclTokenRow {
  return {
    accessorId: r.accessor_id,
    secretId: r.secret_id,
    description: r.description,
    policyIds: JSON.parse(r.policies) as string[],
    roleIds: JSON.parse(r.roles) as string[],
    serviceIdentities: parseList<ServiceIdentitySpec>(r.service_identities),
    nodeIdentities: parseList<NodeIdentitySpec>(r.node_identities),
    local: r.local !== 0,
    expirationTime: r.expiration_time,
    expiresAtMs: r.expires_at_ms,
    createTime: r.create_time,
    hash: r.hash,
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

export function toPolicyRow(r: PolicyDbRow): AclPolicyRow {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    rules: r.rules,
    datacenters: parseList<string>(r.datacenters),
    hash: r.hash,
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

export function toRoleRow(r: RoleDbRow): AclRoleRow {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    policyIds: JSON.parse(r.policies) as string[],
    serviceIdentities: parseList<ServiceIdentitySpec>(r.service_identities),
    nodeIdentities: parseList<NodeIdentitySpec>(r.node_identities),
    hash: r.hash,
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

type Stmt = Database.Statement;

function prepare(db: Sqlite) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    tokenByAccessor: p(`SELECT ${TOKEN_COLUMNS} FROM acl_tokens WHERE accessor_id = ?`),
    tokenByHash: p(`SELECT ${TOKEN_COLUMNS} FROM acl_tokens WHERE secret_hash = ?`),
    tokenPut: p(`INSERT OR REPLACE INTO acl_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    tokenDelete: p('DELETE FROM acl_tokens WHERE accessor_id = ?'),
    policyById: p(`SELECT ${POLICY_COLUMNS} FROM acl_policies WHERE id = ?`),
    policyByName: p(`SELECT ${POLICY_COLUMNS} FROM acl_policies WHERE name = ?`),
    policyPut: p(`INSERT OR REPLACE INTO acl_policies (${POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    policyDelete: p('DELETE FROM acl_policies WHERE id = ?'),
    roleById: p(`SELECT ${ROLE_COLUMNS} FROM acl_roles WHERE id = ?`),
    roleByName: p(`SELECT ${ROLE_COLUMNS} FROM acl_roles WHERE name = ?`),
    rolePut: p(`INSERT OR REPLACE INTO acl_roles (${ROLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    roleDelete: p('DELETE FROM acl_roles WHERE id = ?'),
    bootstrapGet: p('SELECT value FROM settings WHERE name = ?').pluck(),
    bootstrapPut: p(`INSERT INTO settings (name, value, create_index, modify_index) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, modify_index = excluded.modify_index`),
  };
}

export class SqliteAclTx implements AclTx {
  private readonly s: ReturnType<typeof prepare>;

  constructor(db: Sqlite) {
    this.s = prepare(db);
  }

  tokenByAccessor(accessorId: string): AclTokenRow | undefined {
    const r = this.s.tokenByAccessor.get(accessorId) as TokenDbRow | undefined;
    return r && toTokenRow(r);
  }

  tokenBySecret(secretId: string): AclTokenRow | undefined {
    const r = this.s.tokenByHash.get(secretDigest(secretId)) as TokenDbRow | undefined;
    return r !== undefined && secretsEqual(r.secret_id, secretId) ? toTokenRow(r) : undefined;
  }

  tokenPut(t: AclTokenRow): void {
    // INSERT OR REPLACE would silently drop another token holding the same secret: the
    // appliers rule that out first (tokenIdInUse), and this assertion keeps it so.
    const holder = this.s.tokenByHash.get(secretDigest(t.secretId)) as TokenDbRow | undefined;
    if (holder !== undefined && holder.accessor_id !== t.accessorId) throw new Error(`acl: secret of ${t.accessorId} already belongs to ${holder.accessor_id}`);
    this.s.tokenPut.run(
      t.accessorId, t.secretId, secretDigest(t.secretId), t.description, JSON.stringify(t.policyIds), JSON.stringify(t.roleIds),
      json(t.serviceIdentities), json(t.nodeIdentities), t.local ? 1 : 0, t.expirationTime, t.expiresAtMs, t.createTime, t.hash,
      t.createIndex, t.modifyIndex,
    );
  }

  tokenDelete(accessorId: string): boolean {
    return this.s.tokenDelete.run(accessorId).changes > 0;
  }

  policyById(id: string): AclPolicyRow | undefined {
    const r = this.s.policyById.get(id) as PolicyDbRow | undefined;
    return r && toPolicyRow(r);
  }

  policyByName(name: string): AclPolicyRow | undefined {
    const r = this.s.policyByName.get(name) as PolicyDbRow | undefined;
    return r && toPolicyRow(r);
  }

  policyPut(p: AclPolicyRow): void {
    const holder = this.policyByName(p.name);
    if (holder !== undefined && holder.id !== p.id) throw new Error(`acl: policy name ${p.name} already belongs to ${holder.id}`);
    this.s.policyPut.run(p.id, p.name, p.description, p.rules, json(p.datacenters), p.hash, p.createIndex, p.modifyIndex);
  }

  policyDelete(id: string): boolean {
    return this.s.policyDelete.run(id).changes > 0;
  }

  roleById(id: string): AclRoleRow | undefined {
    const r = this.s.roleById.get(id) as RoleDbRow | undefined;
    return r && toRoleRow(r);
  }

  roleByName(name: string): AclRoleRow | undefined {
    const r = this.s.roleByName.get(name) as RoleDbRow | undefined;
    return r && toRoleRow(r);
  }

  rolePut(r: AclRoleRow): void {
    const holder = this.roleByName(r.name);
    if (holder !== undefined && holder.id !== r.id) throw new Error(`acl: role name ${r.name} already belongs to ${holder.id}`);
    this.s.rolePut.run(
      r.id, r.name, r.description, JSON.stringify(r.policyIds), json(r.serviceIdentities), json(r.nodeIdentities), r.hash, r.createIndex, r.modifyIndex,
    );
  }

  roleDelete(id: string): boolean {
    return this.s.roleDelete.run(id).changes > 0;
  }

  bootstrapIndex(): number {
    const value = this.s.bootstrapGet.get(ACL_BOOTSTRAP_SETTING) as string | undefined;
    return value === undefined ? 0 : (JSON.parse(value) as { index: number }).index;
  }

  setBootstrapIndex(index: number): void {
    this.s.bootstrapPut.run(ACL_BOOTSTRAP_SETTING, JSON.stringify({ index }), index, index);
  }
}
