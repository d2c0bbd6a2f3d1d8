// Sizes of the state for metrics (consul.state.*) and the newest tombstone for the leader's
// tombstone reaper. Counted on demand; each is one indexed aggregate query.
import type { Sqlite } from './db.ts';

export interface StateSizes {
  readonly kvEntries: number;
  readonly tombstones: number;
  readonly sessions: number;
  readonly nodes: number;
  /** Distinct service names. */
  readonly services: number;
  readonly serviceInstances: number;
  readonly checks: number;
}

const COUNTS = {
  kvEntries: 'SELECT count(*) FROM kvs',
  tombstones: 'SELECT count(*) FROM tombstones',
  sessions: 'SELECT count(*) FROM sessions',
  nodes: 'SELECT count(*) FROM nodes',
  services: 'SELECT count(DISTINCT service_name) FROM services',
  serviceInstances: 'SELECT count(*) FROM services',
  checks: 'SELECT count(*) FROM checks',
} as const satisfies Record<keyof StateSizes, string>;

export function stateSizes(db: Sqlite): StateSizes {
  const out: Record<string, number> = {};
  for (const [name, sql] of Object.entries(COUNTS)) out[name] = db.prepare(sql).pluck().get() as number;
  return out as unknown as StateSizes;
}

/** The Raft index of the newest tombstone, 0 when there is none. */
export function newestTombstoneIndex(db: Sqlite): number {
  return (db.prepare('SELECT max(raft_index) FROM tombstones').pluck().get() as number | null) ?? 0;
}
