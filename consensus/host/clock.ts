// Time as the driver and the transport see it. Nothing in consensus/host reads Date or calls
// setTimeout directly: the deterministic simulation substitutes a virtual clock whose timers
// fire from its event queue, and SystemClock is the production binding.

/** Cancels a timer; calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

export interface Clock {
  /** Monotonic milliseconds (arbitrary origin). Never goes backwards. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, for display and leader-chosen timestamps only. */
  wallNow(): number;
  /** Calls `fn` once, after at least `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`setTimer: bad delay ${ms}`);
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  }
}
