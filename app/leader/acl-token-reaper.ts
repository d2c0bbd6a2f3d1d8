// Leader loop: expired ACL tokens. Expired tokens already resolve as "ACL not found" on every
// server (expiry is checked at each use); this loop deletes them through Raft so they stop
// appearing anywhere. It sleeps until the earliest expiry — re-planned whenever a token is
// written — then proposes one bounded batch of deletions, by the leader's wall clock.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import { aclWatchFor, type AclStore } from '../../storage/acl-store.ts';
import { MAX_REAP_BATCH } from '../../storage/commands.ts';
import type { Watch, WatchHub } from '../../storage/watch-hub.ts';

/**
 * Longest single sleep: the timer is re-planned at least this often, so a wall clock that
 * jumps (NTP step, suspended VM) delays a reap by at most this much.
 */
const MAX_SLEEP_MS = 60_000;
/** After a failed reap (leadership flapping, a full queue), try again this much later. */
const RETRY_MS = 1_000;

export interface AclTokenReaperDeps {
  readonly clock: Clock;
  readonly store: AclStore;
  readonly hub: WatchHub;
  /** Proposes acl.token-reap for these tokens at `nowMs`; rejects if it could not be committed. */
  readonly reap: (accessorIds: readonly string[], nowMs: number) => Promise<void>;
  readonly onError: (err: unknown) => void;
}

export class AclTokenReaper {
  private running = false;
  private timer: CancelTimer | null = null;
  private watch: Watch | null = null;
  private reaping = false;

  constructor(private readonly d: AclTokenReaperDeps) {}

  /** On winning an election. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.plan();
  }

  /** On losing leadership or shutting down. */
  stop(): void {
    this.running = false;
    this.timer?.();
    this.timer = null;
    this.watch?.cancel();
    this.watch = null;
  }

  /** Sleeps until the earliest expiry (bounded), waking early when any token changes. */
  private plan(): void {
    if (!this.running) return;
    this.timer?.();
    this.watch?.cancel();
    const watch = this.d.hub.watch(aclWatchFor.tokens());
    this.watch = watch;
    void watch.fired.then(() => {
      if (this.watch === watch) this.plan();
    });
    const next = this.d.store.nextExpiry();
    if (next === null) {
      this.timer = null;
      return;
    }
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, next - this.d.clock.wallNow()));
    this.timer = this.d.clock.setTimer(delay, () => void this.tick());
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (!this.running || this.reaping) return;
    const now = this.d.clock.wallNow();
    const expired = this.d.store.expiredTokens(now, MAX_REAP_BATCH);
    if (expired.length === 0) {
      this.plan();
      return;
    }
    this.reaping = true;
    try {
      // Success changes acl_tokens, which fires the watch and re-plans (the next batch at once).
      await this.d.reap(expired, now);
    } catch (err) {
      this.d.onError(err);
      if (this.running) this.timer = this.d.clock.setTimer(RETRY_MS, () => void this.tick());
    } finally {
      this.reaping = false;
    }
  }
}
