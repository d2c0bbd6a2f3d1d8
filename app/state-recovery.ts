// The SQLite state is a projection of the Raft log, never the only copy of anything: if it is
// damaged while the server is stopped (a disk error, a stray write, a half-copied data dir),
// the server moves it aside and starts with an empty state, which Raft recovery rebuilds from
// the newest snapshot and the log (a follower's leader sends a snapshot if the log is not
// enough). Without this a damaged file stops the server at every start ("file is not a
// database"), or later, mid-apply, at the first damaged page it touches.
//
// The check is SQLite's quick_check (structure, not index contents), which reads every page
// once: a start-up cost proportional to the state's size (well under a second per 100 MB here).
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { liveFile } from '../storage/state-files.ts';
import type { Logger } from './logger.ts';

export const STATE_FILE = 'state.db';

/** Why the state database cannot be used, or undefined when it is sound (or absent). */
export function stateDamage(dataDir: string): string | undefined {
  let live: string;
  try {
    live = liveFile(join(dataDir, STATE_FILE));
  } catch (err) {
    return (err as Error).message;
  }
  if (!existsSync(live)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(live, { fileMustExist: true });
    const result = db.pragma('quick_check(1)', { simple: true });
    return result === 'ok' ? undefined : `quick_check: ${String(result)}`;
  } catch (err) {
    return (err as Error).message;
  } finally {
    db?.close();
  }
}

/**
 * Moves a damaged state database (every generation, pointer and side file) into
 * `<data-dir>/damaged-state-<ms>/`, kept for inspection; returns that directory, or undefined
 * when the state was sound.
 */
export function quarantineDamagedState(dataDir: string, logger: Logger, now: number): string | undefined {
  const damage = stateDamage(dataDir);
  if (damage === undefined) return undefined;
  const aside = join(dataDir, `damaged-state-${now}`);
  mkdirSync(aside, { recursive: true });
  for (const f of readdirSync(dataDir)) if (f.startsWith(STATE_FILE)) renameSync(join(dataDir, f), join(aside, f));
  logger.error({ damage, movedTo: aside }, 'the state database is damaged; moved aside, rebuilding it from the snapshots and the Raft log');
  return aside;
}
