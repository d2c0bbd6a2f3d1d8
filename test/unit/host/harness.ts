// Builds real Raft hosts for tests: a real WAL and snapshot store in a temp directory, the
// TCP transport on 127.0.0.1, the system clock and the tiny KV FSM.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NodeVfs, openWal, type Vfs, type Wal } from 'raft-wal-ts';
import { SystemClock } from '../../../consensus/host/clock.ts';
import type { Logger } from '../../../consensus/host/logger.ts';
import { silentLogger } from '../../../consensus/host/logger.ts';
import { RaftHost, type LeaderInfo, type RaftHostOptions } from '../../../consensus/host/raft-host.ts';
import { SnapshotStore } from '../../../consensus/host/snapshot-store.ts';
import { TcpTransport } from '../../../consensus/host/tcp-transport.ts';
import { createRng, type Configuration, type NodeId } from '../../../consensus/raft/index.ts';
import { KvFsm } from './kv-fsm.ts';
import { within } from './support.ts';

export const clock = new SystemClock();

export interface TestNode {
  readonly id: string;
  readonly dir: string;
  readonly port: number;
  readonly transport: TcpTransport;
  readonly wal: Wal;
  readonly snapshots: SnapshotStore;
  readonly fsm: KvFsm;
  readonly host: RaftHost;
}

export interface NodeOptions {
  readonly id: string;
  readonly dir: string;
  /** 0 picks a free port; pass the old one to restart at the same address. */
  readonly port?: number;
  readonly fsm?: KvFsm;
  readonly bootstrap?: Configuration;
  readonly raft?: RaftHostOptions['raft'];
  readonly tickMs?: number;
  readonly operationTimeoutMs?: number;
  readonly vfs?: Vfs;
  readonly logger?: Logger;
}

/** Binds the transport first so the address is known before the configuration is built. */
export async function listen(id: string, port = 0): Promise<TcpTransport> {
  return TcpTransport.listen({ nodeId: id, bindHost: '127.0.0.1', port, clock, logger: silentLogger });
}

export async function startNode(o: NodeOptions, transport?: TcpTransport): Promise<TestNode> {
  const n = await createNode(o, transport);
  await n.host.start();
  return n;
}

/** Everything startNode builds, without starting the host. */
export async function createNode(o: NodeOptions, transport?: TcpTransport): Promise<TestNode> {
  const t = transport ?? (await listen(o.id, o.port ?? 0));
  const vfs = o.vfs ?? new NodeVfs();
  mkdirSync(join(o.dir, 'raft'), { recursive: true });
  const wal = await openWal(join(o.dir, 'raft', 'wal'), { vfs, preallocate: false });
  const logger = o.logger ?? silentLogger;
  const snapshots = await SnapshotStore.open(vfs, join(o.dir, 'raft', 'snapshots'), { logger });
  const fsm = o.fsm ?? new KvFsm();
  const host = new RaftHost({
    id: o.id,
    address: t.localAddress,
    clock,
    rng: createRng(o.id),
    transport: t,
    wal,
    snapshots,
    fsm,
    logger,
    tickMs: o.tickMs ?? 10,
    raft: { electionTicks: 10, heartbeatTicks: 2, leaseTicks: 6, ...o.raft },
    ...(o.bootstrap === undefined ? {} : { bootstrap: o.bootstrap }),
    operationTimeoutMs: o.operationTimeoutMs ?? 5_000,
  });
  const port = Number(t.localAddress.slice(t.localAddress.lastIndexOf(':') + 1));
  return { id: o.id, dir: o.dir, port, transport: t, wal, snapshots, fsm, host };
}

export async function stopNode(n: TestNode): Promise<void> {
  await n.host.stop();
  await n.transport.close();
  await n.wal.close();
}

export function voters(...servers: { id: string; address: string }[]): Configuration {
  return { servers: servers.map((s) => ({ id: s.id as NodeId, address: s.address, suffrage: 1 as const })) };
}

/** Resolves with the first leader-change event matching `match` (checks the current state first). */
export function waitForLeader(host: RaftHost, match: (i: LeaderInfo) => boolean = (i) => i.leaderId !== null, ms = 10_000): Promise<LeaderInfo> {
  const s = host.status();
  const now: LeaderInfo = { term: s.term, role: s.role, leaderId: s.leaderId, leaderAddress: s.leaderAddress, isLeader: s.role === 'leader' };
  if (match(now)) return Promise.resolve(now);
  return within(
    new Promise<LeaderInfo>((resolve) => {
      const off = host.onLeaderChange((i) => {
        if (!match(i)) return;
        off();
        resolve(i);
      });
    }),
    ms,
    `a leader change on ${host.id}`,
  );
}

/** Resolves once the host has applied `index`. */
export function waitForApplied(host: RaftHost, index: number, ms = 10_000): Promise<void> {
  if (host.status().appliedIndex >= index) return Promise.resolve();
  return within(
    new Promise<void>((resolve) => {
      const off = host.onApplied(() => {
        if (host.status().appliedIndex < index) return;
        off();
        resolve();
      });
    }),
    ms,
    `${host.id} to apply ${index}`,
  );
}
