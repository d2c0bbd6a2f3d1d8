// Runs the agent's checks: a TTL timer, or an HTTP/TCP probe every interval (the first after
// a random stagger within the interval, as Consul spreads them), each result going through
// the status thresholds to the agent. One runner per check ID; re-registering replaces it.
import type { CancelTimer, Clock } from '../../../consensus/host/clock.ts';
import type { CheckRunSpec } from '../../../routes/agent/agent-api.ts';
import type { CheckStatus } from '../local-state.ts';
import { outputLimit } from './output.ts';
import { probeHttp, probeTcp, type ProbeResult } from './probes.ts';
import { StatusHandler } from './status-handler.ts';
import { TtlCheck } from './ttl-check.ts';

/** Consul's MinInterval: interval checks never run more often than this. */
export const MIN_INTERVAL_MS = 1_000;
/** Consul's default HTTP/TCP check timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export type CheckUpdate = (checkId: string, status: CheckStatus, output: string) => void;

interface Running {
  stop(): void;
  /** TTL checks only: a pass/warn/fail/update; returns the (possibly truncated) output kept. */
  readonly ttl?: TtlCheck;
}

/** An interval check: probe, report, wait the interval, probe again, until stopped. */
class IntervalCheck implements Running {
  private cancel: CancelTimer = () => {};
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly probe: () => Promise<ProbeResult>,
    private readonly handler: StatusHandler,
  ) {}

  start(staggerMs: number): void {
    this.schedule(staggerMs);
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancel = this.clock.setTimer(ms, () => void this.runOnce());
  }

  private async runOnce(): Promise<void> {
    if (this.stopped) return;
    const result = await this.probe();
    if (this.stopped) return;
    this.handler.update(result.status, result.output);
    this.schedule(this.intervalMs);
  }
}

export class CheckRunner {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly update: CheckUpdate,
  ) {}

  /** Starts (or restarts) the runner for a check. */
  start(checkId: string, run: CheckRunSpec): void {
    this.stop(checkId);
    const report = (status: CheckStatus, output: string): void => this.update(checkId, status, output);
    if (run.ttlMs > 0) {
      const ttl = new TtlCheck(this.clock, run.ttlMs, outputLimit(run.outputMaxSize), report);
      ttl.start();
      this.running.set(checkId, { stop: () => ttl.stop(), ttl });
      return;
    }
    const probe = this.probeFor(run);
    if (probe === null) return;
    const handler = new StatusHandler(run, report);
    const interval = Math.max(run.intervalMs, MIN_INTERVAL_MS);
    const check = new IntervalCheck(this.clock, interval, probe, handler);
    check.start(Math.floor(this.random() * interval));
    this.running.set(checkId, check);
  }

  stop(checkId: string): void {
    this.running.get(checkId)?.stop();
    this.running.delete(checkId);
  }

  stopAll(): void {
    for (const r of this.running.values()) r.stop();
    this.running.clear();
  }

  /** The TTL timer of a check, or undefined when it has none (not a TTL check). */
  ttl(checkId: string): TtlCheck | undefined {
    return this.running.get(checkId)?.ttl;
  }

  private probeFor(run: CheckRunSpec): (() => Promise<ProbeResult>) | null {
    const timeoutMs = run.timeoutMs > 0 ? run.timeoutMs : DEFAULT_TIMEOUT_MS;
    if (run.http !== '') {
      const spec = {
        url: run.http, method: run.method, header: run.header, body: run.body, disableRedirects: run.disableRedirects,
        tlsSkipVerify: run.tlsSkipVerify, tlsServerName: run.tlsServerName, timeoutMs, outputMax: outputLimit(run.outputMaxSize),
      };
      return () => probeHttp(spec);
    }
    if (run.tcp !== '') return () => probeTcp(run.tcp, timeoutMs);
    return null;
  }
}
