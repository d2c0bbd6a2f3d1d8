// Leader loop: cluster gauges. While this server leads, every GAUGE_INTERVAL_MS it samples
// what only the leader knows — autopilot health and failure tolerance, voters and non-voters,
// each follower's replication lag and last contact — into the metrics; on losing leadership it
// clears them, so a follower never reports a leader's stale view (Consul emits these on the
// leader only).
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';

/** Between samples: finer than the 15 s or more most Prometheus setups scrape at. */
export const GAUGE_INTERVAL_MS = 2_000;

export interface ClusterGaugeDeps {
  readonly clock: Clock;
  /** Takes one sample into the gauges. */
  readonly sample: () => void;
  /** Removes every leader-only value. */
  readonly clear: () => void;
}

export class ClusterGauges {
  private cancel: CancelTimer | undefined;
  private running = false;

  constructor(private readonly deps: ClusterGaugeDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
    this.deps.clear();
  }

  private tick(): void {
    if (!this.running) return;
    this.deps.sample();
    this.cancel = this.deps.clock.setTimer(GAUGE_INTERVAL_MS, () => this.tick());
  }
}
