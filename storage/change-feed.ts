// The change feed: rows the triggers append during an apply transaction. The FSM drains them
// once per batch, before commit (so the feed is empty between batches and never needs a
// separate pruning write), and publishes them to the watch hub after commit.
import type Database from 'better-sqlite3';
import type { Sqlite } from './db.ts';
import type { FeedRow } from './types.ts';

export class ChangeFeed {
  private readonly select: Database.Statement;
  private readonly clear: Database.Statement;

  constructor(db: Sqlite) {
    this.select = db.prepare('SELECT raft_index, tbl, key FROM change_feed ORDER BY seq').raw();
    this.clear = db.prepare('DELETE FROM change_feed');
  }

  /** Reads and removes every pending row, in trigger order. Call inside the apply transaction. */
  drain(): FeedRow[] {
    const raw = this.select.all() as [number, string, string][];
    if (raw.length === 0) return [];
    this.clear.run();
    return raw.map(([index, table, key]) => ({ index, table, key }));
  }
}
