// Bookkeeping tables: the applied position, per-table indexes and the change feed.
import { integer, sqliteTable, text, blob, check } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

/**
 * One row (id = 1). applied_index/applied_term advance with every entry inside the batch
 * transaction, so they double as the apply context the triggers read (the index of the entry
 * being applied) and, after commit, as the durable "applied up to here" mark.
 */
export const meta = sqliteTable(
  'meta',
  {
    id: integer('id').primaryKey(),
    appliedIndex: integer('applied_index').notNull(),
    appliedTerm: integer('applied_term').notNull(),
    /** The last Raft configuration entry's payload the driver handed over, if any. */
    raftConfig: blob('raft_config', { mode: 'buffer' }),
  },
  (t) => [check('meta_single_row', sql`${t.id} = 1`)],
);

/**
 * memdb's `index` table: name → last Raft index that touched it. Names are table names
 * (kvs, tombstones, sessions, nodes, services, checks), `service.<lower name>` per service and
 * `service_last_extinction`. Maintained by triggers only.
 */
export const tableIndex = sqliteTable('table_index', {
  name: text('name').primaryKey(),
  raftIndex: integer('raft_index').notNull(),
});

/** Rows appended by triggers during an apply transaction and drained before it commits. */
export const changeFeed = sqliteTable('change_feed', {
  seq: integer('seq').primaryKey(),
  raftIndex: integer('raft_index').notNull(),
  tbl: text('tbl').notNull(),
  key: text('key').notNull(),
});
