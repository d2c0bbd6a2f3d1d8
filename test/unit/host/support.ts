// Shared helpers for the host unit tests: a recording logger and bounded event waits.
import type { LogFields, Logger } from '../../../consensus/host/logger.ts';

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: LogFields;
  readonly message: string;
}

export class RecordingLogger implements Logger {
  readonly records: LogRecord[] = [];
  private waiters: { match: (r: LogRecord) => boolean; resolve: () => void }[] = [];

  debug(fields: LogFields, message: string): void {
    this.push({ level: 'debug', fields, message });
  }
  info(fields: LogFields, message: string): void {
    this.push({ level: 'info', fields, message });
  }
  warn(fields: LogFields, message: string): void {
    this.push({ level: 'warn', fields, message });
  }
  error(fields: LogFields, message: string): void {
    this.push({ level: 'error', fields, message });
  }

  /** Resolves when a record matching `match` has been (or is later) logged. */
  waitFor(match: (r: LogRecord) => boolean): Promise<void> {
    if (this.records.some(match)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  private push(r: LogRecord): void {
    this.records.push(r);
    const ready = this.waiters.filter((w) => w.match(r));
    this.waiters = this.waiters.filter((w) => !w.match(r));
    for (const w of ready) w.resolve();
  }
}

/** A promise with its resolve function, for awaiting callbacks. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects if `promise` does not settle within `ms` (a test bound, not a sleep). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A Clock whose timers fire only when the test advances it. */
export class ManualClock {
  private t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Moves time forward, firing due timers in deadline order. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.live && x.at <= this.t).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((x) => x.live && x.at > this.t);
    for (const x of due) x.fn();
  }
}
