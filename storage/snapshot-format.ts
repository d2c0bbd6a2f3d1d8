// The state snapshot format (version 1): UTF-8 newline-delimited JSON.
//   {"format":"cairn-state","version":1,"index":N,"term":T}
//   {"table":"kvs","columns":["key","value",...]}      then one JSON array per row;
//                                                      BLOBs as {"b64":"..."}
//   ...one section per table...
//   {"end":true,"rows":R}                              R = total row count (truncation check)
// Shared by the writer (snapshot.ts), the builder that restores it (state-build.ts) and the
// stream helpers (snapshot-stream.ts).
import type { Sqlite } from './db.ts';

export const SNAPSHOT_FORMAT = 'cairn-state';
export const SNAPSHOT_VERSION = 1;
/** Longest line restore accepts (a row with a 512 KiB KV value is ~700 KiB of base64 JSON). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

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

export interface Position {
  readonly index: number;
  readonly term: number;
}

export function headerLine(at: Position): unknown {
  return { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, index: at.index, term: at.term };
}

export function checkHeader(value: unknown, at: Position): void {
  const h = value as { format?: unknown; version?: unknown; index?: unknown; term?: unknown };
  if (h.format !== SNAPSHOT_FORMAT || h.version !== SNAPSHOT_VERSION) {
    throw new Error(`snapshot: unsupported format ${String(h.format)} v${String(h.version)}`);
  }
  if (h.index !== at.index || h.term !== at.term) {
    throw new Error(`snapshot: taken at ${String(h.index)}/${String(h.term)}, restore asked for ${at.index}/${at.term}`);
  }
}

export function isTableHeader(v: unknown): v is { table: string; columns: string[] } {
  const t = v as { table?: unknown; columns?: unknown };
  return typeof t.table === 'string' && Array.isArray(t.columns) && t.columns.every((c) => typeof c === 'string' && /^\w+$/.test(c));
}

export function checkEnd(value: unknown, rows: number): void {
  const e = value as { end?: unknown; rows?: unknown };
  if (e.end !== true) throw new Error('snapshot: unrecognised line');
  if (e.rows !== rows) throw new Error(`snapshot: end marker says ${String(e.rows)} rows, read ${rows}`);
}

export function encodeValue(v: unknown): unknown {
  return v instanceof Uint8Array ? { b64: Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64') } : v;
}

export function decodeValue(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && typeof (v as { b64?: unknown }).b64 === 'string') {
    return Buffer.from((v as { b64: string }).b64, 'base64');
  }
  return v;
}

export function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (err) {
    throw new Error(`snapshot: malformed line (${line.length} chars): ${(err as Error).message}`, { cause: err });
  }
}

/** Splits a byte stream into complete text lines (strict UTF-8), piece by piece. */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** The unfinished line, kept in parts so a long line is joined once, not per piece. */
  private pending: string[] = [];
  private pendingLength = 0;

  /** The lines completed by `bytes` (empty lines dropped). */
  push(bytes: Uint8Array): string[] {
    const text = this.decoder.decode(bytes, { stream: true });
    const nl = text.indexOf('\n');
    if (nl < 0) {
      this.hold(text);
      return [];
    }
    const lines = text.slice(nl + 1).split('\n');
    const rest = lines.pop() ?? '';
    lines.unshift(this.pending.join('') + text.slice(0, nl));
    this.pending = [];
    this.pendingLength = 0;
    this.hold(rest);
    return lines.filter((l) => l !== '');
  }

  /** The last line, if the stream did not end with a newline. */
  end(): string[] {
    const last = this.pending.join('') + this.decoder.decode();
    this.pending = [];
    this.pendingLength = 0;
    return last.trim() === '' ? [] : [last];
  }

  private hold(text: string): void {
    if (text === '') return;
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength > MAX_LINE_BYTES) throw new Error('snapshot: line too long');
  }
}

/** Lets timers and sockets run (Raft heartbeats, HTTP reads) between bounded steps. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
