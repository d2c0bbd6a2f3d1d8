// Bugs the simulation found in consensus/ or raft-wal-ts that are reported but not fixed yet.
// Each is reproduced by a minimal test marked `it.fails` in known-bugs.test.ts. While a bug is
// open the simulator records its hits (per seed, in the run summary) and carries on the way a
// process supervisor would, so it does not hide whatever else a seed would find; --strict turns
// every hit into a violation. Delete an entry once the fix lands: its test then fails loudly
// (it.fails passing means the bug is gone).

export type KnownBugSite = 'unhandledRejection' | 'startFailed';

export interface KnownBug {
  readonly id: string;
  readonly summary: string;
  readonly site: KnownBugSite;
  matches(err: unknown): boolean;
}

const text = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'wal-open-stale-meta-tmp',
    summary:
      'raft-wal-ts openWal: with wal-meta.tmp but no wal-meta (a crash during the first meta write), loadMeta writes a fresh meta through the temp name and renames it, then removeUnnamed unlinks the temp name from the stale listing: ENOENT, the server cannot start (a second start succeeds)',
    site: 'startFailed',
    matches: (err) => /ENOENT.*unlink.*wal-meta\.tmp/.test(text(err)),
  },
  {
    id: 'host-snapshot-task-unhandled',
    summary:
      'consensus/host RaftHost.startSnapshot: when writing a snapshot fails (EIO), the rejection of snapshotTask (writeSnapshot(...).finally(...)) is never handled: an unhandledRejection, which terminates a default Node process instead of the orderly FatalStorageError stop',
    site: 'unhandledRejection',
    matches: (err) => err instanceof Error && err.name === 'FatalStorageError' && /injected/.test(err.message),
  },
];

export function knownBug(site: KnownBugSite, err: unknown): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.site === site && b.matches(err));
}
