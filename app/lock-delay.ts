// Consul's lock-delay: after a session holding a lock is invalidated, acquiring that key fails
// for min(LockDelay, 60 s). The state is in memory and not replicated: every server records it
// from the results of the commands it applies (with its own clock), and the leader enforces
// it before proposing, so a newly elected leader already knows the delays in force.
import type { Command, LockDelay, TxnApplyResult } from '../storage/commands.ts';

/** Entries beyond this are pruned of expired ones first; a bound on memory under churn. */
const PRUNE_THRESHOLD = 10_000;

export class LockDelays {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  record(delays: readonly LockDelay[]): void {
    const now = this.now();
    for (const { key, delayMs } of delays) {
      if (delayMs <= 0) continue;
      const expires = now + delayMs;
      if ((this.until.get(key) ?? 0) < expires) this.until.set(key, expires);
    }
    if (this.until.size > PRUNE_THRESHOLD) this.prune(now);
  }

  isDelayed(key: string): boolean {
    const expires = this.until.get(key);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.until.delete(key);
    return false;
  }

  /**
   * The leader's pre-check: the result a lock command gets without being proposed when a key
   * it would acquire is under lock-delay, or undefined to propose it.
   */
  refuse(command: Command): false | TxnApplyResult | undefined {
    if (command.type === 'kv.lock') return this.isDelayed(command.key) ? false : undefined;
    if (command.type !== 'txn') return undefined;
    const errors = command.ops.flatMap((op, opIndex) =>
      'KV' in op && op.KV.verb === 'lock' && this.isDelayed(op.KV.key)
        ? [{ opIndex, what: `failed to lock key "${op.KV.key}" due to lock delay` }]
        : [],
    );
    return errors.length === 0 ? undefined : { results: null, errors, invalidated: [], lockDelays: [] };
  }

  private prune(now: number): void {
    for (const [key, expires] of this.until) if (expires <= now) this.until.delete(key);
  }
}
