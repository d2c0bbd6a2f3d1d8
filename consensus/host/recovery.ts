// Startup of a Raft host from its data directory: the newest valid snapshot, the WAL and the
// FSM's durable applied index are reconciled into the LogStorage the core starts from, or a
// brand-new cluster is bootstrapped (exactly once: the stable store remembers).
//
// Crash windows this closes (see consensus/DESIGN.md, "Startup"):
//  - a snapshot from the leader was committed to the store but the FSM was not restored:
//    the FSM is behind the snapshot, so it is restored from it now;
//  - the snapshot was installed but the WAL not yet emptied: the WAL ends before the
//    snapshot or disagrees with its term, so it is discarded (the snapshot supersedes it).
import type { Wal } from 'raft-wal-ts';
import {
  bootstrap as bootstrapEntry,
  type Configuration,
  EMPTY_SNAPSHOT,
  type HardState,
  type Index,
  type SnapshotMeta,
} from '../raft/index.ts';
import { FatalStorageError } from './errors.ts';
import type { Fsm } from './fsm.ts';
import type { Logger } from './logger.ts';
import type { SnapshotStore, StoredSnapshotMeta } from './snapshot-store.ts';
import { BOOTSTRAPPED_KEY, decodeHardState, encodeHardState, HARD_STATE_KEY, WalLogStorage } from './wal-storage.ts';

export interface RecoveryInput {
  readonly wal: Wal;
  readonly snapshots: SnapshotStore;
  readonly fsm: Fsm;
  readonly logger: Logger;
  /** The initial configuration of a brand-new cluster, if this server should bootstrap it. */
  readonly bootstrap: Configuration | undefined;
}

export interface Recovered {
  readonly storage: WalLogStorage;
  /** The FSM's durable applied index: the core replays committed entries after it only. */
  readonly applied: Index;
}

export async function recover(input: RecoveryInput): Promise<Recovered> {
  const { wal, logger } = input;
  let hard = decodeHardState(wal.getStable(HARD_STATE_KEY));
  const snapshot = await restoreNewestSnapshot(input);
  await reconcileLog(wal, snapshot, logger);
  if (input.bootstrap !== undefined) hard = await maybeBootstrap(wal, hard, snapshot, input.bootstrap, logger);

  const applied = input.fsm.applied().index as Index;
  const storage = new WalLogStorage(wal, hard, snapshot);
  if (applied < snapshot.index) {
    throw new FatalStorageError(`FSM applied index ${applied} is behind snapshot ${snapshot.index} after restore`);
  }
  if (applied > storage.lastIndex()) {
    throw new FatalStorageError(`FSM applied index ${applied} is past the log's last index ${storage.lastIndex()}: the log lost entries`);
  }
  if (applied + 1 < storage.firstIndex()) {
    throw new FatalStorageError(`cannot replay: FSM applied ${applied} but the log starts at ${storage.firstIndex()}`);
  }
  logger.info(
    { snapshot: snapshot.index, first: storage.firstIndex(), last: storage.lastIndex(), applied, term: hard.term },
    'raft: recovered state from disk',
  );
  return { storage, applied };
}

/** Opens the newest snapshot that verifies and restores the FSM from it if the FSM is behind. */
async function restoreNewestSnapshot(input: RecoveryInput): Promise<SnapshotMeta> {
  const reader = await input.snapshots.openNewest();
  if (reader === undefined) return EMPTY_SNAPSHOT;
  try {
    const meta = raftMeta(reader.snapshot.meta);
    const applied = input.fsm.applied();
    if (meta.index > applied.index) {
      input.logger.info({ snapshot: meta.index, applied: applied.index }, 'raft: restoring the FSM from the newest snapshot');
      await input.fsm.restore(reader.chunks(), { index: meta.index, term: meta.term });
    }
    return meta;
  } finally {
    await reader.close();
  }
}

async function reconcileLog(wal: Wal, snapshot: SnapshotMeta, logger: Logger): Promise<void> {
  const first = wal.firstIndex();
  const last = wal.lastIndex();
  if (last === 0 || snapshot.index === 0) return;
  if (first > snapshot.index + 1) {
    throw new FatalStorageError(`the log starts at ${first} but the newest usable snapshot ends at ${snapshot.index}`);
  }
  const atSnapshot = wal.get(snapshot.index);
  if (last < snapshot.index || (atSnapshot !== undefined && atSnapshot.term !== snapshot.term)) {
    logger.info({ first, last, snapshot: snapshot.index }, 'raft: discarding a log superseded by the snapshot');
    await wal.truncateAfter(0);
  }
}

async function maybeBootstrap(wal: Wal, hard: HardState, snapshot: SnapshotMeta, configuration: Configuration, logger: Logger): Promise<HardState> {
  if (wal.getStable(BOOTSTRAPPED_KEY) !== undefined) return hard;
  if (wal.lastIndex() !== 0 || snapshot.index !== 0 || hard.term !== 0) {
    logger.info({}, 'raft: not bootstrapping, this server already has Raft state');
    return hard;
  }
  const b = bootstrapEntry(configuration);
  // Entry first: a crash before the marker leaves a log that already works (the entry is
  // the same on every bootstrapped server) and is not bootstrapped a second time.
  await wal.append([b.entry]);
  await wal.setStableMany({ [HARD_STATE_KEY]: encodeHardState(b.hardState), [BOOTSTRAPPED_KEY]: new Uint8Array([1]) });
  logger.info({ servers: configuration.servers.map((s) => s.id) }, 'raft: bootstrapped a new cluster');
  return b.hardState;
}

/** The Raft part of a stored snapshot's metadata. */
export function raftMeta(m: StoredSnapshotMeta | SnapshotMeta): SnapshotMeta {
  return { index: m.index, term: m.term, configuration: m.configuration, configurationIndex: m.configurationIndex };
}
