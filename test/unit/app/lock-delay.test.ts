import { describe, expect, it } from 'vitest';
import { LockDelays } from '../../../app/lock-delay.ts';

describe('lock-delay bookkeeping', () => {
  const setup = () => {
    let now = 1_000;
    const delays = new LockDelays(() => now);
    return { delays, advance: (ms: number) => (now += ms) };
  };

  it('refuses kv.lock on a delayed key until the delay passes', () => {
    const { delays, advance } = setup();
    delays.record([{ key: 'a', delayMs: 15_000 }]);
    const lock = { type: 'kv.lock', key: 'a', value: null, flags: '0', session: 's' } as const;
    expect(delays.refuse(lock)).toBe(false);
    expect(delays.refuse({ ...lock, key: 'b' })).toBeUndefined();
    advance(14_999);
    expect(delays.refuse(lock)).toBe(false);
    advance(1);
    expect(delays.refuse(lock)).toBeUndefined();
  });

  it('a zero delay records nothing, and a later shorter delay does not shorten a longer one', () => {
    const { delays, advance } = setup();
    delays.record([{ key: 'a', delayMs: 0 }]);
    expect(delays.isDelayed('a')).toBe(false);
    delays.record([{ key: 'a', delayMs: 10_000 }]);
    delays.record([{ key: 'a', delayMs: 1_000 }]);
    advance(5_000);
    expect(delays.isDelayed('a')).toBe(true);
  });

  it('reports every delayed lock op of a txn with its op index and Consul text', () => {
    const { delays } = setup();
    delays.record([{ key: 'x', delayMs: 5_000 }]);
    const op = (verb: 'lock' | 'set', key: string) => ({ KV: { verb, key, value: null, flags: '0', index: 0, session: 's' } });
    const result = delays.refuse({ type: 'txn', ops: [op('set', 'x'), op('lock', 'y'), op('lock', 'x')] });
    expect(result).toEqual({
      results: null,
      errors: [{ opIndex: 2, what: 'failed to lock key "x" due to lock delay' }],
      invalidated: [],
      lockDelays: [],
    });
    expect(delays.refuse({ type: 'txn', ops: [op('lock', 'y')] })).toBeUndefined();
  });

  it('ignores commands that acquire nothing', () => {
    const { delays } = setup();
    delays.record([{ key: 'a', delayMs: 5_000 }]);
    expect(delays.refuse({ type: 'kv.set', key: 'a', value: null, flags: '0' })).toBeUndefined();
  });
});
