// Consul's StatusHandler: a check's result reaches the agent only once it has repeated enough
// times (success_before_passing, failures_before_warning, failures_before_critical). Counters
// start at their thresholds, so the first result is reported at once.
import type { CheckStatus } from '../local-state.ts';

export type Report = (status: CheckStatus, output: string) => void;

export interface Thresholds {
  readonly successBeforePassing: number;
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
}

export class StatusHandler {
  private successes: number;
  private failures: number;

  constructor(private readonly thresholds: Thresholds, private readonly report: Report) {
    this.successes = thresholds.successBeforePassing;
    this.failures = thresholds.failuresBeforeCritical;
  }

  update(status: CheckStatus, output: string): void {
    if (status === 'passing' || status === 'warning') {
      this.successes++;
      this.failures = 0;
      if (this.successes >= this.thresholds.successBeforePassing) this.report(status, output);
      return;
    }
    this.failures++;
    this.successes = 0;
    if (this.failures >= this.thresholds.failuresBeforeCritical) this.report(status, output);
    else if (this.failures >= this.thresholds.failuresBeforeWarning) this.report('warning', output);
  }
}
