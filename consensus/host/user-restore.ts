// An operator restore of a user-supplied snapshot on the leader (hashicorp/raft's
// Raft.Restore, which Consul's PUT /v1/snapshot calls). The snapshot replaces the whole
// replicated state at a NEW index above both the current log and the snapshot's own index, so
// later writes never reuse an index; the leader's log restarts after it and every follower is
// brought onto it with InstallSnapshot.
//
//   1. new proposals are refused (RaftHost gates them) and a barrier entry is committed and
//      applied, so the log is quiescent: everything appended is committed and applied;
//   2. the core chooses the position (index, term, latest configuration);
//   3. the bytes are written to the snapshot store under that position (the Ready loop keeps
//      running: heartbeats flow, reads are served);
//   4. the FSM is restored from the stored file (still beside the running loop: nothing is
//      applied meanwhile, since nothing new is proposed);
//   5. between Readies the core switches its log to the snapshot; the next Ready installs it
//      (the FSM already holds it) and empties the WAL;
//   6. a barrier after it commits once a quorum installed the snapshot.
//
// Nothing changes before step 4. A failure before it removes the staged file. As in
// hashicorp/raft, the index is committed on the leader alone. If leadership is lost while the
// FSM is being restored (step 4, the only long step that changes state), the FSM no longer
// matches the log: the host empties the FSM, removes the staged file and stops (crash rather
// than diverge); the next start rebuilds the state from the snapshot store and the log.
import type { SnapshotMeta } from '../raft/index.ts';
import { FatalStorageError, RejectedError } from './errors.ts';
import type { AppliedPosition, Fsm } from './fsm.ts';
import type { Logger } from './logger.ts';
import { snapshotName, type SnapshotStore } from './snapshot-store.ts';

/** What an operator restore installs: the FSM bytes of a snapshot taken elsewhere. */
export interface UserSnapshot {
  /** The index the snapshot was taken at in its own cluster: the restore is installed above it. */
  readonly index: number;
  /**
   * Streams the FSM snapshot bytes stamped for the position they are installed at (the FSM
   * checks that a snapshot's bytes belong to the position it is restored to). Called once.
   */
  open(at: AppliedPosition): AsyncIterable<Uint8Array>;
  /**
   * The FSM's bytes for its initial, empty state (position 0). Restored only on the fatal path,
   * so that the next start rebuilds the state from the snapshot store and the log.
   */
  empty(): AsyncIterable<Uint8Array>;
}

/** The host's side of a restore; each call runs against the live core. */
export interface RestoreSteps {
  readonly snapshots: SnapshotStore;
  readonly fsm: Fsm;
  readonly logger: Logger;
  /** Commits and applies a barrier entry (proposals are already refused). */
  barrier(): Promise<void>;
  /** The position the core would give the snapshot now; rejects if it refuses. */
  position(minIndex: number): Promise<SnapshotMeta>;
  /** Marks the FSM as busy (the loop must not apply, install or snapshot) until `done` settles. */
  fsmBusy(done: Promise<void>): void;
  /** Between Readies: the core adopts `meta`; false if it refused (the log moved on). */
  adopt(meta: SnapshotMeta): Promise<boolean>;
  /** Stops the host: its FSM no longer matches its log. */
  fatal(err: Error): void;
}

export async function restoreUserSnapshot(steps: RestoreSteps, snapshot: UserSnapshot): Promise<SnapshotMeta> {
  await steps.barrier();
  const meta = await steps.position(snapshot.index);
  const at = { index: meta.index, term: meta.term };
  await stage(steps.snapshots, meta, snapshot.open(at));
  const name = snapshotName(meta.index, meta.term);
  if (!samePosition(await steps.position(snapshot.index), meta)) {
    await steps.snapshots.remove(name);
    throw new RejectedError('stale', 'the log moved on while the snapshot was being stored; nothing was restored');
  }
  const restored = restoreFsm(steps, name, at);
  steps.fsmBusy(restored.then(() => undefined, () => undefined));
  try {
    await restored;
  } catch (err) {
    await steps.snapshots.remove(name).catch(() => {});
    throw err;
  }
  if (!(await steps.adopt(meta))) {
    // The FSM holds a state the log never adopted: empty it, so the next start rebuilds it from
    // the snapshot store and the log (the staged snapshot must not be among them).
    await steps.snapshots.remove(name).catch(() => {});
    const reset = steps.fsm.restore(snapshot.empty(), { index: 0, term: 0 });
    steps.fsmBusy(reset.then(() => undefined, () => undefined));
    const cleared = await reset.then(() => true, () => false);
    const err = new FatalStorageError(
      `snapshot restore at ${meta.index}: leadership moved while the state machine was being restored, so the log never ` +
        (cleared ? 'took the snapshot; the state was emptied and is rebuilt from the log on restart' : 'took the snapshot and the state could not be emptied; wipe the data directory'),
    );
    steps.fatal(err);
    throw err;
  }
  steps.logger.info({ index: meta.index, term: meta.term }, 'raft: restored a user snapshot');
  return meta;
}

async function stage(store: SnapshotStore, meta: SnapshotMeta, source: AsyncIterable<Uint8Array>): Promise<void> {
  const sink = await store.create(meta);
  try {
    for await (const chunk of source) await sink.write(chunk);
  } catch (err) {
    await sink.cancel();
    throw err;
  }
  await sink.commit();
}

async function restoreFsm(steps: RestoreSteps, name: string, at: AppliedPosition): Promise<void> {
  const reader = await steps.snapshots.open(name);
  try {
    await steps.fsm.restore(reader.chunks(), at);
  } finally {
    await reader.close();
  }
}

function samePosition(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term && a.configurationIndex === b.configurationIndex;
}
