// Network coordinates (Consul's coordinates table): one Vivaldi coordinate per node and
// segment, kept as JSON ({Vec, Error, Adjustment, Height}). A coordinate never outlives its
// node: deregistering the node deletes it first.
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { textNoCase } from './columns.ts';
import { nodes } from './catalog.ts';

export const coordinates = sqliteTable(
  'coordinates',
  {
    node: textNoCase('node').notNull().references(() => nodes.node),
    segment: text('segment').notNull(),
    coord: text('coord').notNull(),
    modifyIndex: integer('modify_index').notNull(),
  },
  (t) => [primaryKey({ columns: [t.node, t.segment] })],
);
