// Opens the FSM's SQLite database (pragmas, then the drizzle migrations: schema + triggers) and
// holds its live connection. One connection per server serves both the FSM and the reads;
// better-sqlite3 is synchronous, so a read never observes half of an apply transaction.
//
// StateDb is the swappable holder (rqlite's SwappableDB): a restore builds a whole new database
// file beside the live one and then, in one synchronous step, makes it live — every component
// that prepared statements re-prepares them in its onSwap listener inside that same step, and
// the old connection is closed. So nobody can read a closed handle or a mix of the two states.
// Components read `sqlite` when they use it and never keep a connection of their own.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generationOf, generationPath, liveFile, makeDurable, publishPointer, removeDatabase, removeDatabaseSync, removeStaleGenerations,
  stagePointer, syncDir,
} from './state-files.ts';

export type Sqlite = Database.Database;

const MEMORY = ':memory:';
// Spelled from the project root (one level up), so the path holds both here in storage/ and in
// the precompiled server (dist/cairn.mjs, see scripts/build-server.mjs).
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../storage/migrations', import.meta.url));

/**
 * Page cache per connection (negative = KiB): 32 MiB keeps a typical Consul state's hot pages
 * in memory without letting several servers on one test machine hog RAM.
 */
const CACHE_SIZE_KIB = 32 * 1024;

/**
 * How long a statement waits on a lock held by another connection (the snapshot reader only
 * ever holds a read lock, so this bounds a checkpoint racing a snapshot, not normal applies).
 */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The steps of a restore, in order: `loading` after each bounded step of the build, `built`
 * when the new database is complete, then the swap (StateDb.replace): `durable` (file and
 * directory fsynced), `staged` (pointer temp file written), `published` (pointer renamed: the
 * commit point), `swapped` (holders switched), `synced` (directory fsynced), `removed` (the
 * replaced file deleted, or kept until its snapshot readers finish).
 */
export type RestoreStep = 'loading' | 'built' | 'durable' | 'staged' | 'published' | 'swapped' | 'synced' | 'removed';

export interface StateDbOptions {
  /** Called at each restore step (crash tests stop the process there). */
  readonly onRestoreStep?: (step: RestoreStep) => void;
}

/** Opens (creating if needed) and migrates the state database at `path` (or ':memory:'). */
export function openStateDb(path: string, options: StateDbOptions = {}): StateDb {
  const live = path === MEMORY ? MEMORY : liveFile(path);
  if (path !== MEMORY) removeStaleGenerations(path, live);
  const sqlite = new Database(live);
  try {
    configure(sqlite, live);
    migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS_FOLDER });
    assertMigrated(sqlite);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return new StateDb(path, sqlite, live, options);
}

/**
 * A fresh, migrated database at `path` for a restore to fill (a leftover file there is
 * replaced). It is private until made live, so it runs without journal, fsync or foreign-key
 * enforcement (rows arrive table by table; the builder checks keys once, at the end).
 */
export function openBuildDb(path: string): Sqlite {
  if (path !== MEMORY) removeDatabaseSync(path);
  const sqlite = new Database(path);
  try {
    sqlite.pragma('journal_mode = OFF');
    sqlite.pragma('synchronous = OFF');
    sqlite.pragma('foreign_keys = OFF');
    sqlite.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
    sqlite.pragma('temp_store = MEMORY');
    migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (err) {
    sqlite.close();
    if (path !== MEMORY) removeDatabaseSync(path);
    throw err;
  }
  return sqlite;
}

/** Gives a built database the live connection's settings (WAL, NORMAL, foreign keys on). */
export function configureLive(sqlite: Sqlite, path: string): void {
  configure(sqlite, path);
  assertMigrated(sqlite);
}

function configure(sqlite: Sqlite, path: string): void {
  const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
  if (path !== MEMORY && mode !== 'wal') throw new Error(`state db: journal_mode is ${String(mode)}, expected wal`);
  // NORMAL in WAL mode: a power loss may drop the last transactions, never corrupt; the
  // applied index rides in the same transactions, so the Raft log replays what was lost.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
  sqlite.pragma('temp_store = MEMORY');
}

function assertMigrated(sqlite: Sqlite): void {
  const row = sqlite.prepare('SELECT count(*) AS n FROM meta WHERE id = 1').get() as { n: number };
  if (row.n !== 1) throw new Error('state db: meta row missing after migrations');
  const fk = sqlite.pragma('foreign_keys', { simple: true });
  if (fk !== 1) throw new Error('state db: foreign keys are off');
}

/** The swappable holder of the live state connection (see the file comment). */
export class StateDb {
  private live: Sqlite;
  private livePath: string;
  private closed = false;
  private readonly listeners = new Set<(sqlite: Sqlite) => void>();
  /** Snapshot readers open per generation file: a replaced file is removed once none is. */
  private readonly pins = new Map<string, number>();
  private readonly retired = new Set<string>();

  constructor(
    /** The path the state was opened by: `<data-dir>/state.db` or ':memory:'. */
    readonly base: string,
    live: Sqlite,
    livePath: string,
    private readonly options: StateDbOptions = {},
  ) {
    this.live = live;
    this.livePath = livePath;
  }

  /** The live connection. Use it at once: a restore replaces it (see onSwap). */
  get sqlite(): Sqlite {
    return this.live;
  }

  /** The live database file (a generation of `base`), or ':memory:'. */
  get path(): string {
    return this.livePath;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Registers a listener called with the new connection inside the swap, before the old one
   * closes: re-prepare statements there. Listeners must not throw (a throw mid-swap is fatal).
   */
  onSwap(listener: (sqlite: Sqlite) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @internal Reports a restore step (see RestoreStep). */
  restoreStep(step: RestoreStep): void {
    this.options.onRestoreStep?.(step);
  }

  /** Where the next restore builds its database. */
  nextPath(): string {
    return this.base === MEMORY ? MEMORY : generationPath(this.base, generationOf(this.base, this.livePath) + 1);
  }

  /** Keeps the live file on disk until released, even if a restore replaces it meanwhile. */
  pin(): { readonly path: string; release(): void } {
    const path = this.livePath;
    this.pins.set(path, (this.pins.get(path) ?? 0) + 1);
    let released = false;
    return {
      path,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.pins.get(path) ?? 1) - 1;
        if (left > 0) return void this.pins.set(path, left);
        this.pins.delete(path);
        // A failed removal leaves a stale generation, which the next open removes.
        if (this.retired.delete(path)) void removeDatabase(path).catch(() => undefined);
      },
    };
  }

  /**
   * Makes `next` (a finished build at nextPath()) the live database. File-backed: fsync it,
   * stage the pointer, then — the commit point — rename the pointer and swap the connection in
   * one synchronous step; then sync the directory and remove the replaced file. A failure
   * before the commit point closes and removes `next` and leaves the live state untouched.
   */
  async replace(next: Sqlite, nextPath: string): Promise<void> {
    if (nextPath !== this.nextPath()) throw new Error(`state db: ${nextPath} is not the next generation ${this.nextPath()}`);
    if (this.base === MEMORY) return this.swap(next, nextPath);
    const old = this.livePath;
    try {
      await makeDurable(nextPath);
      this.restoreStep('durable');
      await stagePointer(this.base, nextPath);
      this.restoreStep('staged');
      if (this.closed) throw new Error('state db: closed during a restore');
      publishPointer(this.base);
    } catch (err) {
      next.close();
      await removeDatabase(nextPath);
      throw err;
    }
    this.restoreStep('published');
    this.swap(next, nextPath);
    this.restoreStep('swapped');
    await syncDir(dirname(this.base));
    this.restoreStep('synced');
    if ((this.pins.get(old) ?? 0) > 0) this.retired.add(old);
    else await removeDatabase(old);
    this.restoreStep('removed');
  }

  close(): void {
    this.closed = true;
    this.live.close();
  }

  private swap(next: Sqlite, nextPath: string): void {
    const old = this.live;
    this.live = next;
    this.livePath = nextPath;
    for (const listener of this.listeners) listener(next);
    // The old state is discarded: closing it need not fsync its checkpoint.
    old.pragma('synchronous = OFF');
    old.close();
  }
}
