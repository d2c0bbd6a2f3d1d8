// The simulator's agenda: a binary min-heap of events ordered by (time, seq). The sequence
// number is assigned when an event is scheduled, so two events due at the same virtual
// microsecond run in the order they were scheduled and the order never depends on heap
// internals. Cancelled events stay in the heap and are skipped when popped (lazy deletion).

/** Integer microseconds of virtual time since the start of the run. */
export type SimTime = number;

export interface SimEvent {
  readonly at: SimTime;
  readonly seq: number;
  /** Index of the server the event belongs to, or -1 for the harness itself. */
  readonly node: number;
  /** A short word for the trace ("tick", "deliver", "sync", "crash", ...). */
  readonly kind: string;
  /** Details for the trace, formatted only when a trace line is printed. */
  readonly detail: () => string;
  readonly run: () => void;
  cancelled: boolean;
}

export type EventInit = Omit<SimEvent, 'seq' | 'cancelled'>;

export class EventQueue {
  private readonly heap: SimEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(init: EventInit): SimEvent {
    if (!Number.isSafeInteger(init.at) || init.at < 0) throw new RangeError(`event time ${init.at} is not a non-negative integer`);
    const ev: SimEvent = { ...init, seq: this.nextSeq++, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(ev, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = ev;
    return ev;
  }

  /** The earliest event, or undefined when the agenda is empty. */
  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      // Bounded by the heap's depth.
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const child = r < h.length && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[child]!, last)) break;
        h[i] = h[child]!;
        i = child;
      }
      h[i] = last;
    }
    return top;
  }

  peekTime(): SimTime | undefined {
    return this.heap[0]?.at;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
