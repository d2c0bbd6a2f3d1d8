// A bare Scheduler over an EventQueue for tests of single components (a disk, a clock), run
// by hand: drain() runs every event, and the microtasks after each, until none is left.
import { EventQueue, type SimEvent } from './event-queue.ts';
import type { Scheduler } from './sim-clock.ts';

export class ManualScheduler implements Scheduler {
  readonly q = new EventQueue();
  private t = 0;

  now(): number {
    return this.t;
  }

  at(at: number, node: number, kind: string, detail: () => string, run: () => void): SimEvent {
    return this.q.push({ at: Math.max(at, this.t), node, kind, detail, run });
  }

  async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    // Bounded: the tests schedule finitely many events.
    for (let ev = this.q.pop(); ev !== undefined; ev = this.q.pop()) {
      if (ev.cancelled) continue;
      this.t = ev.at;
      ev.run();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Runs events until `promise` settles, and returns it. */
  async settle<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    // Bounded by the events the component schedules.
    while (!done) {
      await new Promise((r) => setImmediate(r));
      if (done) break;
      const ev = this.q.pop();
      if (ev === undefined) throw new Error('the promise can no longer settle: no events left');
      if (ev.cancelled) continue;
      this.t = ev.at;
      ev.run();
    }
    return promise;
  }
}
