// Session renew on the leader: the session must exist in the state (else Consul's 404), and
// its TTL timer restarts at a full TTL × 2.
import type { StateReads } from '../storage/state-store.ts';
import type { SessionEntry } from '../storage/types.ts';
import type { SessionTtlLoop } from './leader/session-ttl.ts';

export class SessionRenewer {
  constructor(
    private readonly state: StateReads,
    private readonly ttl: SessionTtlLoop,
  ) {}

  renewAsLeader(id: string): SessionEntry | null {
    const session = this.state.sessionGet(id).session;
    if (session === null) return null;
    // A TTL session this leader has not armed yet (created just before an election) is armed now.
    if (!this.ttl.renew(id)) this.ttl.created(id, session.ttl);
    return session;
  }
}
