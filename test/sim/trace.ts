// The run's trace: one compact line per event (plus notes the harness and clients attach to
// it), a running hash over every event for the determinism self-test, and a ring of the most
// recent lines to print when a check fails. With a sink (--verbose) every line is printed as
// it happens.
import type { SimEvent } from './event-queue.ts';
import { Hasher } from './hash.ts';

/** Lines kept for a failure report. */
export const TRACE_TAIL_LINES = 300;

export class Trace {
  private readonly hash = new Hasher();
  /** Recent events (formatted only when printed) and notes. */
  private readonly ring: (SimEvent | string)[] = [];
  private ringAt = 0;
  events = 0;

  constructor(private readonly sink: ((line: string) => void) | undefined) {}

  get verbose(): boolean {
    return this.sink !== undefined;
  }

  /** An event is about to run. Only its time, server and kind go into the hash (cheap). */
  event(ev: SimEvent): void {
    this.events++;
    this.hash.num(ev.at).num(ev.node + 1).str(ev.kind);
    this.push(ev);
    this.sink?.(formatEvent(ev));
  }

  /** A line about what happened during the current event; hashed too. */
  note(text: string): void {
    this.hash.str(text);
    const line = `${' '.repeat(13)}· ${text}`;
    this.push(line);
    this.sink?.(line);
  }

  /** The hash of everything traced so far. */
  digest(): string {
    return this.hash.hex();
  }

  /** The most recent lines, oldest first. */
  tail(): string[] {
    const n = this.ring.length;
    return Array.from({ length: n }, (_, k) => {
      const item = this.ring[(this.ringAt + k) % n]!;
      return typeof item === 'string' ? item : formatEvent(item);
    });
  }

  private push(item: SimEvent | string): void {
    if (this.ring.length < TRACE_TAIL_LINES) this.ring.push(item);
    else {
      this.ring[this.ringAt] = item;
      this.ringAt = (this.ringAt + 1) % TRACE_TAIL_LINES;
    }
  }
}

export function formatEvent(ev: SimEvent): string {
  const t = (ev.at / 1000).toFixed(3).padStart(10);
  return `${t} ${ev.node < 0 ? '  ' : `n${ev.node}`} ${ev.kind} ${ev.detail()}`;
}
