// Virtual time as each server sees it. All servers share the simulator's global microsecond
// clock; each has a HardwareClock (which survives restarts, like the machine's oscillator)
// mapping global time to its local monotonic time with a drift rate, and a wall-clock offset.
// The host sees only the Clock interface: its timers are events on the simulator's queue and
// fire when the server's own clock reaches their deadline, so a fast clock ticks early.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import type { SimEvent, SimTime } from './event-queue.ts';

/** What clocks, disks and networks need from the simulator. */
export interface Scheduler {
  now(): SimTime;
  /** Schedules `run` at global time `at` (clamped to now), attributed to server `node`. */
  at(at: SimTime, node: number, kind: string, detail: () => string, run: () => void): SimEvent;
}

/** Drift beyond this breaks the lease assumption (consensus/DESIGN.md "Leader lease"). */
export const MAX_SAFE_DRIFT_PPM = 20_000;
/** An arbitrary but fixed epoch so wallNow() looks like a real timestamp (2024-01-01). */
const WALL_EPOCH_MS = 1_704_067_200_000;

export class HardwareClock {
  private anchorGlobal = 0;
  private anchorLocal = 0;

  constructor(
    /** Parts per million faster (positive) or slower (negative) than global time. */
    private ratePpm: number,
    /** Offset of this machine's wall clock from the true time, in ms. */
    public wallOffsetMs: number,
  ) {
    if (ratePpm <= -1_000_000) throw new RangeError('a clock must move forwards');
  }

  get drift(): number {
    return this.ratePpm;
  }

  /** Local monotonic microseconds at global time `t`. */
  localAt(t: SimTime): number {
    return this.anchorLocal + ((t - this.anchorGlobal) * (1_000_000 + this.ratePpm)) / 1_000_000;
  }

  /** The first global microsecond at which the local clock reads at least `local`. */
  globalAt(local: number, now: SimTime): SimTime {
    const t = this.anchorGlobal + Math.ceil(((local - this.anchorLocal) * 1_000_000) / (1_000_000 + this.ratePpm));
    return Math.max(now, t);
  }

  /** Changes the rate from `now` on without making local time jump. */
  setDrift(ratePpm: number, now: SimTime): void {
    if (ratePpm <= -1_000_000) throw new RangeError('a clock must move forwards');
    this.anchorLocal = this.localAt(now);
    this.anchorGlobal = now;
    this.ratePpm = ratePpm;
  }
}

/** The Clock one incarnation of a server's process sees; dead once the process crashed. */
export class SimClock implements Clock {
  constructor(
    private readonly sched: Scheduler,
    private readonly hw: HardwareClock,
    private readonly node: number,
    private readonly alive: () => boolean,
  ) {}

  now(): number {
    return this.hw.localAt(this.sched.now()) / 1000;
  }

  wallNow(): number {
    return WALL_EPOCH_MS + this.hw.wallOffsetMs + Math.floor(this.now());
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`setTimer: bad delay ${ms}`);
    const now = this.sched.now();
    const due = this.hw.globalAt(this.hw.localAt(now) + ms * 1000, now);
    const ev = this.sched.at(due, this.node, 'timer', () => `${ms}ms`, () => {
      if (this.alive()) fn();
    });
    return () => {
      ev.cancelled = true;
    };
  }
}
