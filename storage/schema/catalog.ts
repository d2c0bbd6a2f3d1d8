// The catalog: nodes, service instances and health checks. Maps and lists are JSON text; they
// are opaque to queries and returned as registered.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import { textNoCase } from './columns.ts';

export const nodes = sqliteTable(
  'nodes',
  {
    node: textNoCase('node').primaryKey(),
    /** Node UUID, '' when registered without one. */
    id: text('id').notNull(),
    address: text('address').notNull(),
    datacenter: text('datacenter').notNull(),
    taggedAddresses: text('tagged_addresses'),
    meta: text('meta'),
    createIndex: integer('create_index').notNull(),
    modifyIndex: integer('modify_index').notNull(),
  },
  (t) => [uniqueIndex('nodes_by_id').on(t.id).where(sql`${t.id} <> ''`)],
);

export const services = sqliteTable(
  'services',
  {
    node: textNoCase('node').notNull().references(() => nodes.node),
    serviceId: textNoCase('service_id').notNull(),
    serviceName: textNoCase('service_name').notNull(),
    kind: text('kind').notNull(),
    tags: text('tags'),
    address: text('address').notNull(),
    taggedAddresses: text('tagged_addresses'),
    meta: text('meta'),
    port: integer('port').notNull(),
    socketPath: text('socket_path').notNull(),
    weights: text('weights').notNull(),
    enableTagOverride: integer('enable_tag_override', { mode: 'boolean' }).notNull(),
    extra: text('extra'),
    createIndex: integer('create_index').notNull(),
    modifyIndex: integer('modify_index').notNull(),
  },
  (t) => [primaryKey({ columns: [t.node, t.serviceId] }), index('services_by_name').on(t.serviceName)],
);

export const checks = sqliteTable(
  'checks',
  {
    node: textNoCase('node').notNull().references(() => nodes.node),
    checkId: textNoCase('check_id').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    notes: text('notes').notNull(),
    output: text('output').notNull(),
    /** '' for a node-level check. */
    serviceId: textNoCase('service_id').notNull(),
    serviceName: textNoCase('service_name').notNull(),
    serviceTags: text('service_tags').notNull(),
    type: text('type').notNull(),
    interval: text('interval').notNull(),
    timeout: text('timeout').notNull(),
    exposedPort: integer('exposed_port').notNull(),
    definition: text('definition').notNull(),
    createIndex: integer('create_index').notNull(),
    modifyIndex: integer('modify_index').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.node, t.checkId] }),
    index('checks_by_service').on(t.node, t.serviceId),
    index('checks_by_status').on(t.status),
    index('checks_by_service_name').on(t.serviceName),
  ],
);

