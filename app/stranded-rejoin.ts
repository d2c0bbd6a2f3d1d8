// A server the cluster removed while it was still running (autopilot's dead-server cleanup
// after a long pause or partition) is never replicated to again: the leader no longer tracks
// it, so it hears from no leader and its pre-votes are ignored for good. Consul's leader
// re-adds a live server it sees through serf; without gossip, the stranded server asks for
// itself: once it has been leaderless for long enough it sends the join request a restart
// sends. For a server still in the configuration (say, during a quorum loss) the request is a
// no-op as soon as a leader answers it.
import type { Clock } from '../consensus/host/clock.ts';
import type { RaftHost } from '../consensus/host/raft-host.ts';

/** How often the leaderless time is checked. */
const CHECK_INTERVAL_MS = 1_000;
/**
 * Leaderless ticks before asking to be re-admitted: many election timeouts (10–20 ticks each),
 * so an ordinary election or a short partition never triggers it.
 */
export const STRANDED_AFTER_TICKS = 100;

export interface StrandedRejoinDeps {
  readonly host: Pick<RaftHost, 'status'>;
  readonly clock: Clock;
  readonly tickMs: number;
  /** Sends the join request (retrying until a leader answers or the server stops). */
  readonly rejoin: () => Promise<void>;
}

/** Starts the watch; the returned function stops it. */
export function watchForStranding(deps: StrandedRejoinDeps): () => void {
  const strandedAfterMs = STRANDED_AFTER_TICKS * deps.tickMs;
  let leaderlessSince: number | undefined;
  let rejoining = false;
  let stopped = false;
  let cancel = (): void => {};
  const check = (): void => {
    if (stopped) return;
    const now = deps.clock.now();
    if (deps.host.status().leaderId !== null) leaderlessSince = undefined;
    else leaderlessSince ??= now;
    if (!rejoining && leaderlessSince !== undefined && now - leaderlessSince >= strandedAfterMs) {
      rejoining = true;
      void deps.rejoin().finally(() => {
        rejoining = false;
        leaderlessSince = undefined;
      });
    }
    cancel = deps.clock.setTimer(CHECK_INTERVAL_MS, check);
  };
  cancel = deps.clock.setTimer(CHECK_INTERVAL_MS, check);
  return () => {
    stopped = true;
    cancel();
  };
}
