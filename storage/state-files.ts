// The files behind the state database. `<base>` (e.g. `<data-dir>/state.db`) is the live
// database until the first restore. Each restore builds a new generation `<base>.<n>` beside
// it and makes it live by atomically replacing the pointer file `<base>.current`, which names
// the live file. A database file therefore never changes its name, so SQLite's -wal, -shm and
// -journal files (named after their database) never meet another generation's database — the
// corruption hazard of renaming a WAL-mode file over a live one.
//
// Pointer format: one line of JSON, {"format":"cairn-state-pointer","version":1,"file":"<name>"},
// written as `<base>.current.tmp`, fsynced, renamed over `<base>.current`, directory fsynced.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const POINTER_FORMAT = 'cairn-state-pointer';
const POINTER_VERSION = 1;
const POINTER_SUFFIX = '.current';
const TMP_SUFFIX = '.tmp';
/** The files SQLite keeps beside a database, named after it. */
const SIDE_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

function pointerPath(base: string): string {
  return `${base}${POINTER_SUFFIX}`;
}

/** The generation number of a database file: 0 for `<base>` itself, n for `<base>.<n>`. */
export function generationOf(base: string, path: string): number {
  if (path === base) return 0;
  const m = new RegExp(`^${escape(basename(base))}\\.(\\d+)$`).exec(basename(path));
  if (m === null || dirname(path) !== dirname(base)) throw new StateFileError(`not a generation of ${base}: ${path}`);
  return Number(m[1]);
}

export function generationPath(base: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`bad state generation ${n}`);
  return `${base}.${n}`;
}

/** The live database file: the one the pointer names, else `<base>`. */
export function liveFile(base: string): string {
  const ptr = pointerPath(base);
  if (!existsSync(ptr)) return base;
  let p: { format?: unknown; version?: unknown; file?: unknown };
  try {
    p = JSON.parse(readFileSync(ptr, 'utf8')) as typeof p;
  } catch (err) {
    throw new StateFileError(`state pointer ${ptr} is not JSON: ${(err as Error).message}`);
  }
  if (p.format !== POINTER_FORMAT || p.version !== POINTER_VERSION || typeof p.file !== 'string') {
    throw new StateFileError(`state pointer ${ptr} is malformed`);
  }
  const live = join(dirname(base), p.file);
  generationOf(base, live); // names a generation of this base, nothing else
  // The pointer only ever names a file made durable before it: a missing one is lost data.
  if (!existsSync(live)) throw new StateFileError(`state pointer ${ptr} names ${p.file}, which does not exist`);
  return live;
}

/**
 * Deletes every generation except `live`, and a pointer temp file: what a crash left behind
 * (a half-built generation, or the previous one not yet removed). Called before opening.
 */
export function removeStaleGenerations(base: string, live: string): void {
  const dir = dirname(base);
  const name = basename(base);
  const doomed = new RegExp(`^${escape(name)}(\\.\\d+)?(-wal|-shm|-journal)?$`);
  for (const f of readdirSync(dir)) {
    const path = join(dir, f);
    if (f === `${name}${POINTER_SUFFIX}${TMP_SUFFIX}`) rmSync(path, { force: true });
    else if (doomed.test(f) && !isFileOf(live, path)) rmSync(path, { force: true });
  }
}

function isFileOf(db: string, path: string): boolean {
  return path === db || SIDE_SUFFIXES.some((s) => path === `${db}${s}`);
}

/** Removes a database file and its side files (missing ones are fine). */
export function removeDatabaseSync(path: string): void {
  for (const p of [path, ...SIDE_SUFFIXES.map((s) => `${path}${s}`)]) rmSync(p, { force: true });
}

export async function removeDatabase(path: string): Promise<void> {
  for (const p of [path, ...SIDE_SUFFIXES.map((s) => `${path}${s}`)]) await rm(p, { force: true });
}

/** fsync of a file's data and of its directory entry (on the threadpool). */
export async function makeDurable(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  await syncDir(dirname(path));
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes and fsyncs the pointer's temp file; `publishPointer` then makes it the pointer. */
export async function stagePointer(base: string, live: string): Promise<void> {
  generationOf(base, live);
  const file = await open(`${pointerPath(base)}${TMP_SUFFIX}`, 'w');
  try {
    await file.writeFile(`${JSON.stringify({ format: POINTER_FORMAT, version: POINTER_VERSION, file: basename(live) })}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** The commit point of a restore: one rename. Durable once the directory is synced. */
export function publishPointer(base: string): void {
  renameSync(`${pointerPath(base)}${TMP_SUFFIX}`, pointerPath(base));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
