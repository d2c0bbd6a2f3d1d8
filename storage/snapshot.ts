// FSM snapshots: a consistent logical dump of the state database at an applied index (format
// in snapshot-format.ts), and restore into a new database file that is swapped in whole.
//
// Taking: a second read-only connection opens a read transaction (WAL mode keeps its view fixed
// while applies continue on the main connection); an in-memory database is serialized instead.
// The dump streams in chunks of at most SNAPSHOT_CHUNK_BYTES (one line may exceed it), with a
// turn of the event loop after each, so a large state never holds the loop for long.
// Restoring: state-build.ts builds a complete new database from the stream in bounded steps
// (readers keep using the live one meanwhile), then StateDb.replace (db.ts) makes it live in
// one synchronous step. Readers never see a closed handle or a partial state.
import Database from 'better-sqlite3';
import type { StateDb, Sqlite } from './db.ts';
import type { AppliedPosition, FsmSnapshot } from './fsm.ts';
import { encodeValue, headerLine, nextTurn, stateTables } from './snapshot-format.ts';
import { StateBuilder } from './state-build.ts';

export { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, stateTables } from './snapshot-format.ts';

/** Bytes per streamed chunk: large enough to amortise the sink's per-call cost, small enough to keep memory flat. */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;

export function takeSnapshot(db: StateDb, applied: AppliedPosition): FsmSnapshot {
  if (db.path === ':memory:') return open(new Database(db.sqlite.serialize()), applied, () => undefined);
  // The file stays on disk while the reader streams it, even if a restore replaces it.
  const pin = db.pin();
  try {
    return open(new Database(pin.path, { readonly: true }), applied, pin.release);
  } catch (err) {
    pin.release();
    throw err;
  }
}

function open(reader: Sqlite, applied: AppliedPosition, unpin: () => void): FsmSnapshot {
  try {
    reader.pragma('busy_timeout = 5000');
    reader.exec('BEGIN');
    // The first read fixes the transaction's view of the WAL.
    const row = reader.prepare('SELECT applied_index AS i, applied_term AS t FROM meta WHERE id = 1').get() as { i: number; t: number };
    if (row.i !== applied.index || row.t !== applied.term) {
      throw new Error(`snapshot: reader sees ${row.i}/${row.t}, fsm applied ${applied.index}/${applied.term}`);
    }
  } catch (err) {
    reader.close();
    unpin();
    throw err;
  }
  return new ReaderSnapshot(reader, applied, unpin);
}

class ReaderSnapshot implements FsmSnapshot {
  private released = false;
  constructor(
    private readonly reader: Sqlite,
    readonly at: AppliedPosition,
    private readonly unpin: () => void,
  ) {}

  async write(sink: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    if (this.released) throw new Error('snapshot: written after release');
    const out = new ChunkWriter(sink);
    await out.line(headerLine(this.at));
    let rows = 0;
    for (const table of stateTables(this.reader)) {
      const stmt = this.reader.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).raw();
      await out.line({ table, columns: stmt.columns().map((c) => c.name) });
      for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
        await out.line(row.map(encodeValue));
        rows++;
      }
    }
    await out.line({ end: true, rows });
    await out.flush();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.reader.inTransaction) this.reader.exec('ROLLBACK');
    this.reader.close();
    this.unpin();
  }
}

class ChunkWriter {
  private parts: string[] = [];
  private size = 0;
  private readonly encoder = new TextEncoder();
  constructor(private readonly sink: (chunk: Uint8Array) => Promise<void>) {}

  async line(value: unknown): Promise<void> {
    const text = JSON.stringify(value) + '\n';
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= SNAPSHOT_CHUNK_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.encoder.encode(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    await this.sink(chunk);
    // A sink that writes to the page cache resolves at once: without this turn, dumping a
    // large state would be one long stretch of microtasks.
    await nextTurn();
  }
}

// ------------------------------------------------------------------------------ Restore

/**
 * Replaces the whole state with a snapshot taken at `at`: builds a new database from the
 * stream (bounded steps), then swaps it in (db.replace: the commit point and the one
 * synchronous switch of every holder). On failure the live state is untouched.
 */
export async function restoreState(db: StateDb, source: AsyncIterable<Uint8Array>, at: AppliedPosition): Promise<void> {
  const builder = StateBuilder.create(db);
  let built: Sqlite;
  try {
    await builder.load(source, at);
    await builder.checkForeignKeys();
    built = builder.finish(at);
  } catch (err) {
    await builder.abandon();
    throw err;
  }
  db.restoreStep('built');
  await db.replace(built, builder.path);
}

/** Every state table's rows in a canonical order (tests and debugging). */
export function dumpTables(db: Sqlite): Record<string, unknown[][]> {
  const out: Record<string, unknown[][]> = {};
  for (const table of stateTables(db)) {
    const rows = db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][];
    out[table] = rows.map((r) => r.map(encodeValue)).sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b)));
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
