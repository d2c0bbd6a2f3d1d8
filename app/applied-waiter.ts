// Waits until the local state machine has applied a given index. A write forwarded to the
// leader resolves with the leader's index; the follower answers its client only after its own
// state has caught up, so a client reading from the same server sees its own write.

/** Waiters beyond this are refused: a bound on memory if applying stalls. */
const MAX_WAITERS = 65_536;

interface Waiter {
  readonly index: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly cancel: () => void;
}

export class AppliedWaiter {
  private applied: number;
  private waiters: Waiter[] = [];

  constructor(
    initial: number,
    private readonly setTimer: (ms: number, fn: () => void) => () => void,
  ) {
    this.applied = initial;
  }

  get index(): number {
    return this.applied;
  }

  /** Called after every applied batch with the last applied index. */
  advance(index: number): void {
    if (index <= this.applied) return;
    this.applied = index;
    if (this.waiters.length === 0 || this.waiters[0]!.index > index) return;
    const due = this.waiters.filter((w) => w.index <= index);
    this.waiters = this.waiters.filter((w) => w.index > index);
    for (const w of due) {
      w.cancel();
      w.resolve();
    }
  }

  /** Resolves once `index` is applied; rejects after `timeoutMs`. */
  wait(index: number, timeoutMs: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    if (this.waiters.length >= MAX_WAITERS) return Promise.reject(new Error('too many requests waiting for the local state to catch up'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        index,
        resolve,
        reject,
        cancel: this.setTimer(timeoutMs, () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`timed out waiting for the local state to apply index ${index}`));
        }),
      };
      // Keep the list sorted so advance() can stop at the first waiter that is not due.
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.index > index) at--;
      this.waiters.splice(at, 0, waiter);
    });
  }

  /** Rejects every waiter (shutdown). */
  close(err: Error): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) {
      w.cancel();
      w.reject(err);
    }
  }
}
