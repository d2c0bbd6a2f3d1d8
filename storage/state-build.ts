// Restore, part one: builds a complete new state database from a snapshot stream, beside the
// live one, in bounded steps with a turn of the event loop between them, so a restore of any
// size holds the loop for one step at most (STEP_LINES rows parsed and inserted, or
// FK_CHECK_ROWS rows checked). The live database is untouched until StateDb.replace (db.ts)
// makes the result live; a failure or a crash before that leaves only a file to delete.
import type Database from 'better-sqlite3';
import { configureLive, openBuildDb, type Sqlite, type StateDb } from './db.ts';
import { LineSplitter, checkEnd, checkHeader, decodeValue, isTableHeader, nextTurn, parseLine, stateTables, type Position } from './snapshot-format.ts';
import { removeDatabase } from './state-files.ts';

/** Input decoded and split into lines at a time (one chunk may be much larger). */
const PIECE_BYTES = 256 * 1024;
/**
 * Lines parsed and inserted per step (one transaction): a few ms for small KV rows; the
 * character bound keeps steps of large rows (values up to 512 KiB) as short.
 */
const STEP_LINES = 1_000;
const STEP_CHARS = 256 * 1024;
/** Rows whose foreign keys one step checks (an indexed lookup each: a few ms). */
const FK_CHECK_ROWS = 20_000;

interface ForeignKey {
  readonly parent: string;
  readonly from: readonly string[];
  readonly to: readonly string[];
}

export class StateBuilder {
  private constructor(
    private readonly sqlite: Sqlite,
    /** The file being built (':memory:' for an in-memory state). */
    readonly path: string,
    /** The triggers, dropped while rows are loaded (they would log every row as a change). */
    private readonly triggers: readonly { name: string; sql: string }[],
    private readonly db: StateDb,
  ) {}

  /** A fresh, migrated database at `path` with no rows and no triggers, to replace `db`'s state. */
  static create(db: StateDb): StateBuilder {
    const path = db.nextPath();
    const sqlite = openBuildDb(path);
    const triggers = sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string }[];
    sqlite.transaction(() => {
      for (const t of triggers) sqlite.exec(`DROP TRIGGER "${t.name}"`);
      for (const table of stateTables(sqlite)) sqlite.exec(`DELETE FROM "${table}"`);
    })();
    return new StateBuilder(sqlite, path, triggers, db);
  }

  /** Loads every row of the snapshot, checking its header, table names and row count. */
  async load(source: AsyncIterable<Uint8Array>, at: Position): Promise<void> {
    const known = new Set(stateTables(this.sqlite));
    const seen = new Set<string>();
    let insert: Database.Statement | null = null;
    let rows = 0;
    let header = false;
    let ended = false;
    const onLine = (value: unknown): void => {
      if (ended) throw new Error('snapshot: data after end marker');
      if (!header) {
        checkHeader(value, at);
        header = true;
      } else if (Array.isArray(value)) {
        if (insert === null) throw new Error('snapshot: row before any table header');
        insert.run(value.map(decodeValue));
        rows++;
      } else if (isTableHeader(value)) {
        if (!known.has(value.table) || seen.has(value.table)) throw new Error(`snapshot: unexpected table ${value.table}`);
        seen.add(value.table);
        const cols = value.columns.map((c) => `"${c}"`).join(', ');
        insert = this.sqlite.prepare(`INSERT INTO "${value.table}" (${cols}) VALUES (${value.columns.map(() => '?').join(', ')})`);
      } else {
        checkEnd(value, rows);
        ended = true;
      }
    };
    const step = this.sqlite.transaction((lines: readonly string[]) => {
      for (const line of lines) onLine(parseLine(line));
    });
    const lines = new LineSplitter();
    let pending: string[] = [];
    for await (const chunk of source) {
      // Bounded by the chunk's size / PIECE_BYTES.
      for (let from = 0; from < chunk.byteLength; from += PIECE_BYTES) {
        pending.push(...lines.push(chunk.subarray(from, from + PIECE_BYTES)));
        pending = await this.runSteps(pending, step, false);
      }
    }
    pending.push(...lines.end());
    await this.runSteps(pending, step, true);
    if (!ended) throw new Error('snapshot: truncated (no end marker)');
  }

  /** Checks every foreign key of every table (rows arrived in any order, unchecked). */
  async checkForeignKeys(): Promise<void> {
    for (const child of stateTables(this.sqlite)) {
      for (const fk of foreignKeys(this.sqlite, child)) await this.checkForeignKey(child, fk);
    }
  }

  /**
   * Re-creates the triggers, stamps the applied position (an operator restore installs a
   * snapshot above the index it was taken at) and configures the connection for live use.
   */
  finish(at: Position): Sqlite {
    const s = this.sqlite;
    s.transaction(() => {
      for (const t of this.triggers) s.exec(t.sql);
      s.prepare('UPDATE meta SET applied_index = ?, applied_term = ? WHERE id = 1').run(at.index, at.term);
      if (s.prepare('SELECT count(*) FROM meta WHERE id = 1').pluck().get() !== 1) throw new Error('snapshot: meta row missing after restore');
      if (s.prepare('SELECT count(*) FROM meta').pluck().get() !== 1) throw new Error('snapshot: more than one meta row');
    })();
    configureLive(s, this.path);
    return s;
  }

  /** Closes and deletes the partial build. */
  async abandon(): Promise<void> {
    this.sqlite.close();
    if (this.path !== ':memory:') await removeDatabase(this.path);
  }

  private async checkForeignKey(child: string, fk: ForeignKey): Promise<void> {
    const s = this.sqlite;
    const present = fk.from.map((c) => `c."${c}" IS NOT NULL`).join(' AND ');
    const match = fk.to.map((p, i) => `p."${p}" = c."${fk.from[i]!}"`).join(' AND ');
    const violations = s
      .prepare(`SELECT count(*) FROM "${child}" AS c WHERE c.rowid > ? AND c.rowid <= ? AND ${present} AND NOT EXISTS (SELECT 1 FROM "${fk.parent}" AS p WHERE ${match})`)
      .pluck();
    const stepEnd = s.prepare(`SELECT rowid FROM "${child}" WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET ${FK_CHECK_ROWS - 1}`).pluck();
    const [min, max] = s.prepare(`SELECT min(rowid), max(rowid) FROM "${child}"`).raw().get() as [number | null, number | null];
    if (min === null || max === null) return;
    // Bounded: each step moves past FK_CHECK_ROWS rows (or to the last one).
    for (let lo = min - 1; lo < max; ) {
      const hi = (stepEnd.get(lo) as number | undefined) ?? max;
      const n = violations.get(lo, hi) as number;
      if (n > 0) throw new Error(`snapshot: ${n} rows of ${child} reference missing ${fk.parent} rows (foreign key violation)`);
      lo = hi;
      await this.pause();
    }
  }

  /**
   * Runs `step` over full groups of lines (STEP_LINES lines or STEP_CHARS characters, whichever
   * comes first), pausing after each; with `all`, the last partial group too. Returns the rest.
   */
  private async runSteps(pending: string[], step: (lines: readonly string[]) => void, all: boolean): Promise<string[]> {
    let from = 0;
    // Bounded: every step consumes at least one line.
    for (;;) {
      let to = from;
      let chars = 0;
      while (to < pending.length && to - from < STEP_LINES && chars < STEP_CHARS) chars += pending[to++]!.length;
      const full = to - from >= STEP_LINES || chars >= STEP_CHARS;
      if (to === from || (!full && !all)) return pending.slice(from);
      step(pending.slice(from, to));
      from = to;
      await this.pause();
    }
  }

  private async pause(): Promise<void> {
    this.db.restoreStep('loading');
    await nextTurn();
    if (!this.db.isOpen) throw new Error('snapshot: restore abandoned (the state database was closed)');
  }
}

/** The foreign keys declared on `child`, columns in order (SQLite's foreign_key_list). */
function foreignKeys(sqlite: Sqlite, child: string): ForeignKey[] {
  const rows = sqlite.pragma(`foreign_key_list("${child}")`) as { id: number; seq: number; table: string; from: string; to: string | null }[];
  const byId = new Map<number, typeof rows>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  return [...byId.values()].map((cols) => {
    cols.sort((a, b) => a.seq - b.seq);
    const parent = cols[0]!.table;
    const to = cols.every((c) => c.to !== null) ? cols.map((c) => c.to!) : primaryKey(sqlite, parent);
    return { parent, from: cols.map((c) => c.from), to };
  });
}

function primaryKey(sqlite: Sqlite, table: string): string[] {
  const cols = sqlite.pragma(`table_info("${table}")`) as { name: string; pk: number }[];
  return cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
}
