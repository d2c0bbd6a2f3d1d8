// User events (Consul's /v1/event ring): the newest MAX_EVENTS events, replicated through Raft
// so every server lists the same ones. LTime is a Lamport-style counter assigned at apply.
import { blob, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const events = sqliteTable(
  'events',
  {
    /** Assigned at apply: one more than the largest ever stored; orders the ring. */
    ltime: integer('ltime').primaryKey(),
    /** The event's UUID, chosen by the server that fired it. */
    id: text('id').notNull(),
    name: text('name').notNull(),
    /** NULL for an empty payload. */
    payload: blob('payload', { mode: 'buffer' }),
    nodeFilter: text('node_filter').notNull(),
    serviceFilter: text('service_filter').notNull(),
    tagFilter: text('tag_filter').notNull(),
    version: integer('version').notNull(),
    /** The Raft index of the entry that fired it. */
    raftIndex: integer('raft_index').notNull(),
  },
  (t) => [index('events_by_id').on(t.id)],
);
