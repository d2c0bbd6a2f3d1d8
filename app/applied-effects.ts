// What every applied batch means for in-memory server state outside SQLite: the applied index
// that forwarded writes wait for, lock-delays (recorded on every server, so a new leader has
// them), and the leader's session TTL timers. Runs inside the host's loop: keep it cheap.
import type { RaftHost } from '../consensus/host/raft-host.ts';
import type { AppliedWaiter } from './applied-waiter.ts';
import type { SessionTtlLoop } from './leader/session-ttl.ts';
import type { LockDelays } from './lock-delay.ts';

export interface AppliedEffectsDeps {
  readonly applied: AppliedWaiter;
  readonly lockDelays: LockDelays;
  readonly ttl: SessionTtlLoop;
  readonly sessionTtl: (id: string) => string | undefined;
}

interface Effects {
  readonly invalidated?: readonly string[];
  readonly lockDelays?: readonly { readonly key: string; readonly delayMs: number }[];
  readonly id?: string;
}

export function observeApplied(host: RaftHost, deps: AppliedEffectsDeps): void {
  host.onApplied(({ entries, results }) => {
    const last = entries[entries.length - 1];
    for (let i = 0; i < results.length; i++) {
      const result = results[i] as Effects | undefined;
      if (result === undefined || typeof result !== 'object' || result === null) continue;
      if (result.lockDelays !== undefined && result.lockDelays.length > 0) deps.lockDelays.record(result.lockDelays);
      if (result.invalidated !== undefined && result.invalidated.length > 0) deps.ttl.destroyed(result.invalidated);
      if (typeof result.id === 'string') {
        // session.create: arm its TTL timer if this server leads (the loop ignores it otherwise).
        const ttl = deps.sessionTtl(result.id);
        if (ttl !== undefined) deps.ttl.created(result.id, ttl);
      }
    }
    if (last !== undefined) deps.applied.advance(last.index);
  });
}
