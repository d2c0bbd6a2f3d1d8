// Sessions and the checks they depend on (Consul's sessions + session_checks tables).
import { foreignKey, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { textNoCase } from './columns.ts';
import { checks, nodes } from './catalog.ts';

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    node: textNoCase('node').notNull().references(() => nodes.node),
    lockDelayNs: integer('lock_delay_ns').notNull(),
    behavior: text('behavior', { enum: ['release', 'delete'] }).notNull(),
    ttl: text('ttl').notNull(),
    /** JSON array of check IDs, or NULL. */
    nodeChecks: text('node_checks'),
    /** JSON array of {id, namespace}, or NULL. */
    serviceChecks: text('service_checks'),
    createIndex: integer('create_index').notNull(),
    modifyIndex: integer('modify_index').notNull(),
  },
  (t) => [index('sessions_by_node').on(t.node)],
);

/** One row per (session, check on the session's node) it depends on: invalidation lookups. */
export const sessionChecks = sqliteTable(
  'session_checks',
  {
    session: text('session').notNull().references(() => sessions.id),
    node: textNoCase('node').notNull(),
    checkId: textNoCase('check_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.session, t.checkId] }),
    index('session_checks_by_check').on(t.node, t.checkId),
    // A session never outlives a check it depends on: invalidation runs before the check goes.
    foreignKey({ columns: [t.node, t.checkId], foreignColumns: [checks.node, checks.checkId] }),
  ],
);
