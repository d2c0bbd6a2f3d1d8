// The state machine the Raft driver applies committed entries to. It satisfies the driver's
// Fsm interface structurally (storage/ never imports consensus/; app/ wires the two): one
// IMMEDIATE transaction per batch that applies every command, records the last entry as
// applied and drains the change feed, then wakes the blocking queries the batch touched.
import type Database from 'better-sqlite3';
import { applyCommand } from './apply/command.ts';
import { ChangeFeed } from './change-feed.ts';
import { decodeCommand } from './commands.ts';
import type { Sqlite, StateDb } from './db.ts';
import { restoreState, takeSnapshot } from './snapshot.ts';
import { SqliteStateTx } from './sqlite-state-tx.ts';
import type { FeedRow } from './types.ts';
import { WatchHub } from './watch-hub.ts';

// Mirrors of consensus/host/fsm.ts (a type-level test keeps them assignable).
export type FsmEntryKind = 'command' | 'noop' | 'barrier' | 'config';
export interface FsmEntry {
  readonly index: number;
  readonly term: number;
  readonly kind: FsmEntryKind;
  readonly data: Uint8Array;
}
export interface AppliedPosition {
  readonly index: number;
  readonly term: number;
}
export interface FsmSnapshot {
  readonly at: AppliedPosition;
  write(sink: (chunk: Uint8Array) => Promise<void>): Promise<void>;
  release(): void;
}

export interface StateFsmOptions {
  /** Called after each committed batch with its change-feed rows (metrics, tests). */
  readonly onCommit?: (rows: readonly FeedRow[], applied: AppliedPosition) => void;
}

interface FsmStatements {
  readonly tx: SqliteStateTx;
  readonly feed: ChangeFeed;
  readonly setApplied: Database.Statement;
  readonly setConfig: Database.Statement;
  readonly runBatch: Database.Transaction<(batch: readonly FsmEntry[], results: unknown[]) => FeedRow[]>;
}

export class StateFsm {
  private last: AppliedPosition;
  private restoring = false;
  /** Prepared on the live connection; re-prepared when a restore swaps in a new one. */
  private s: FsmStatements;

  constructor(
    readonly db: StateDb,
    readonly hub: WatchHub = new WatchHub(),
    private readonly options: StateFsmOptions = {},
  ) {
    this.s = this.prepare(db.sqlite);
    this.last = readApplied(db.sqlite);
    db.onSwap((sqlite) => {
      this.s = this.prepare(sqlite);
      this.last = readApplied(sqlite);
      // Indexes may have gone back: every blocking query returns its current result.
      this.hub.abandon();
    });
  }

  /** The last applied entry, as durably recorded with its effects. */
  applied(): AppliedPosition {
    return this.last;
  }

  /** Applies a contiguous batch atomically; one result per entry (undefined for non-commands). */
  apply(batch: readonly FsmEntry[]): unknown[] {
    if (this.restoring) throw new Error('fsm: apply during restore');
    if (batch.length === 0) return [];
    const results: unknown[] = new Array<unknown>(batch.length).fill(undefined);
    const rows = this.s.runBatch.immediate(batch, results);
    const end = batch[batch.length - 1]!;
    this.last = { index: end.index, term: end.term };
    this.hub.publish(rows);
    this.options.onCommit?.(rows, this.last);
    return results;
  }

  /** Captures the state at applied() (a read transaction on a second connection). */
  snapshot(): FsmSnapshot {
    if (this.restoring) throw new Error('fsm: snapshot during restore');
    return takeSnapshot(this.db, this.last);
  }

  /**
   * Replaces the whole state with a snapshot taken at `at`. The live state keeps serving reads
   * while the new one is built; the swap re-prepares this FSM's statements, moves applied()
   * and wakes every blocking query, all in one synchronous step.
   */
  async restore(source: AsyncIterable<Uint8Array>, at: AppliedPosition): Promise<void> {
    if (this.restoring) throw new Error('fsm: restore already running');
    this.restoring = true;
    try {
      await restoreState(this.db, source, at);
    } finally {
      this.restoring = false;
    }
    if (this.last.index !== at.index || this.last.term !== at.term) {
      throw new Error(`fsm: restored to ${this.last.index}/${this.last.term}, expected ${at.index}/${at.term}`);
    }
  }

  private prepare(sqlite: Sqlite): FsmStatements {
    return {
      tx: new SqliteStateTx(sqlite),
      feed: new ChangeFeed(sqlite),
      setApplied: sqlite.prepare('UPDATE meta SET applied_index = ?, applied_term = ? WHERE id = 1'),
      setConfig: sqlite.prepare('UPDATE meta SET raft_config = ? WHERE id = 1'),
      runBatch: sqlite.transaction((batch: readonly FsmEntry[], results: unknown[]) => this.applyInTransaction(batch, results)),
    };
  }

  private applyInTransaction(batch: readonly FsmEntry[], results: unknown[]): FeedRow[] {
    let prev = this.last;
    batch.forEach((entry, i) => {
      if (entry.index !== prev.index + 1 || entry.term < prev.term) {
        throw new Error(`fsm: entry ${entry.index}/${entry.term} does not follow applied ${prev.index}/${prev.term}`);
      }
      prev = entry;
      // The triggers stamp change-feed rows and table indexes with meta.applied_index.
      this.s.setApplied.run(entry.index, entry.term);
      if (entry.kind === 'command') {
        this.s.tx.index = entry.index;
        results[i] = applyCommand(this.s.tx, decodeCommand(entry.data));
      } else if (entry.kind === 'config' && entry.data.length > 0) {
        this.s.setConfig.run(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.length));
      }
    });
    return this.s.feed.drain();
  }
}

function readApplied(sqlite: Sqlite): AppliedPosition {
  const row = sqlite.prepare('SELECT applied_index, applied_term FROM meta WHERE id = 1').get() as
    | { applied_index: number; applied_term: number }
    | undefined;
  if (row === undefined) throw new Error('fsm: meta row missing');
  return { index: row.applied_index, term: row.applied_term };
}
