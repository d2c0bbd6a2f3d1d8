// The server's metrics: Raft (term, indexes, leadership changes, log append and fsync
// latency, per-follower replication lag), FSM apply and snapshot timings, state sizes, and
// process memory, bound to the registry in metrics.ts. Raft's IO is measured through the
// host's observer seam and a Vfs wrapper, never by prom-client inside consensus/.
import type { Vfs, VfsFile } from 'raft-wal-ts';
import type { HostObserver, HostStatus, LeaderInfo } from '../consensus/host/raft-host.ts';
import type { AutopilotHealthView } from '../routes/operator/operator-services.ts';
import type { StateSizes } from '../storage/state-stats.ts';
import { MS_BUCKETS, SECONDS_BUCKETS, type MetricsRegistry } from './metrics.ts';

export interface ServerMetricsDeps {
  readonly status: () => HostStatus;
  readonly sizes: () => StateSizes;
}

export interface ServerMetrics {
  readonly observer: HostObserver;
  /** Wraps the WAL's Vfs so every fsync is timed. */
  wrapVfs(vfs: Vfs): Vfs;
  /** Feed of role and leader changes (counts transitions). */
  leaderChanged(info: LeaderInfo): void;
  /** Leader-only cluster gauges (app/leader/gauges.ts samples and clears them). */
  sampleCluster(status: HostStatus, health: AutopilotHealthView | undefined): void;
  clearCluster(): void;
}

export function bindServerMetrics(m: MetricsRegistry, deps: ServerMetricsDeps): ServerMetrics {
  raftGauges(m, deps.status);
  stateGauges(m, deps.sizes);
  processGauges(m);
  const append = m.timer('cairn.raft.log.append_seconds', "Writing one Ready's entries to the WAL, group commit and fdatasync included (seconds).", SECONDS_BUCKETS);
  const appended = m.counter('cairn.raft.log.appended_entries', 'Log entries made durable.');
  const fsync = m.timer('cairn.wal.fsync_seconds', 'One fdatasync of a WAL or snapshot file (seconds).', SECONDS_BUCKETS);
  const apply = m.timer('consul.raft.fsm.apply', 'Applying one batch of committed entries to the state machine (ms).', MS_BUCKETS);
  const applied = m.counter('cairn.raft.fsm.applied_entries', 'Committed entries applied to the state machine.');
  const snapshotTaken = m.timer('consul.raft.snapshot.persist', 'Writing a snapshot of the state machine to the snapshot store (ms).', MS_BUCKETS);
  const snapshotInstalled = m.timer('consul.raft.fsm.restore', 'Restoring the state machine from a snapshot (ms).', MS_BUCKETS);
  const transitions = m.counter('consul.raft.state', 'Role transitions of this server, by the role entered.', ['role']);
  const leaderChanges = m.counter('cairn.raft.leader_changes', 'Changes of the leader this server knows (including to none).');
  const cluster = clusterGauges(m);
  let last: LeaderInfo | undefined;
  return {
    observer: {
      persisted: (entries, _bytes, ms) => {
        append.observe({}, ms / 1000);
        appended.inc(entries);
      },
      applied: (entries, ms) => {
        apply.observe({}, ms);
        applied.inc(entries);
      },
      snapshot: (kind, ms) => (kind === 'taken' ? snapshotTaken : snapshotInstalled).observe({}, ms),
    },
    wrapVfs: (vfs) => timedVfs(vfs, (seconds) => fsync.observe({}, seconds)),
    leaderChanged: (info) => {
      if (last === undefined || last.role !== info.role) transitions.inc({ role: info.role });
      if (last === undefined || last.leaderId !== info.leaderId) leaderChanges.inc();
      last = info;
    },
    sampleCluster: (status, health) => cluster.sample(status, health),
    clearCluster: () => cluster.clear(),
  };
}

function raftGauges(m: MetricsRegistry, status: () => HostStatus): void {
  const values: [string, string, (s: HostStatus) => number][] = [
    ['cairn.raft.term', 'The current Raft term.', (s) => s.term],
    ['cairn.raft.commit_index', 'The highest log index known committed.', (s) => s.commitIndex],
    ['consul.raft.applied_index', 'The highest log index applied to the state machine.', (s) => s.appliedIndex],
    ['consul.raft.last_index', 'The last index in the log.', (s) => s.lastIndex],
    ['cairn.raft.snapshot_index', 'The index of the newest snapshot.', (s) => s.snapshotIndex],
    ['consul.server.isLeader', '1 on the leader, 0 elsewhere.', (s) => (s.role === 'leader' ? 1 : 0)],
    ['cairn.raft.last_contact_ms', 'Milliseconds since this server heard from the leader (-1 without one).', (s) => s.lastContactMs ?? -1],
  ];
  for (const [name, help, read] of values) m.valueGauge(name, help, () => read(status()));
}

function stateGauges(m: MetricsRegistry, sizes: () => StateSizes): void {
  let cached: { at: number; sizes: StateSizes } | undefined;
  // One scrape reads every gauge: count the tables once per scrape, not once per gauge.
  const current = (): StateSizes => {
    const now = performance.now();
    if (cached === undefined || now - cached.at > 1_000) cached = { at: now, sizes: sizes() };
    return cached.sizes;
  };
  const values: [string, string, keyof StateSizes][] = [
    ['consul.state.kv_entries', 'KV entries.', 'kvEntries'],
    ['cairn.state.tombstones', 'KV tombstones awaiting reaping.', 'tombstones'],
    ['cairn.state.sessions', 'Sessions.', 'sessions'],
    ['consul.state.nodes', 'Catalog nodes.', 'nodes'],
    ['consul.state.services', 'Distinct service names.', 'services'],
    ['consul.state.service_instances', 'Service instances.', 'serviceInstances'],
    ['cairn.state.checks', 'Health checks.', 'checks'],
  ];
  for (const [name, help, key] of values) m.valueGauge(name, help, () => current()[key]);
}

function processGauges(m: MetricsRegistry): void {
  m.valueGauge('consul.runtime.alloc_bytes', 'JavaScript heap in use (bytes).', () => process.memoryUsage().heapUsed);
  m.valueGauge('consul.runtime.sys_bytes', 'Resident set size of the process (bytes).', () => process.memoryUsage().rss);
}

function clusterGauges(m: MetricsRegistry) {
  const healthy = m.gauge('consul.autopilot.healthy', 'On the leader: 1 when every server is healthy.');
  const tolerance = m.gauge('consul.autopilot.failure_tolerance', 'On the leader: voters that may fail without losing quorum.');
  const voters = m.gauge('cairn.raft.voters', 'On the leader: voters in the configuration.');
  const nonvoters = m.gauge('cairn.raft.nonvoters', 'On the leader: non-voters in the configuration.');
  const lag = m.gauge('cairn.raft.replication.lag_entries', "On the leader: entries each follower's log trails the leader's by.", ['peer_id']);
  const contact = m.gauge('consul.raft.leader.lastContact', 'On the leader: ms since each follower last answered (-1 before its first answer).', ['peer_id']);
  const perPeer = [lag, contact];
  const unlabeled = [healthy, tolerance, voters, nonvoters];
  m.setVisible(unlabeled, false);
  return {
    sample(status: HostStatus, health: AutopilotHealthView | undefined): void {
      m.setVisible([voters, nonvoters], true);
      const servers = status.configuration.servers;
      voters.set(servers.filter((s) => s.suffrage === 1).length);
      nonvoters.set(servers.filter((s) => s.suffrage !== 1).length);
      for (const g of perPeer) g.reset();
      for (const p of status.progress ?? []) {
        if (p.id === status.id) continue;
        lag.set({ peer_id: p.id }, Math.max(0, status.lastIndex - p.match));
        contact.set({ peer_id: p.id }, p.lastContactMs ?? -1);
      }
      if (health !== undefined) {
        m.setVisible([healthy, tolerance], true);
        healthy.set(health.healthy ? 1 : 0);
        tolerance.set(health.failureTolerance);
      }
    },
    clear(): void {
      for (const g of perPeer) g.reset();
      m.setVisible(unlabeled, false);
    },
  };
}

/** A Vfs whose files report how long each sync took. */
export function timedVfs(vfs: Vfs, observe: (seconds: number) => void): Vfs {
  const wrap = (file: VfsFile): VfsFile => ({
    size: () => file.size(),
    readSync: (buf, position) => file.readSync(buf, position),
    write: (buf, position) => file.write(buf, position),
    truncate: (size) => file.truncate(size),
    close: () => file.close(),
    sync: async () => {
      const started = performance.now();
      await file.sync();
      observe((performance.now() - started) / 1000);
    },
  });
  return {
    mkdirp: (dir) => vfs.mkdirp(dir),
    list: (dir) => vfs.list(dir),
    create: async (dir, name) => wrap(await vfs.create(dir, name)),
    open: async (dir, name) => wrap(await vfs.open(dir, name)),
    remove: (dir, name) => vfs.remove(dir, name),
    rename: (dir, from, to) => vfs.rename(dir, from, to),
    syncDir: (dir) => vfs.syncDir(dir),
  };
}
