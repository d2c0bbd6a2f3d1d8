// Working with a state snapshot stream (snapshot.ts's NDJSON format) without loading it:
// re-stamping its header for the position an operator restore installs it at, and counting its
// rows per table for `snapshot inspect`. Both stream in bounded memory.
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshot-format.ts';

/** The first line of a state snapshot. */
export interface StateHeader {
  readonly index: number;
  readonly term: number;
}

export interface StateSummary extends StateHeader {
  /** Rows per table, in the order the tables appear. */
  readonly tables: Readonly<Record<string, number>>;
  readonly rows: number;
}

/** A header is a short JSON object; anything longer is not a state snapshot. */
const MAX_HEADER_BYTES = 4096;
/** Longest line inspect carries across chunks (as restore's own bound). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
const NEWLINE = 0x0a;
const OPEN_BRACKET = 0x5b;

/** A malformed or unsupported state snapshot. */
export class StateSnapshotError extends Error {
  override readonly name = 'StateSnapshotError';
}

function parseHeader(line: Uint8Array): StateHeader {
  let h: { format?: unknown; version?: unknown; index?: unknown; term?: unknown };
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line)) as typeof h;
  } catch {
    throw new StateSnapshotError('state snapshot header is not JSON');
  }
  if (h.format !== SNAPSHOT_FORMAT || h.version !== SNAPSHOT_VERSION) {
    throw new StateSnapshotError(`unsupported state snapshot format ${String(h.format)} v${String(h.version)}`);
  }
  const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!isIndex(h.index) || !isIndex(h.term)) throw new StateSnapshotError('state snapshot header has no valid index and term');
  return { index: h.index, term: h.term };
}

function encodeHeader(at: StateHeader): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, index: at.index, term: at.term })}\n`);
}

/** Splits off the header line; `rest` is what followed it in the chunk that ended it. */
async function takeHeader(it: AsyncIterator<Uint8Array>): Promise<{ header: StateHeader; rest: Uint8Array }> {
  let buffered: Uint8Array = new Uint8Array(0);
  for (;;) {
    const next = await it.next();
    if (next.done === true) throw new StateSnapshotError('state snapshot is empty or has no header line');
    buffered = concat(buffered, next.value);
    const nl = buffered.indexOf(NEWLINE);
    if (nl >= 0) return { header: parseHeader(buffered.subarray(0, nl)), rest: buffered.subarray(nl + 1) };
    if (buffered.length > MAX_HEADER_BYTES) throw new StateSnapshotError('state snapshot header line is too long');
  }
}

/** The header of a state snapshot stream (reads only as far as its first line). */
export async function readStateHeader(source: AsyncIterable<Uint8Array>): Promise<StateHeader> {
  const it = source[Symbol.asyncIterator]();
  try {
    return (await takeHeader(it)).header;
  } finally {
    await it.return?.();
  }
}

/**
 * The same snapshot with its header stamped for `at`, the position an operator restore installs
 * it at (restore checks that a snapshot's header names the position it is restored to). The
 * rows keep their own indexes, all below `at.index`.
 */
export async function* restampSnapshot(source: AsyncIterable<Uint8Array>, at: StateHeader): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const { header, rest } = await takeHeader(it);
  if (header.index > at.index) throw new StateSnapshotError(`state snapshot at ${header.index} cannot be installed below it, at ${at.index}`);
  yield encodeHeader(at);
  if (rest.length > 0) yield rest;
  for (let next = await it.next(); next.done !== true; next = await it.next()) yield next.value;
}

/**
 * The snapshot of an empty state at position 0: what a freshly migrated database holds (its
 * one meta row). Restoring it makes the driver rebuild the state from its snapshot and log at
 * the next start, the way out when the state no longer matches the log.
 */
export async function* emptyStateSnapshot(): AsyncGenerator<Uint8Array> {
  const lines = [
    { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, index: 0, term: 0 },
    { table: 'meta', columns: ['id', 'applied_index', 'applied_term', 'raft_config'] },
    [1, 0, 0, null],
    { end: true, rows: 1 },
  ];
  yield new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** Counts rows per table and checks the end marker, streaming. */
export async function summarizeStateSnapshot(source: AsyncIterable<Uint8Array>): Promise<StateSummary> {
  const it = source[Symbol.asyncIterator]();
  const { header, rest } = await takeHeader(it);
  const tables: Record<string, number> = {};
  let current: string | null = null;
  let rows = 0;
  let end: number | null = null;
  const onLine = (line: Uint8Array): void => {
    if (line.length === 0) return;
    if (end !== null) throw new StateSnapshotError('state snapshot has data after its end marker');
    if (line[0] === OPEN_BRACKET) {
      if (current === null) throw new StateSnapshotError('state snapshot has a row before any table');
      tables[current] = (tables[current] ?? 0) + 1;
      rows++;
      return;
    }
    const v = JSON.parse(new TextDecoder().decode(line)) as { table?: unknown; end?: unknown; rows?: unknown };
    if (typeof v.table === 'string') {
      current = v.table;
      tables[current] = tables[current] ?? 0;
    } else if (v.end === true && typeof v.rows === 'number') {
      end = v.rows;
    } else {
      throw new StateSnapshotError('state snapshot has an unrecognised line');
    }
  };
  let carry = rest;
  const drain = (): void => {
    let from = 0;
    for (let nl = carry.indexOf(NEWLINE); nl >= 0; nl = carry.indexOf(NEWLINE, from)) {
      onLine(carry.subarray(from, nl));
      from = nl + 1;
    }
    carry = carry.subarray(from);
    if (carry.length > MAX_LINE_BYTES) throw new StateSnapshotError('state snapshot line is too long');
  };
  drain();
  for (let next = await it.next(); next.done !== true; next = await it.next()) {
    carry = concat(carry, next.value);
    drain();
  }
  onLine(carry);
  if (end === null) throw new StateSnapshotError('state snapshot is truncated (no end marker)');
  if (end !== rows) throw new StateSnapshotError(`state snapshot end marker says ${end} rows, found ${rows}`);
  return { ...header, tables, rows };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
