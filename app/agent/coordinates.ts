// This server's network coordinate (Consul's serf Vivaldi client, kept modest): every
// PING_INTERVAL_MS it times a round trip to a random other server over the cluster port and
// moves its coordinate toward agreement with that server's stored coordinate; every
// SYNC_INTERVAL_MS it stores its coordinate in the catalog through Raft when it has moved.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import { distanceSeconds, originCoordinate, vivaldiUpdate, type Coordinate } from '../../routes/coordinate/vivaldi.ts';
import type { Command } from '../../storage/commands.ts';
import type { Logger } from '../logger.ts';

/** Between round-trip samples (serf probes about once a second; one peer at a time here). */
export const PING_INTERVAL_MS = 2_000;
/** Between writes of this server's coordinate (Consul's sync_coordinate_interval_min is 15 s). */
export const SYNC_INTERVAL_MS = 15_000;
/** A coordinate that moved less than this (seconds of estimated RTT) is not rewritten. */
const MIN_MOVE_SECONDS = 0.0005;

export interface CoordinateLoopDeps {
  readonly nodeName: string;
  readonly clock: Clock;
  readonly random: () => number;
  /** The other servers' ids and cluster addresses. */
  readonly peers: () => readonly { readonly id: string; readonly address: string }[];
  /** Times one round trip to a server, in ms; rejects when it does not answer. */
  readonly ping: (address: string) => Promise<number>;
  /** The stored coordinate of a server (by its id), if any. */
  readonly peerCoordinate: (id: string) => Coordinate | undefined;
  readonly apply: (command: Command) => Promise<unknown>;
  readonly logger: Logger;
}

export class CoordinateLoop {
  private coord: Coordinate = originCoordinate();
  private stored: Coordinate | null = null;
  private lastSync = Number.NEGATIVE_INFINITY;
  private cancel: CancelTimer = () => {};
  private running = false;

  constructor(private readonly deps: CoordinateLoopDeps) {}

  current(): Coordinate {
    return this.coord;
  }

  start(): void {
    this.running = true;
    this.arm(0);
  }

  stop(): void {
    this.running = false;
    this.cancel();
  }

  private arm(ms: number): void {
    if (!this.running) return;
    this.cancel = this.deps.clock.setTimer(ms, () => void this.tick().finally(() => this.arm(PING_INTERVAL_MS)));
  }

  private async tick(): Promise<void> {
    const peers = this.deps.peers();
    if (peers.length > 0) {
      const peer = peers[Math.floor(this.deps.random() * peers.length)] as (typeof peers)[number];
      try {
        const rttMs = await this.deps.ping(peer.address);
        const other = this.deps.peerCoordinate(peer.id) ?? originCoordinate();
        this.coord = vivaldiUpdate(this.coord, other, rttMs / 1000, this.deps.random);
      } catch {
        // An unreachable peer gives no sample; the next tick tries another.
      }
    }
    await this.maybeSync();
  }

  private async maybeSync(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastSync < SYNC_INTERVAL_MS) return;
    if (this.stored !== null && distanceSeconds(this.stored, this.coord) < MIN_MOVE_SECONDS) return;
    const coord = this.coord;
    try {
      await this.deps.apply({ type: 'coordinate.batch-update', updates: [{ node: this.deps.nodeName, segment: '', coord }] });
      this.stored = coord;
      this.lastSync = now;
    } catch (err) {
      this.deps.logger.debug({ err }, 'coordinate update not committed; retrying later');
    }
  }
}
