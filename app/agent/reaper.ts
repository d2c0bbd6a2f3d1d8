// DeregisterCriticalServiceAfter (Consul's reapServices): a service whose check has been
// critical longer than the check's timeout is deregistered by the agent. Consul scans every
// 30 s and enforces a 1 minute minimum timeout; both are options here so tests can shrink them.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import type { LocalState } from './local-state.ts';

/** Consul's check_reap_interval. */
export const REAP_INTERVAL_MS = 30_000;
/** Consul's check_deregister_interval_min. */
export const MIN_DEREGISTER_AFTER_MS = 60_000;

export interface ReaperDeps {
  readonly clock: Clock;
  readonly local: LocalState;
  readonly removeService: (id: string) => Promise<void>;
  readonly onReaped: (serviceId: string, checkId: string) => void;
  readonly intervalMs?: number;
  readonly minTimeoutMs?: number;
}

export class CriticalServiceReaper {
  private cancel: CancelTimer = () => {};
  private stopped = true;

  constructor(private readonly deps: ReaperDeps) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  /** One scan: every service with a check critical for longer than its timeout goes. */
  async reap(): Promise<void> {
    const { local, clock } = this.deps;
    const reaped = new Set<string>();
    for (const c of local.checkList()) {
      const after = c.run?.deregisterCriticalServiceAfterMs ?? 0;
      if (after <= 0 || c.criticalSince === null || c.check.serviceId === '' || reaped.has(c.check.serviceId)) continue;
      const timeout = Math.max(after, this.deps.minTimeoutMs ?? MIN_DEREGISTER_AFTER_MS);
      if (clock.now() - c.criticalSince <= timeout) continue;
      reaped.add(c.check.serviceId);
      await this.deps.removeService(c.check.serviceId);
      this.deps.onReaped(c.check.serviceId, c.check.checkId);
    }
  }

  private arm(): void {
    if (this.stopped) return;
    this.cancel = this.deps.clock.setTimer(this.deps.intervalMs ?? REAP_INTERVAL_MS, () => {
      void this.reap().finally(() => this.arm());
    });
  }
}
