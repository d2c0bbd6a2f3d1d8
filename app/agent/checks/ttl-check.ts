// A TTL check (Consul's CheckTTL): critical with "TTL expired" unless an update arrives within
// the TTL; every update resets the timer and its output is kept for the expiry message.
import type { CancelTimer, Clock } from '../../../consensus/host/clock.ts';
import type { CheckStatus } from '../local-state.ts';
import { truncateOutput } from './output.ts';
import type { Report } from './status-handler.ts';

export class TtlCheck {
  private lastOutput = '';
  private cancel: CancelTimer = () => {};
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly outputMax: number,
    private readonly report: Report,
  ) {}

  start(): void {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  /** pass/warn/fail/update: reports the status, remembers the output, restarts the TTL. */
  setStatus(status: CheckStatus, output: string): string {
    const kept = truncateOutput(output, this.outputMax);
    this.report(status, kept);
    this.lastOutput = kept;
    this.arm();
    return kept;
  }

  private arm(): void {
    this.cancel();
    if (this.stopped) return;
    this.cancel = this.clock.setTimer(this.ttlMs, () => {
      if (this.stopped) return;
      const output = this.lastOutput === '' ? 'TTL expired' : `TTL expired (last output before timeout follows): ${this.lastOutput}`;
      this.report('critical', output);
    });
  }
}
