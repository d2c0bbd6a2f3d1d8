// Opens the FSM's SQLite database: pragmas, then the drizzle migrations (schema + triggers).
// One connection per server serves both the FSM and the reads; better-sqlite3 is synchronous,
// so a read never observes half of an apply transaction.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fileURLToPath } from 'node:url';

export type Sqlite = Database.Database;

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

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

export interface StateDb {
  readonly sqlite: Sqlite;
  /** The file path, or ':memory:'. */
  readonly path: string;
  close(): void;
}

/** Opens (creating if needed) and migrates the state database at `path` (or ':memory:'). */
export function openStateDb(path: string): StateDb {
  const sqlite = new Database(path);
  try {
    configure(sqlite, path);
    migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS_FOLDER });
    assertMigrated(sqlite);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return { sqlite, path, close: () => sqlite.close() };
}

function configure(sqlite: Sqlite, path: string): void {
  const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
  if (path !== ':memory:' && mode !== 'wal') throw new Error(`state db: journal_mode is ${String(mode)}, expected wal`);
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
