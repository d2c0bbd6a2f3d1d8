// Leader loop: server liveness in the catalog, without gossip. Consul's leader reconciles serf
// members into the catalog; here the members are the Raft configuration and liveness is the
// leader's replication contact with each follower (the host's per-peer lastContactMs):
//   - a server not heard from for FAILURE_THRESHOLD_MS gets serfHealth critical (sessions that
//     depend on it are invalidated by the FSM), and passing again once contact returns;
//   - a server in the configuration whose node is missing from the catalog is registered (its
//     name learned by asking it), with serfHealth and the `consul` service;
//   - a node carrying the `consul` service whose ID left the configuration is deregistered.
// Only changes are written. The leader's own node is kept by self-registration.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import type { HostStatus } from '../../consensus/host/raft-host.ts';
import type { Command } from '../../storage/commands.ts';
import type { StateReads } from '../../storage/state-store.ts';
import type { NodeEntry } from '../../storage/types.ts';
import type { Logger } from '../logger.ts';
import { selfRegistration, serfHealthCheck } from '../self-registration.ts';

/** Silence after which the leader declares a server failed (serf takes a few seconds too). */
export const FAILURE_THRESHOLD_MS = 5_000;
/** How often the leader compares contact with the catalog. */
export const RECONCILE_INTERVAL_MS = 500;
/**
 * A reconcile that starts this many intervals late means the leader's own event loop stalled:
 * contact ages then say nothing about the followers, so that round marks nobody failed.
 */
const STALL_FACTOR = 4;

export interface Hello {
  readonly nodeName: string;
  readonly datacenter: string;
}

export interface SerfHealthDeps {
  readonly selfId: string;
  readonly version: string;
  readonly status: () => HostStatus;
  readonly state: StateReads;
  readonly apply: (command: Command) => Promise<unknown>;
  /** Asks a server who it is (its node name); null when it does not answer. */
  readonly hello: (address: string) => Promise<Hello | null>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly failureThresholdMs?: number;
  readonly intervalMs?: number;
}

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

export class SerfHealthLoop {
  private cancel: CancelTimer = () => {};
  private running = false;
  private leaderSince = 0;
  private lastRun = 0;
  private busy = false;

  constructor(private readonly deps: SerfHealthDeps) {}

  /** On winning an election. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.leaderSince = this.deps.clock.now();
    this.lastRun = this.leaderSince;
    this.arm();
  }

  /** On losing leadership or shutting down. */
  stop(): void {
    this.running = false;
    this.cancel();
  }

  private arm(): void {
    if (!this.running) return;
    this.cancel = this.deps.clock.setTimer(this.deps.intervalMs ?? RECONCILE_INTERVAL_MS, () => void this.tick());
  }

  private async tick(): Promise<void> {
    if (!this.running || this.busy) return this.arm();
    this.busy = true;
    try {
      await this.reconcile();
    } catch (err) {
      this.deps.logger.warn({ err }, 'serf health reconciliation failed; retrying');
    } finally {
      this.busy = false;
      this.arm();
    }
  }

  /** One comparison of the configuration and contact with the catalog; writes only changes. */
  async reconcile(): Promise<void> {
    const { clock, state } = this.deps;
    const status = this.deps.status();
    if (status.role !== 'leader') return;
    const now = clock.now();
    const interval = this.deps.intervalMs ?? RECONCILE_INTERVAL_MS;
    const stalled = now - this.lastRun > STALL_FACTOR * interval;
    this.lastRun = now;
    const threshold = this.deps.failureThresholdMs ?? FAILURE_THRESHOLD_MS;
    const ids = new Set<string>(status.configuration.servers.map((s) => s.id));
    for (const server of status.configuration.servers) {
      if (server.id === this.deps.selfId) continue;
      const contact = status.progress?.find((p) => p.id === server.id)?.lastContactMs ?? null;
      // Not heard from in this term yet: alive while the new leader is still within its grace.
      const alive = contact !== null ? contact <= threshold : now - this.leaderSince <= threshold;
      if (!alive && stalled) continue;
      const node = state.nodeById(server.id);
      if (node === null) {
        if (alive && contact !== null) await this.registerServer(server.id, server.address);
        continue;
      }
      await this.ensureSerfHealth(node, alive ? 'passing' : 'critical');
    }
    for (const { node } of state.serviceInstances('consul').instances) {
      if (node.id !== '' && !ids.has(node.id)) {
        this.deps.logger.info({ node: node.node, id: node.id }, 'deregistering a server that left the cluster');
        await this.deps.apply({ type: 'catalog.deregister', node: node.node, serviceId: null, checkId: null });
      }
    }
  }

  private async ensureSerfHealth(node: NodeEntry, want: 'passing' | 'critical'): Promise<void> {
    const serf = this.deps.state.nodeChecks(node.node).checks.find((c) => c.checkId === 'serfHealth');
    if (serf?.status === want) return;
    this.deps.logger.info({ node: node.node, status: want }, want === 'critical' ? 'server unreachable: serfHealth critical' : 'server reachable again: serfHealth passing');
    await this.deps.apply({
      type: 'catalog.register',
      node: { id: node.id, node: node.node, address: node.address, datacenter: node.datacenter, taggedAddresses: node.taggedAddresses, meta: node.meta },
      skipNodeUpdate: true,
      service: null,
      checks: [serfHealthCheck(node.node, want)],
    });
  }

  /** A live server whose node the catalog lacks: learn its name and register it. */
  private async registerServer(id: string, address: string): Promise<void> {
    const hello = await this.deps.hello(address);
    if (hello === null) return;
    const { host, port } = splitAddress(address);
    const command: Command = selfRegistration({ nodeId: id, nodeName: hello.nodeName, address: host, datacenter: hello.datacenter, serverPort: port, version: this.deps.version });
    await this.deps.apply(command);
  }
}
