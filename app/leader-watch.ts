// "Wait until there is a leader" as an event, not a poll: resolves on the host's next leader
// change that names a leader, or at the deadline.
import type { Clock } from '../consensus/host/clock.ts';
import type { LeaderInfo, RaftHost } from '../consensus/host/raft-host.ts';

export function waitForLeader(host: RaftHost, clock: Clock, timeoutMs: number): Promise<boolean> {
  if (host.status().leaderId !== null) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (found: boolean): void => {
      if (done) return;
      done = true;
      unsubscribe();
      cancel();
      resolve(found);
    };
    const unsubscribe = host.onLeaderChange((info: LeaderInfo) => {
      if (info.leaderId !== null) finish(true);
    });
    const cancel = clock.setTimer(Math.max(0, timeoutMs), () => finish(false));
  });
}
