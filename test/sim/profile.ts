// The knobs of one simulated run and "swarm testing": every seed also draws its own fault
// profile (after TigerBeetle's options_swarm), so a corpus of seeds covers quiet clusters,
// lossy ones, crash-heavy ones, tiny WAL segments, frequent snapshots, and so on.
import { createRng, type Rng } from '../../consensus/raft/index.ts';
import type { RaftHostOptions } from '../../consensus/host/raft-host.ts';
import { MAX_SAFE_DRIFT_PPM } from './sim-clock.ts';
import type { CrashMode, DiskProfile } from './sim-disk.ts';
import type { NetProfile } from './sim-network.ts';

export type PartitionMode = 'halves' | 'isolateLeader' | 'isolateLeaderOneWay' | 'isolateOne' | 'oneWay' | 'swizzle';
export const PARTITION_MODES: readonly PartitionMode[] = ['halves', 'isolateLeader', 'isolateLeaderOneWay', 'isolateOne', 'oneWay', 'swizzle'];

export type OpKind = 'put' | 'cas' | 'get' | 'readIndex' | 'lease';

export interface FaultProfile {
  /** Mean gap between partitions in ms (0: none); partitions last partitionMs. */
  readonly partitionEveryMs: number;
  readonly partitionMs: readonly [number, number];
  readonly partitionModes: readonly PartitionMode[];
  /** Mean gap between crashes in ms (0: none); a crashed server is down for downMs. */
  readonly crashEveryMs: number;
  readonly downMs: readonly [number, number];
  /** Servers down at once; the cluster may lose its majority when this exceeds a minority. */
  readonly maxDown: number;
  readonly crashModes: readonly CrashMode[];
  /** Chance (1 in n) a crash picks the leader rather than any server. */
  readonly crashLeaderOneIn: number;
  readonly membershipEveryMs: number;
  readonly transferEveryMs: number;
  readonly driftEveryMs: number;
  /** Drift a server may be given, within the lease assumption unless a scenario says otherwise. */
  readonly maxDriftPpm: number;
}

export interface WorkloadProfile {
  readonly clients: number;
  readonly keys: number;
  readonly thinkMs: readonly [number, number];
  /** Relative weights of the operation kinds. */
  readonly mix: Readonly<Record<OpKind, number>>;
  /** A client gives up on an operation after this long (outcome unknown for writes). */
  readonly clientTimeoutMs: number;
}

export interface Profile {
  readonly nodes: number;
  /** Servers 0..initialVoters-1 bootstrap the cluster; the rest start empty, to be added. */
  readonly initialVoters: number;
  readonly tickMs: number;
  readonly operationTimeoutMs: number;
  readonly raft: NonNullable<RaftHostOptions['raft']>;
  readonly segmentSize: number;
  readonly preallocate: boolean;
  readonly net: NetProfile;
  readonly disk: DiskProfile;
  readonly fsmSyncOneIn: number;
  readonly snapshotPadBytes: number;
  /** Initial clock drift per server, in ppm. */
  readonly drift: readonly number[];
  readonly faults: FaultProfile;
  readonly workload: WorkloadProfile;
  /** A server whose FSM applies puts differently (a negative control; never in a swarm). */
  readonly nondeterministicFsmOn?: number;
}

/** Ticks of the fault phase by default: about a second of the workload per 100 ticks. */
export const DEFAULT_TICKS = 400;
/**
 * After the faults stop, the core must converge within this many ticks (of 10 ms). The bound
 * covers, with a wide margin, a snapshot chunk lost to a partition: the host restarts that
 * stream when the core asks again after its snapshot send timeout (at most 600 ticks in a
 * swarm profile), or when the chunk's own timeout (SNAPSHOT_CHUNK_TIMEOUT_MS, 10 s) ends it.
 */
export const DEFAULT_LIVENESS_TICKS = 3_500;

/** A quiet profile: no faults at all; scenarios start from it and add what they test. */
export function quietProfile(nodes: number): Profile {
  return {
    nodes,
    initialVoters: nodes,
    tickMs: 10,
    operationTimeoutMs: 1_000,
    raft: { electionTicks: 10, heartbeatTicks: 1, leaseTicks: 5, preVote: true, checkQuorum: true },
    segmentSize: 4096,
    preallocate: false,
    net: { lossPpm: 0, dupPpm: 0, minDelayUs: 200, typicalDelayUs: 1_000, maxDelayUs: 5_000 },
    disk: { syncLatencyUs: [50, 500], writeFailPpm: 0, syncFailPpm: 0, crashDuringSyncPpm: 0, reorderDirOps: false },
    fsmSyncOneIn: 4,
    snapshotPadBytes: 0,
    drift: new Array<number>(nodes).fill(0),
    faults: {
      partitionEveryMs: 0,
      partitionMs: [50, 500],
      partitionModes: PARTITION_MODES,
      crashEveryMs: 0,
      downMs: [10, 500],
      maxDown: Math.floor((nodes - 1) / 2),
      crashModes: ['keep', 'lose', 'torn', 'sectors', 'bitflip'],
      crashLeaderOneIn: 3,
      membershipEveryMs: 0,
      transferEveryMs: 0,
      driftEveryMs: 0,
      maxDriftPpm: MAX_SAFE_DRIFT_PPM,
    },
    workload: {
      clients: 3,
      keys: 2,
      thinkMs: [0, 20],
      mix: { put: 3, cas: 2, get: 1, readIndex: 2, lease: 2 },
      clientTimeoutMs: 3_000,
    },
  };
}

/** The profile of a seed: everything drawn from the seed's "profile" stream. */
export function swarmProfile(seed: string, nodes: number): Profile {
  const rng = createRng(seed).fork('profile');
  const base = quietProfile(nodes);
  const snapshots = rng.chance(1, 2);
  return {
    ...base,
    initialVoters: rng.chance(7, 10) ? nodes : Math.max(1, nodes - 1 - rng.int(nodes >= 5 ? 2 : 1)),
    raft: {
      electionTicks: 10,
      heartbeatTicks: rng.pick([1, 1, 2, 3]),
      leaseTicks: rng.pick([3, 4, 5]),
      preVote: rng.chance(7, 8),
      checkQuorum: rng.chance(7, 8),
      maxInflightMsgs: rng.pick([1, 4, 256]),
      maxBytesPerMsg: rng.pick([64, 512, 1024 * 1024]),
      maxCommittedBytesPerReady: rng.pick([256, 4 * 1024 * 1024]),
      snapshotThreshold: snapshots ? rng.pick([8, 16, 32, 64]) : 16_384,
      snapshotTrailing: rng.pick([0, 2, 5, 20]),
      snapshotSendTimeoutTicks: rng.pick([20, 100, 600]),
    },
    segmentSize: rng.pick([512, 2048, 8192, 65536]),
    preallocate: rng.chance(1, 2),
    net: netProfile(rng),
    disk: {
      syncLatencyUs: [rng.pick([20, 100]), rng.pick([200, 1_000, 3_000])],
      writeFailPpm: rng.pick([0, 0, 0, 300]),
      syncFailPpm: rng.pick([0, 0, 0, 500]),
      crashDuringSyncPpm: rng.pick([0, 500, 3_000]),
      reorderDirOps: rng.chance(1, 4),
    },
    fsmSyncOneIn: rng.pick([1, 4, 16]),
    snapshotPadBytes: snapshots && rng.chance(1, 8) ? 1_200_000 : rng.pick([0, 100]),
    drift: Array.from({ length: nodes }, () => (rng.chance(1, 2) ? 0 : rng.int(2 * MAX_SAFE_DRIFT_PPM + 1) - MAX_SAFE_DRIFT_PPM)),
    faults: faultProfile(rng, nodes, base.faults),
    workload: {
      ...base.workload,
      clients: rng.pick([2, 3, 5]),
      keys: rng.pick([1, 2, 4]),
      thinkMs: [0, rng.pick([5, 20, 50])],
      mix: { put: 1 + rng.int(4), cas: rng.int(4), get: rng.int(3), readIndex: rng.int(4), lease: rng.int(4) },
    },
  };
}

function netProfile(rng: Rng): NetProfile {
  const minDelayUs = rng.pick([50, 200, 1_000]);
  const typicalDelayUs = Math.max(minDelayUs, rng.pick([500, 2_000, 5_000]));
  return {
    lossPpm: rng.pick([0, 0, 5_000, 20_000, 100_000]),
    dupPpm: rng.pick([0, 5_000, 30_000]),
    minDelayUs,
    typicalDelayUs,
    // The lease needs a reply delay well under (electionTicks - 1 - leaseTicks) ticks.
    maxDelayUs: Math.max(typicalDelayUs, rng.pick([5_000, 10_000, 15_000])),
  };
}

function faultProfile(rng: Rng, nodes: number, base: FaultProfile): FaultProfile {
  const minority = Math.floor((nodes - 1) / 2);
  const modes = PARTITION_MODES.filter(() => rng.chance(2, 3));
  return {
    ...base,
    partitionEveryMs: rng.pick([0, 300, 1_000]),
    partitionMs: [rng.pick([20, 100]), rng.pick([300, 1_000, 2_000])],
    partitionModes: modes.length > 0 ? modes : ['halves'],
    crashEveryMs: rng.pick([0, 400, 1_500]),
    downMs: [rng.pick([1, 30]), rng.pick([100, 600, 2_000])],
    maxDown: rng.chance(4, 5) ? minority : nodes,
    crashModes: rng.chance(1, 3) ? ['keep'] : ['keep', 'lose', 'torn', 'sectors', 'bitflip'],
    crashLeaderOneIn: rng.pick([2, 4]),
    membershipEveryMs: rng.pick([0, 0, 600]),
    transferEveryMs: rng.pick([0, 0, 500]),
    driftEveryMs: rng.pick([0, 1_000]),
  };
}

/** One line describing a profile, printed with each seed. */
export function describeProfile(p: Profile): string {
  const f = p.faults;
  const parts = [
    `nodes=${p.nodes}/${p.initialVoters}v`,
    `hb=${p.raft.heartbeatTicks} lease=${p.raft.leaseTicks}${p.raft.preVote ? '' : ' noPreVote'}${p.raft.checkQuorum ? '' : ' noCheckQuorum'}`,
    `snap=${p.raft.snapshotThreshold}/${p.raft.snapshotTrailing}${p.snapshotPadBytes > 1000 ? '+pad' : ''}`,
    `seg=${p.segmentSize}${p.preallocate ? '+pre' : ''}`,
    `loss=${p.net.lossPpm / 10_000}% dup=${p.net.dupPpm / 10_000}% delay=${p.net.minDelayUs}..${p.net.typicalDelayUs}..${p.net.maxDelayUs}us`,
    `disk=${p.disk.syncLatencyUs[0]}..${p.disk.syncLatencyUs[1]}us fail=${p.disk.writeFailPpm}/${p.disk.syncFailPpm}ppm crashInSync=${p.disk.crashDuringSyncPpm}ppm${p.disk.reorderDirOps ? ' reorderDirs' : ''}`,
    `part=${f.partitionEveryMs}ms[${f.partitionModes.join(',')}] crash=${f.crashEveryMs}ms maxDown=${f.maxDown} modes=${f.crashModes.length}`,
    `member=${f.membershipEveryMs}ms transfer=${f.transferEveryMs}ms drift=${f.driftEveryMs}ms`,
    `clients=${p.workload.clients} keys=${p.workload.keys}`,
  ];
  return parts.join(' ');
}
