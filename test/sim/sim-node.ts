// One simulated server: the real RaftHost over the real raft-wal-ts and SnapshotStore on its
// SimDisk, the simulated network and clock, and the KV FSM. The disk and the hardware clock
// outlive the process; crash() drops the process without any graceful close and restart()
// rebuilds everything from the disk alone.
import { openWal, type Wal } from 'raft-wal-ts';
import type { LeaderInfo } from '../../consensus/host/raft-host.ts';
import { RaftHost } from '../../consensus/host/raft-host.ts';
import { SnapshotStore } from '../../consensus/host/snapshot-store.ts';
import { decodeHardState, HARD_STATE_KEY } from '../../consensus/host/wal-storage.ts';
import type { Logger } from '../../consensus/host/logger.ts';
import type { Configuration, Rng } from '../../consensus/raft/index.ts';
import type { Profile } from './profile.ts';
import { KvFsm, type FsmObserver } from './kv-fsm.ts';
import { HardwareClock, SimClock, type Scheduler } from './sim-clock.ts';
import { SimDisk, type CrashMode } from './sim-disk.ts';
import { addressOf, idOf, SimTransport, type SimNetwork } from './sim-network.ts';

export const WAL_DIR = 'data/raft/wal';
export const SNAPSHOT_DIR = 'data/raft/snapshots';

/** What the simulator learns from a server's process. */
export interface NodeEvents {
  leaderChanged(node: number, info: LeaderInfo): void;
  /** The host stopped on its own (a storage failure or an invariant violation). */
  fatal(node: number, err: Error): void;
  /** start() failed before the host was running. */
  startFailed(node: number, err: unknown): void;
  started(node: number): void;
  fsmObserver(node: number): FsmObserver;
  logger(node: number): Logger;
}

export type NodeState = 'down' | 'starting' | 'up';

/** One incarnation of the server process. */
interface Process {
  readonly incarnation: number;
  readonly clock: SimClock;
  readonly transport: SimTransport;
  wal?: Wal;
  fsm?: KvFsm;
  host?: RaftHost;
  /** Client calls in progress: a crash settles them as if the connection reset. */
  readonly calls: Set<(err: Error) => void>;
}

/** A client call cut off by the server crashing; its outcome is unknown. */
export class ConnectionResetError extends Error {
  override readonly name = 'ConnectionResetError';
}

/** The server is not running: the call never reached it (connection refused). */
export class NotRunningError extends Error {
  override readonly name = 'NotRunningError';
}

export class SimNode {
  readonly id: string;
  readonly address: string;
  readonly disk: SimDisk;
  readonly hw: HardwareClock;
  private proc: Process | undefined;
  private incarnations = 0;
  state: NodeState = 'down';

  constructor(
    readonly index: number,
    private readonly sched: Scheduler,
    private readonly net: SimNetwork,
    private readonly rng: Rng,
    private readonly profile: Profile,
    private readonly events: NodeEvents,
  ) {
    this.id = idOf(index);
    this.address = addressOf(index);
    this.disk = new SimDisk(sched, index, rng.fork('disk'), profile.disk);
    this.hw = new HardwareClock(profile.drift[index] ?? 0, rng.fork('wall').int(2_000) - 1_000);
  }

  get incarnation(): number {
    return this.proc?.incarnation ?? 0;
  }

  get host(): RaftHost | undefined {
    return this.state === 'up' ? this.proc?.host : undefined;
  }

  get fsm(): KvFsm | undefined {
    return this.state === 'up' ? this.proc?.fsm : undefined;
  }

  get wal(): Wal | undefined {
    return this.state === 'up' ? this.proc?.wal : undefined;
  }

  /** Starts a process from what the disk holds; `bootstrap` for the founding servers. */
  async start(bootstrap: Configuration | undefined): Promise<void> {
    if (this.proc !== undefined) throw new Error(`${this.id} is already running`);
    const incarnation = ++this.incarnations;
    const alive = (): boolean => this.proc?.incarnation === incarnation;
    const clock = new SimClock(this.sched, this.hw, this.index, alive);
    const proc: Process = { incarnation, clock, transport: new SimTransport(this.net, this.index, clock), calls: new Set() };
    this.proc = proc;
    this.state = 'starting';
    try {
      await this.boot(proc, bootstrap);
      if (!alive()) return;
      this.state = 'up';
      this.events.started(this.index);
    } catch (err) {
      if (alive()) this.events.startFailed(this.index, err);
    }
  }

  private async boot(proc: Process, bootstrap: Configuration | undefined): Promise<void> {
    const p = this.profile;
    const vfs = this.disk.vfs();
    const logger = this.events.logger(this.index);
    proc.wal = await openWal(WAL_DIR, { vfs, segmentSize: p.segmentSize, preallocate: p.preallocate });
    const snapshots = await SnapshotStore.open(vfs, SNAPSHOT_DIR, { logger });
    proc.fsm = new KvFsm({
      files: this.disk.direct(),
      rng: this.rng.fork(`fsm-${proc.incarnation}`),
      syncOneIn: p.fsmSyncOneIn,
      snapshotPadBytes: p.snapshotPadBytes,
      observer: this.events.fsmObserver(this.index),
      nondeterministic: p.nondeterministicFsmOn === this.index,
    });
    const host = new RaftHost({
      id: this.id,
      address: this.address,
      clock: proc.clock,
      rng: this.rng.fork(`raft-${proc.incarnation}`),
      transport: proc.transport,
      wal: proc.wal,
      snapshots,
      fsm: proc.fsm,
      logger,
      tickMs: p.tickMs,
      raft: p.raft,
      operationTimeoutMs: p.operationTimeoutMs,
      ...(bootstrap === undefined ? {} : { bootstrap }),
    });
    proc.host = host;
    host.onLeaderChange((info) => {
      if (this.proc === proc) this.events.leaderChanged(this.index, info);
    });
    host.onFatal((err) => {
      if (this.proc === proc) this.events.fatal(this.index, err);
    });
    await host.start();
  }

  /**
   * The durable positions a restart must not fall below: the hard state's commit as the WAL's
   * stable store holds it (written atomically, so in memory = on disk) and the FSM's last
   * fsynced applied index.
   */
  durableFloor(): { commit: number; applied: number } | undefined {
    const p = this.proc;
    if (p?.wal === undefined || p.fsm === undefined || this.state !== 'up') return undefined;
    try {
      return { commit: decodeHardState(p.wal.getStable(HARD_STATE_KEY)).commit, applied: p.fsm.durableIndex };
    } catch {
      return undefined; // the WAL failed (an injected fault): its in-memory view is not trusted
    }
  }

  /** The process dies at once: nothing is closed or flushed; the disk keeps what `mode` allows. */
  crash(mode: CrashMode): void {
    const p = this.proc;
    if (p === undefined) return;
    this.proc = undefined;
    this.state = 'down';
    p.transport.kill();
    const reset = new ConnectionResetError(`${this.id} crashed`);
    for (const fail of p.calls) fail(reset);
    p.calls.clear();
    this.disk.crash(mode);
  }

  /**
   * Runs a client call against the running process. The promise settles with the host's
   * answer, or with ConnectionResetError if the process crashes first.
   */
  call<T>(run: (host: RaftHost, fsm: KvFsm) => Promise<T>): Promise<T> {
    const p = this.proc;
    if (p?.host === undefined || p.fsm === undefined || this.state !== 'up') {
      return Promise.reject(new NotRunningError(`${this.id} is not running`));
    }
    const host = p.host;
    const fsm = p.fsm;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const fail = (err: Error): void => {
        if (done) return;
        done = true;
        p.calls.delete(fail);
        reject(err);
      };
      p.calls.add(fail);
      run(host, fsm).then(
        (v) => {
          if (done || this.proc !== p) return;
          done = true;
          p.calls.delete(fail);
          resolve(v);
        },
        (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }
}
