// ACL tables (Consul's acl-tokens, acl-policies and acl-roles memdb tables). Links from tokens
// and roles to policies and roles are stored by ID only, as JSON arrays: names are resolved
// when a row is read, so renaming a policy never rewrites the tokens that use it, and a link to
// a deleted policy simply stops resolving (Consul's fixup*Links on read).
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { textNoCase } from '../schema/columns.ts';

export const aclPolicies = sqliteTable('acl_policies', {
  id: text('id').primaryKey(),
  /** Unique ignoring ASCII case (Consul's lower-cased name index). */
  name: textNoCase('name').notNull().unique(),
  description: text('description').notNull(),
  /** The rules text exactly as submitted (HCL or JSON). */
  rules: text('rules').notNull(),
  /** JSON array of datacenter names, or NULL for "every datacenter". */
  datacenters: text('datacenters'),
  /** base64 digest of the policy's fields, chosen by the leader. */
  hash: text('hash').notNull(),
  createIndex: integer('create_index').notNull(),
  modifyIndex: integer('modify_index').notNull(),
});

export const aclRoles = sqliteTable('acl_roles', {
  id: text('id').primaryKey(),
  name: textNoCase('name').notNull().unique(),
  description: text('description').notNull(),
  /** JSON array of policy IDs. */
  policies: text('policies').notNull(),
  /** JSON array of {ServiceName, Datacenters}, or NULL. */
  serviceIdentities: text('service_identities'),
  /** JSON array of {NodeName, Datacenter}, or NULL. */
  nodeIdentities: text('node_identities'),
  hash: text('hash').notNull(),
  createIndex: integer('create_index').notNull(),
  modifyIndex: integer('modify_index').notNull(),
});

export const aclTokens = sqliteTable(
  'acl_tokens',
  {
    accessorId: text('accessor_id').primaryKey(),
    secretId: text('secret_id').notNull().unique(),
    /**
     * Hex SHA-256 of the secret: tokens are looked up by this digest and the secret is then
     * compared in constant time, so lookup timing reveals nothing about the secret's bytes.
     */
    secretHash: text('secret_hash').notNull().unique(),
    description: text('description').notNull(),
    /** JSON array of policy IDs. */
    policies: text('policies').notNull(),
    /** JSON array of role IDs. */
    roles: text('roles').notNull(),
    serviceIdentities: text('service_identities'),
    nodeIdentities: text('node_identities'),
    local: integer('local', { mode: 'boolean' }).notNull(),
    /** RFC 3339 as the leader chose it, or NULL for a token that never expires. */
    expirationTime: text('expiration_time'),
    /** The same instant in Unix milliseconds (expiry checks and the reaper). */
    expiresAtMs: integer('expires_at_ms'),
    createTime: text('create_time').notNull(),
    hash: text('hash').notNull(),
    createIndex: integer('create_index').notNull(),
    modifyIndex: integer('modify_index').notNull(),
  },
  (t) => [index('acl_tokens_by_expiry').on(t.expiresAtMs)],
);
