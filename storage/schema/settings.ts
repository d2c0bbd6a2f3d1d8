// Replicated single-object settings (Consul's autopilot-config table and its kin): one row per
// setting name, the value as JSON, with the Raft indexes of its creation and last change.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const settings = sqliteTable('settings', {
  /** The setting's name, e.g. "autopilot". Part of the snapshot format: never rename one. */
  name: text('name').primaryKey(),
  /** JSON of the setting's value (its shape is owned by the command that writes it). */
  value: text('value').notNull(),
  createIndex: integer('create_index').notNull(),
  modifyIndex: integer('modify_index').notNull(),
});
