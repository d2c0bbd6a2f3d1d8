// FSM snapshots: a consistent logical dump of the state database at an applied index, and
// restore by swapping all tables in one transaction.
//
// Format (version 1), UTF-8 newline-delimited JSON, streamed in chunks of at most
// SNAPSHOT_CHUNK_BYTES (one line may exceed it):
//   {"format":"cairn-state","version":1,"index":N,"term":T}
//   {"table":"kvs","columns":["key","value",...]}      then one JSON array per row;
//                                                      BLOBs as {"b64":"..."}
//   ...one section per table...
//   {"end":true,"rows":R}                              R = total row count (truncation check)
//
// Taking: a second read-only connection opens a read transaction (WAL mode keeps its view fixed
// while applies continue on the main connection); an in-memory database is serialized instead.
// Restoring: rows are loaded into a scratch database attached to the main connection (chunk by
// chunk, invisible to readers), then one transaction replaces every table's contents with the
// triggers dropped and re-created around the copy, checks foreign keys and sets the applied
// position. Readers share the main connection and never see a closed handle or a partial state.
import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import type { StateDb, Sqlite } from './db.ts';
import type { AppliedPosition, FsmSnapshot } from './fsm.ts';

export const SNAPSHOT_FORMAT = 'cairn-state';
export const SNAPSHOT_VERSION = 1;
/** Bytes per streamed chunk: large enough to amortise the sink's per-call cost, small enough to keep memory flat. */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;
/** Longest line restore accepts (a row with a 512 KiB KV value is ~700 KiB of base64 JSON). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Tables that are derived or transient and never travel in a snapshot. */
const NOT_SNAPSHOTTED = new Set(['change_feed', '__drizzle_migrations']);

/** The state tables, in creation order. */
export function stateTables(db: Sqlite): string[] {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
    .pluck()
    .all() as string[];
  return names.filter((n) => !NOT_SNAPSHOTTED.has(n));
}

export function takeSnapshot(db: StateDb, applied: AppliedPosition): FsmSnapshot {
  const reader = db.path === ':memory:' ? new Database(db.sqlite.serialize()) : new Database(db.path, { readonly: true });
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
    throw err;
  }
  return new ReaderSnapshot(reader, applied);
}

class ReaderSnapshot implements FsmSnapshot {
  private released = false;
  constructor(
    private readonly reader: Sqlite,
    readonly at: AppliedPosition,
  ) {}

  async write(sink: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    if (this.released) throw new Error('snapshot: written after release');
    const out = new ChunkWriter(sink);
    await out.line({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, index: this.at.index, term: this.at.term });
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
  }
}

function encodeValue(v: unknown): unknown {
  return v instanceof Uint8Array ? { b64: Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64') } : v;
}

function decodeValue(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && typeof (v as { b64?: unknown }).b64 === 'string') {
    return Buffer.from((v as { b64: string }).b64, 'base64');
  }
  return v;
}

// ------------------------------------------------------------------------------ Restore

export async function restoreState(db: StateDb, source: AsyncIterable<Uint8Array>, at: AppliedPosition): Promise<void> {
  const sqlite = db.sqlite;
  const scratch = db.path === ':memory:' ? ':memory:' : `${db.path}.restore`;
  removeScratch(scratch);
  sqlite.prepare('ATTACH DATABASE ? AS restore').run(scratch);
  // Rows arrive table by table in any order; integrity is checked once, before the swap commits.
  sqlite.pragma('foreign_keys = OFF');
  try {
    sqlite.exec('PRAGMA restore.journal_mode = OFF; PRAGMA restore.synchronous = OFF');
    const tables = stateTables(sqlite);
    createScratchTables(sqlite, tables);
    const loaded = await loadScratch(sqlite, source, at, new Set(tables));
    swapIn(sqlite, loaded, at);
  } finally {
    sqlite.pragma('foreign_keys = ON');
    sqlite.exec('DETACH DATABASE restore');
    removeScratch(scratch);
  }
}

function removeScratch(path: string): void {
  if (path === ':memory:') return;
  for (const p of [path, `${path}-journal`]) if (existsSync(p)) rmSync(p);
}

function createScratchTables(sqlite: Sqlite, tables: readonly string[]): void {
  const ddl = sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck();
  for (const t of tables) {
    const sql = ddl.get(t) as string;
    // Same columns, no constraints worth checking twice: the swap runs foreign_key_check.
    sqlite.exec(sql.replace(/^CREATE TABLE [`"]?(\w+)[`"]?/, 'CREATE TABLE restore."$1"'));
  }
}

interface Loaded {
  /** table → columns present in the snapshot. */
  readonly columns: Map<string, readonly string[]>;
}

async function loadScratch(sqlite: Sqlite, source: AsyncIterable<Uint8Array>, at: AppliedPosition, known: ReadonlySet<string>): Promise<Loaded> {
  const columns = new Map<string, readonly string[]>();
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
      if (!known.has(value.table) || columns.has(value.table)) throw new Error(`snapshot: unexpected table ${value.table}`);
      columns.set(value.table, value.columns);
      const cols = value.columns.map((c) => `"${c}"`).join(', ');
      insert = sqlite.prepare(`INSERT INTO restore."${value.table}" (${cols}) VALUES (${value.columns.map(() => '?').join(', ')})`);
    } else {
      checkEnd(value, rows);
      ended = true;
    }
  };
  const loadChunk = sqlite.transaction((lines: unknown[]) => lines.forEach(onLine));
  for await (const lines of ndjson(source)) loadChunk(lines);
  if (!ended) throw new Error('snapshot: truncated (no end marker)');
  return { columns };
}

function checkHeader(value: unknown, at: AppliedPosition): void {
  const h = value as { format?: unknown; version?: unknown; index?: unknown; term?: unknown };
  if (h.format !== SNAPSHOT_FORMAT || h.version !== SNAPSHOT_VERSION) {
    throw new Error(`snapshot: unsupported format ${String(h.format)} v${String(h.version)}`);
  }
  if (h.index !== at.index || h.term !== at.term) {
    throw new Error(`snapshot: taken at ${String(h.index)}/${String(h.term)}, restore asked for ${at.index}/${at.term}`);
  }
}

function isTableHeader(v: unknown): v is { table: string; columns: string[] } {
  const t = v as { table?: unknown; columns?: unknown };
  return typeof t.table === 'string' && Array.isArray(t.columns) && t.columns.every((c) => typeof c === 'string' && /^\w+$/.test(c));
}

function checkEnd(value: unknown, rows: number): void {
  const e = value as { end?: unknown; rows?: unknown };
  if (e.end !== true) throw new Error('snapshot: unrecognised line');
  if (e.rows !== rows) throw new Error(`snapshot: end marker says ${String(e.rows)} rows, read ${rows}`);
}

/** Splits a byte stream into parsed JSON lines, one array of lines per incoming chunk. */
async function* ndjson(source: AsyncIterable<Uint8Array>): AsyncGenerator<unknown[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  for await (const chunk of source) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    if (rest.length > MAX_LINE_BYTES) throw new Error('snapshot: line too long');
    yield parts.filter((l) => l !== '').map(parseLine);
  }
  rest += decoder.decode();
  if (rest.trim() !== '') yield [parseLine(rest)];
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (err) {
    throw new Error(`snapshot: malformed line (${line.length} chars): ${(err as Error).message}`, { cause: err });
  }
}

/** Replaces every state table's rows with the scratch copy, atomically. */
function swapIn(sqlite: Sqlite, loaded: Loaded, at: AppliedPosition): void {
  const triggers = sqlite.prepare("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string }[];
  sqlite.transaction(() => {
    for (const t of triggers) sqlite.exec(`DROP TRIGGER main."${t.name}"`);
    for (const table of stateTables(sqlite)) sqlite.exec(`DELETE FROM main."${table}"`);
    for (const [table, cols] of loaded.columns) {
      const list = cols.map((c) => `"${c}"`).join(', ');
      sqlite.exec(`INSERT INTO main."${table}" (${list}) SELECT ${list} FROM restore."${table}"`);
    }
    sqlite.exec('DELETE FROM main.change_feed');
    sqlite.prepare('UPDATE main.meta SET applied_index = ?, applied_term = ? WHERE id = 1').run(at.index, at.term);
    for (const t of triggers) sqlite.exec(t.sql);
    const violations = sqlite.pragma('main.foreign_key_check') as unknown[];
    if (violations.length > 0) throw new Error(`snapshot: ${violations.length} foreign key violations after restore`);
    const meta = sqlite.prepare('SELECT count(*) FROM main.meta').pluck().get() as number;
    if (meta !== 1) throw new Error('snapshot: meta row missing after restore');
  }).immediate();
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
