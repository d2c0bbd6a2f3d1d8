// The KV store (Consul's kvs + tombstones tables).
import { sql } from 'drizzle-orm';
import { blob, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { sessions } from './session.ts';

export const kvs = sqliteTable(
  'kvs',
  {
    key: text('key').primaryKey(),
    /** NULL for a zero-length value. */
    value: blob('value', { mode: 'buffer' }),
    /** uint64 as a canonical decimal string (exact; SQLite integers are signed 64-bit). */
    flags: text('flags').notNull(),
    lockIndex: integer('lock_index').notNull(),
    /** The lock holder; a session row must exist while it holds the key. */
    session: text('session').references(() => sessions.id),
    createIndex: integer('create_index').notNull(),
    modifyIndex: integer('modify_index').notNull(),
  },
  (t) => [index('kvs_by_session').on(t.session).where(sql`${t.session} IS NOT NULL`)],
);

/** A deleted key (or deleted prefix) and the index that deleted it; reaped through Raft. */
export const tombstones = sqliteTable(
  'tombstones',
  {
    key: text('key').primaryKey(),
    raftIndex: integer('raft_index').notNull(),
  },
  (t) => [index('tombstones_by_index').on(t.raftIndex)],
);
