import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../consensus/host/clock.ts';
import { SessionTtlLoop, ttlTimerMs } from '../../../app/leader/session-ttl.ts';

/** A manual clock: timers fire only when the test advances time. */
class ManualClock implements Clock {
  private t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void) {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  async advance(ms: number): Promise<void> {
    this.t += ms;
    const due = this.timers.filter((x) => x.live && x.at <= this.t);
    this.timers = this.timers.filter((x) => !due.includes(x));
    for (const x of due) x.fn();
    await Promise.resolve();
  }
}

const setup = (sessions: { id: string; ttl: string }[] = []) => {
  const clock = new ManualClock();
  const destroyed: string[] = [];
  let failNext = false;
  const loop = new SessionTtlLoop({
    clock,
    ttlSessions: () => sessions,
    destroy: async (id) => {
      if (failNext) {
        failNext = false;
        throw new Error('no leader');
      }
      destroyed.push(id);
    },
    onError: () => {},
  });
  return { clock, loop, destroyed, failOnce: () => (failNext = true) };
};

describe('session TTL timers on the leader', () => {
  it('parses TTLs as Go durations, doubling them for grace', () => {
    expect(ttlTimerMs('15.0s')).toBe(30_000);
    expect(ttlTimerMs('10s')).toBe(20_000);
    expect(ttlTimerMs('')).toBeUndefined();
    expect(ttlTimerMs('0')).toBeUndefined();
  });

  it('destroys a session TTL × 2 after creation, not before', async () => {
    const { clock, loop, destroyed } = setup();
    loop.start();
    loop.created('a', '10s');
    await clock.advance(19_999);
    expect(destroyed).toEqual([]);
    await clock.advance(1);
    expect(destroyed).toEqual(['a']);
  });

  it('renew resets the full TTL × 2; unknown sessions are not renewed', async () => {
    const { clock, loop, destroyed } = setup();
    loop.start();
    loop.created('a', '10s');
    await clock.advance(15_000);
    expect(loop.renew('a')).toBe(true);
    await clock.advance(15_000);
    expect(destroyed).toEqual([]);
    await clock.advance(5_000);
    expect(destroyed).toEqual(['a']);
    expect(loop.renew('nope')).toBe(false);
  });

  it('a new leader re-arms every TTL session with a full timer, and stop cancels all', async () => {
    const { clock, loop, destroyed } = setup([{ id: 'a', ttl: '10s' }, { id: 'b', ttl: '' }]);
    loop.start();
    expect(loop.armed).toBe(1);
    loop.stop();
    await clock.advance(60_000);
    expect(destroyed).toEqual([]);
  });

  it('sessions destroyed by other paths are disarmed; a failed destroy is retried', async () => {
    const { clock, loop, destroyed, failOnce } = setup();
    loop.start();
    loop.created('a', '10s');
    loop.created('b', '10s');
    loop.destroyed(['a']);
    failOnce();
    await clock.advance(20_000);
    expect(destroyed).toEqual([]);
    await clock.advance(1_000);
    expect(destroyed).toEqual(['b']);
  });
});
