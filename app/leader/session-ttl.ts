// Leader loop: session TTLs. Only the leader runs timers. Each TTL session gets a timer of
// TTL × 2 (Consul's grace multiplier), reset on create and on every renew; when it fires the
// leader proposes session.destroy through Raft. A new leader re-arms every TTL session with a
// full TTL × 2, so a failover never expires a session early.
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import { parseGoDuration, NS_PER_MS } from '../../routes/lib/go-duration.ts';

/** Consul's grace multiplier: a session lives at least twice its TTL after its last renew. */
const TTL_GRACE_MULTIPLIER = 2;
/** Retry a failed destroy this much later (leadership flaps, a full queue). */
const DESTROY_RETRY_MS = 1_000;

export interface SessionTtlDeps {
  readonly clock: Clock;
  /** Every session with a non-empty TTL, read from the local state. */
  readonly ttlSessions: () => readonly { readonly id: string; readonly ttl: string }[];
  /** Proposes session.destroy; rejects if it could not be committed. */
  readonly destroy: (id: string) => Promise<void>;
  readonly onError: (id: string, err: unknown) => void;
}

/** TTL × grace in milliseconds, or undefined for "no TTL" (empty, "0", unparsable). */
export function ttlTimerMs(ttl: string): number | undefined {
  if (ttl === '') return undefined;
  const parsed = parseGoDuration(ttl);
  if (!parsed.ok || parsed.ns <= 0n) return undefined;
  return Number(parsed.ns / NS_PER_MS) * TTL_GRACE_MULTIPLIER;
}

export class SessionTtlLoop {
  private readonly timers = new Map<string, { cancel: CancelTimer; ms: number }>();
  private running = false;

  constructor(private readonly deps: SessionTtlDeps) {}

  get armed(): number {
    return this.timers.size;
  }

  /** On winning an election: arm a full TTL × 2 for every TTL session. */
  start(): void {
    this.running = true;
    for (const s of this.deps.ttlSessions()) this.arm(s.id, s.ttl);
  }

  /** On losing leadership or shutting down. */
  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** A session was created (applied) while leading. */
  created(id: string, ttl: string): void {
    if (this.running) this.arm(id, ttl);
  }

  /** Sessions destroyed by any path (explicit, invalidation, expiry). */
  destroyed(ids: readonly string[]): void {
    for (const id of ids) {
      this.timers.get(id)?.cancel();
      this.timers.delete(id);
    }
  }

  /** Resets the timer; false when this leader has no such TTL session armed. */
  renew(id: string): boolean {
    const timer = this.timers.get(id);
    if (timer === undefined) return false;
    timer.cancel();
    this.schedule(id, timer.ms);
    return true;
  }

  private arm(id: string, ttl: string): void {
    const ms = ttlTimerMs(ttl);
    if (ms === undefined) return;
    this.timers.get(id)?.cancel();
    this.schedule(id, ms);
  }

  private schedule(id: string, ms: number): void {
    const cancel = this.deps.clock.setTimer(ms, () => void this.expire(id, ms));
    this.timers.set(id, { cancel, ms });
  }

  private async expire(id: string, ms: number): Promise<void> {
    if (!this.running) return;
    try {
      await this.deps.destroy(id);
      this.timers.delete(id);
    } catch (err) {
      this.deps.onError(id, err);
      if (this.running && this.timers.has(id)) {
        const cancel = this.deps.clock.setTimer(DESTROY_RETRY_MS, () => void this.expire(id, ms));
        this.timers.set(id, { cancel, ms });
      }
    }
  }
}
