// User events (consul-api.md §11.2): a ring of the newest MAX_EVENTS, replicated so every
// server lists the same events. LTime is one more than the largest ever stored, so it is
// deterministic and only moves forward; trimming keeps the newest, never the counter's base.
import { MAX_EVENTS, type EventFire } from '../commands.ts';
import type { StateTx } from './state-tx.ts';

export function eventFire(tx: StateTx, cmd: EventFire): { ltime: number } {
  const ltime = tx.eventMaxLtime() + 1;
  const e = cmd.event;
  tx.eventInsert({
    ltime,
    id: e.id,
    name: e.name,
    payload: e.payload,
    nodeFilter: e.nodeFilter,
    serviceFilter: e.serviceFilter,
    tagFilter: e.tagFilter,
    version: e.version,
    raftIndex: tx.index,
  });
  tx.eventTrim(ltime - MAX_EVENTS);
  return { ltime };
}
