// The composition root: the only place that knows every concrete piece. It opens the disk
// (WAL, snapshots, SQLite state) and the cluster port, decides how this server joins its
// cluster, starts the Raft host and the HTTP API, wires the leader loops to leadership
// changes, and shuts everything down in order.
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWal, NodeVfs, type Vfs, type Wal } from 'raft-wal-ts';
import { SystemClock } from '../consensus/host/clock.ts';
import { RaftHost } from '../consensus/host/raft-host.ts';
import { SnapshotStore } from '../consensus/host/snapshot-store.ts';
import { TcpTransport } from '../consensus/host/tcp-transport.ts';
import { RpcChannel } from '../consensus/host/transport.ts';
import { createRng, type Configuration } from '../consensus/raft/index.ts';
import { createApp } from '../routes/app.ts';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../routes/services.ts';
import { NS_PER_MS, parseGoDuration } from '../routes/lib/go-duration.ts';
import { encodeCommand, type Command } from '../storage/commands.ts';
import { openState, type State } from '../storage/open-state.ts';
import { createAclSystem } from './acl/acl-system.ts';
import { observeApplied } from './applied-effects.ts';
import { AppliedWaiter } from './applied-waiter.ts';
import { planFormation, requestJoin, type FormationDeps } from './cluster-formation.ts';
import type { AgentConfig } from './config.ts';
import { DiskGuard, DiskGuardedGateway, statfsFreeBytes } from './disk-guard.ts';
import { wireAgent } from './agent/wiring.ts';
import { listenHttp, type HttpListener } from './http-server.ts';
import { createMetrics, wireOperations, yieldingFsm } from './operations.ts';
import { SessionTtlLoop } from './leader/session-ttl.ts';
import { LockDelays } from './lock-delay.ts';
import type { Logger } from './logger.ts';
import { loadOrCreateNodeId } from './node-id.ts';
import { encodeFrame } from './rpc.ts';
import { serveAppRpc, serveHelloOnly } from './rpc-server.ts';
import { isRegistered, selfRegistration, type SelfNode } from './self-registration.ts';
import { ServerServices } from './services.ts';
import { quarantineDamagedState, STATE_FILE } from './state-recovery.ts';
import { SessionRenewer } from './session-renewer.ts';
import { withAdminUi } from './ui-routes.ts';
import { once, singleFlight } from './single-flight.ts';
import { watchForStranding } from './stranded-rejoin.ts';
import { diskFaultsFromEnv, diskFull, faultyVfs, type DiskFaults } from './test-faults.ts';
import { VERSION } from './version.ts';

/** Milliseconds per Raft tick at raft_multiplier 1: elections after 1–2 s of silence. */
const BASE_TICK_MS = 100;
/** How long a graceful stop waits for leadership to move before stopping anyway. */
const TRANSFER_ON_STOP_MS = 5_000;
/** After PUT /v1/agent/leave, the shutdown waits this long so the answer reaches the client first. */
const LEAVE_ANSWER_GRACE_MS = 200;

export interface RunningServer {
  readonly nodeId: string;
  readonly httpPort: number;
  readonly clusterAddress: string;
  readonly dataDir: string;
  readonly host: RaftHost;
  /** Graceful stop: hand leadership over if leading, then close everything in order. */
  stop(): Promise<void>;
  /** Leave the cluster (the leader removes this server), then stop. */
  leave(): Promise<void>;
  /** Resolves when the server has stopped; rejects if Raft stopped on a fatal error. */
  readonly stopped: Promise<void>;
}

function durationMs(value: string | number, fallbackMs: number): number {
  if (typeof value === 'number') return value / Number(NS_PER_MS);
  const parsed = parseGoDuration(value);
  return parsed.ok ? Number(parsed.ns / NS_PER_MS) : fallbackMs;
}

function httpLimits(config: AgentConfig): HttpLimits {
  return {
    ...DEFAULT_HTTP_LIMITS,
    kvMaxValueSize: config.limits.kvMaxValueSize,
    txnMaxReqLen: config.limits.txnMaxReqLen,
    sessionTtlMinMs: durationMs(config.sessionTtlMin, DEFAULT_HTTP_LIMITS.sessionTtlMinMs),
  };
}

interface Disk {
  readonly dataDir: string;
  readonly temporary: boolean;
  readonly nodeId: string;
  readonly wal: Wal;
  readonly snapshots: SnapshotStore;
  readonly state: State;
  /** The leader's check of free space before client writes. */
  readonly guard: DiskGuard;
}

async function openDisk(config: AgentConfig, logger: Logger, wrapVfs: (vfs: Vfs) => Vfs, clock: SystemClock): Promise<Disk> {
  const temporary = config.dataDir === null;
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-dev-'));
  mkdirSync(join(dataDir, 'raft', 'wal'), { recursive: true });
  const nodeId = loadOrCreateNodeId(dataDir, config.nodeId);
  if (!nodeId.ok) throw new Error(nodeId.error);
  // Only tests set the fault variable (app/test-faults.ts); otherwise this is the plain file system.
  const faults: DiskFaults | undefined = diskFaultsFromEnv(process.env);
  if (faults !== undefined) logger.warn({ faults }, 'test disk faults enabled');
  const vfs = wrapVfs(faults === undefined ? new NodeVfs() : faultyVfs(new NodeVfs(), faults));
  const free = statfsFreeBytes(dataDir);
  const guard = new DiskGuard(faults === undefined ? free : async () => (diskFull(faults) ? 0 : free()), () => clock.now());
  await guard.refresh();
  const wal = await openWal(join(dataDir, 'raft', 'wal'), { vfs });
  const snapshots = await SnapshotStore.open(vfs, join(dataDir, 'raft', 'snapshots'), { logger: logger.child({ component: 'snapshots' }) });
  quarantineDamagedState(dataDir, logger, clock.wallNow());
  const state = openState(join(dataDir, STATE_FILE));
  return { dataDir, temporary, nodeId: nodeId.id, wal, snapshots, state, guard };
}

export interface ServerOptions {
  /** PUT /v1/agent/reload: re-reads and validates the configuration files (rejects with the error). */
  readonly reloadConfig?: () => Promise<void>;
}

export async function startServer(config: AgentConfig, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const metrics = createMetrics();
  const clock = new SystemClock();
  const disk = await openDisk(config, logger, metrics.server.wrapVfs, clock);
  const { state, wal, snapshots, nodeId } = disk;
  const clusterAddress = `${config.advertiseAddr}:${config.serverPort}`;
  const transport = await TcpTransport.listen({
    nodeId,
    bindHost: config.bindAddr,
    port: config.serverPort,
    advertise: clusterAddress,
    ...(config.encrypt === null ? {} : { clusterKey: config.encrypt }),
    clock,
    logger: logger.child({ component: 'transport' }),
  });

  // Until the host runs, other servers may only ask who we are (cluster formation).
  const self = { id: nodeId, address: clusterAddress, nodeName: config.nodeName };
  serveHelloOnly(transport, { ...self, datacenter: config.datacenter });
  let stopping = false;
  const formation: FormationDeps = {
    self,
    hasRaftState: wal.lastIndex() > 0 || (await snapshots.list()).length > 0,
    bootstrapExpect: config.bootstrapExpect,
    retryJoin: config.retryJoin,
    transport,
    clock,
    logger,
    stopped: () => stopping,
  };
  const plan = await planFormation(formation);
  const bootstrap: Configuration | undefined = plan?.kind === 'bootstrap' ? plan.configuration : undefined;

  const host = new RaftHost({
    id: nodeId,
    address: clusterAddress,
    clock,
    rng: createRng(randomInt(0, 2 ** 31)),
    transport,
    wal,
    snapshots,
    fsm: yieldingFsm(state.fsm),
    logger: logger.child({ component: 'raft' }),
    observer: metrics.server.observer,
    tickMs: BASE_TICK_MS * config.raftMultiplier,
    raft: { snapshotThreshold: config.raftSnapshotThreshold, snapshotTrailing: config.raftTrailingLogs },
    ...(bootstrap === undefined ? {} : { bootstrap }),
  });

  metrics.attach(host, state);
  const lockDelays = new LockDelays(() => clock.now());
  const applied = new AppliedWaiter(state.fsm.applied().index, (ms, fn) => clock.setTimer(ms, fn));
  const acl = createAclSystem({
    config: config.acl, state, dataDir: disk.dataDir, datacenter: config.datacenter, nodeName: config.nodeName, clock, logger,
  });
  const gateway = new DiskGuardedGateway({ host, transport, clock, lockDelays, applied, admission: acl.admission }, disk.guard);
  /** A leader loop's own write: proposed as the server, answered with the FSM's result. */
  const leaderApply = async (command: Command): Promise<unknown> => {
    const answer = await gateway.applyAsLeader(command, encodeCommand(command));
    if (!answer.ok) throw new Error('no longer the leader');
    return answer.outcome.result;
  };
  const ttl = new SessionTtlLoop({
    clock,
    ttlSessions: () => state.store.sessionList().sessions.filter((s) => s.ttl !== ''),
    destroy: async (id) => {
      const command = { type: 'session.destroy', id } as const;
      const answer = await gateway.applyAsLeader(command, encodeCommand(command));
      if (!answer.ok) throw new Error('no longer the leader');
    },
    onError: (id, err) => logger.warn({ err, session: id }, 'session TTL expiry could not be committed; retrying'),
  });
  const sessions = new SessionRenewer(state.store, ttl);
  const selfNode: SelfNode = { nodeId, nodeName: config.nodeName, address: config.advertiseAddr, datacenter: config.datacenter, serverPort: config.serverPort, version: VERSION };
  // Bound once stop/leave exist below; the agent's leave endpoint calls it.
  let leaveCluster: () => Promise<void> = async () => {};
  let stopServer: () => Promise<void> = async () => {};
  const agentWiring = wireAgent({
    config, nodeId, dataDir: disk.dataDir, version: VERSION, clock, random: Math.random, host, transport, gateway, state, selfNode,
    logger: logger.child({ component: 'agent' }),
    leave: async () => {
      await leaveCluster();
      clock.setTimer(LEAVE_ANSWER_GRACE_MS, () => void stopServer());
    },
    reload: options.reloadConfig ?? (async () => {}),
  });
  const operations = wireOperations({
    config, dataDir: disk.dataDir, host, transport, clock, state, gateway, metrics, version: VERSION,
    readMeta: () => services.readMeta(),
    logger: logger.child({ component: 'operator' }),
    afterRestore: () => {
      // Restored sessions get fresh TTL timers, as after an election.
      ttl.stop();
      if (host.isLeader()) ttl.start();
    },
  });
  const services = new ServerServices({
    info: { datacenter: config.datacenter, nodeName: config.nodeName, nodeId, version: VERSION },
    limits: httpLimits(config),
    state,
    host,
    clock,
    gateway,
    sessions,
    logger: logger.child({ component: 'http' }),
    agent: agentWiring.agent,
    operator: operations.operator,
    metrics: metrics.registry,
    ...(acl.services === undefined ? {} : { acl: acl.services }),
  });

  observeApplied(host, { applied, lockDelays, ttl, sessionTtl: (id) => state.store.sessionGet(id).session?.ttl });
  serveAppRpc(transport, {
    host,
    gateway,
    sessions,
    logger: logger.child({ component: 'rpc' }),
    self: { ...self, datacenter: config.datacenter },
    admit: (id, address) => admitServer(host, id, address),
  });

  const syncSelf = singleFlight(async () => {
    if (isRegistered(state.store, selfNode)) return;
    // This server's own write: with ACLs on, no client token is involved.
    const command = selfRegistration(selfNode);
    await gateway.applyAsServer(command, encodeCommand(command));
    logger.info({ node: config.nodeName }, "synced this server's node to the catalog");
  });
  let wasLeader = false;
  host.onLeaderChange((l) => {
    if (l.isLeader !== wasLeader) {
      wasLeader = l.isLeader;
      logger.info({ term: l.term }, l.isLeader ? 'became the leader' : 'no longer the leader');
      if (l.isLeader) {
        ttl.start();
        acl.leaderStart(leaderApply);
      } else {
        ttl.stop();
        acl.leaderStop();
      }
    }
    if (l.leaderId !== null) void syncSelf().catch((err) => logger.warn({ err }, 'catalog sync of this server failed; retrying on the next leader change'));
    agentWiring.onLeaderChange(l);
    operations.onLeaderChange(l);
  });

  let finished: () => void = () => {};
  let failed: (err: Error) => void = () => {};
  const stopped = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  // A failed durable write stops the server: it never retries and continues (the kernel may have
  // dropped the dirty pages), and it does not linger either — answering stale reads and holding a
  // cluster port that ignores its peers. The process exits; a restart recovers from the disk.
  let fatal: Error | undefined;
  let haltAfterFatal: () => Promise<void> = async () => failed(fatal as Error);
  host.onFatal((err) => {
    logger.fatal({ err }, 'Raft stopped on a fatal error; shutting the server down');
    fatal = err;
    void haltAfterFatal();
  });

  await host.start();
  agentWiring.start();
  if (plan?.kind === 'join') void requestJoin(formation, plan.leaderAddress).then((ok) => ok && logger.info('joined the cluster'));
  // A restarted server asks to be (re)admitted too: autopilot may have removed it while it was
  // down. The leader answers at once when it is still in the configuration.
  if (plan?.kind === 'restart' && config.retryJoin.length > 0) void rejoin(formation, logger);
  const stopStrandedWatch =
    config.retryJoin.length > 0
      ? watchForStranding({ host, clock, tickMs: BASE_TICK_MS * config.raftMultiplier, rejoin: () => rejoin(formation, logger, 'leaderless for long: asking to be re-admitted') })
      : () => {};

  let http: HttpListener;
  try {
    http = await listenHttp(withAdminUi(createApp(services)), config.clientAddr, config.httpPort, {
      maxConnsPerClient: config.limits.httpMaxConnsPerClient,
      maxHeaderBytes: config.limits.httpMaxHeaderBytes,
      readHeaderTimeoutMs: config.limits.httpReadHeaderTimeoutMs,
      maxBlockingQueries: config.limits.maxBlockingQueries,
    });
  } catch (err) {
    await agentWiring.stop();
    await host.stop();
    await transport.close();
    throw err;
  }
  logger.info({ http: `${config.clientAddr}:${http.port}`, cluster: clusterAddress, node: config.nodeName, id: nodeId, dataDir: disk.dataDir }, 'agent started');

  const stop = once(async () => {
    stopping = true;
    stopStrandedWatch();
    if (host.isLeader() && host.status().configuration.servers.length > 1) {
      await Promise.race([host.transferLeadership().catch(() => undefined), new Promise((r) => clock.setTimer(TRANSFER_ON_STOP_MS, () => r(undefined)))]);
    }
    ttl.stop();
    acl.close();
    operations.stop();
    await agentWiring.stop();
    await http.close();
    await host.stop();
    applied.close(new Error('server stopped'));
    transport.handle(RpcChannel.App, undefined);
    await transport.close();
    // After a disk failure the WAL may refuse to close cleanly; the process is going anyway.
    await wal.close().catch((err: unknown) => logger.warn({ err }, 'closing the WAL failed'));
    state.close();
    if (disk.temporary) rmSync(disk.dataDir, { recursive: true, force: true });
    logger.info('agent stopped');
    if (fatal === undefined) finished();
    else failed(fatal);
  });
  haltAfterFatal = stop;

  const leaveConfiguration = once(async () => {
    if (host.isLeader() && host.status().configuration.servers.length > 1) {
      await host.transferLeadership().catch((err) => logger.warn({ err }, 'leave: leadership transfer failed'));
    }
    await gateway
      .toLeader(
        async () => ({ ok: true as const, outcome: await host.removeServer(nodeId) }),
        encodeFrame({ kind: 'leave', id: nodeId }),
        (answer) => (answer.kind === 'ok' ? 0 : undefined),
      )
      .then(() => logger.info('left the cluster'))
      .catch((err) => logger.warn({ err }, 'leave: could not remove this server from the cluster'));
  });
  const leave = once(async () => {
    await leaveConfiguration();
    await stop();
  });
  leaveCluster = leaveConfiguration;
  stopServer = stop;

  return { nodeId, httpPort: http.port, clusterAddress, dataDir: disk.dataDir, host, stop, leave, stopped };
}

/**
 * The leader adds a server that asks to join. A server already in the configuration at the
 * same address is a no-op (a restart with -retry-join); one that comes back with a new id at
 * an old address (its data dir was wiped) replaces the stale entry. New servers join as
 * non-voters; autopilot promotes them once they have been healthy for ServerStabilizationTime.
 */
async function admitServer(host: RaftHost, id: string, address: string): Promise<void> {
  const servers = host.status().configuration.servers;
  if (servers.some((s) => s.id === id && s.address === address)) return;
  for (const stale of servers.filter((s) => s.address === address && s.id !== id)) await host.removeServer(stale.id);
  await host.addNonvoter(id, address);
}

/**
 * After a restart (or a long leaderless time), ask the leader (found through -retry-join) to
 * admit us. A removed server never hears from the leader again (it is no longer replicated to),
 * so it cannot wait to learn it; for a server still in the configuration the request is a no-op.
 */
async function rejoin(formation: FormationDeps, logger: Logger, why?: string): Promise<void> {
  const first = formation.retryJoin.find((a) => a !== formation.self.address);
  if (first === undefined) return;
  if (why !== undefined) logger.warn({}, why);
  if (await requestJoin(formation, first)) logger.debug({}, 'the leader confirmed this server is in the cluster');
}
