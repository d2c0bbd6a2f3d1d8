// Go's time.ParseDuration and Duration.String, table-tested against values Go itself gives.
import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../routes/lib/go-duration.ts';

const S = 1_000_000_000n;

describe('parseGoDuration', () => {
  it.each([
    ['0', 0n],
    ['+0', 0n],
    ['-0', 0n],
    ['5s', 5n * S],
    ['15.0s', 15n * S],
    ['9.87654s', 9_876_540_000n],
    ['0.001s', 1_000_000n],
    ['120000ms', 120n * S],
    ['1h30m', 5400n * S],
    ['1h30m0.5s', 5400n * S + S / 2n],
    ['2h45m30.5s', 9930n * S + S / 2n],
    ['.5s', S / 2n],
    ['1.s', S],
    ['-1.5h', -5400n * S],
    ['+5m', 300n * S],
    ['3us', 3000n],
    ['3\u00b5s', 3000n],
    ['3\u03bcs', 3000n],
    ['10ns', 10n],
    ['1.0000000001s', S],
    ['100.00100s', 100n * S + 1_000_000n],
    ['9223372036854775807ns', 9223372036854775807n],
    ['-9223372036854775808ns', -9223372036854775808n],
    ['0.3333333333333333333h', 1_200_000_000_000n],
  ])('parses %j', (input, ns) => {
    expect(parseGoDuration(input)).toEqual({ ok: true, ns });
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['60', 'time: missing unit in duration "60"'],
    ['1', 'time: missing unit in duration "1"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1.5', 'time: missing unit in duration "1.5"'],
    ['5 s', 'time: unknown unit " s" in duration "5 s"'],
    ['1h-5m', 'time: unknown unit "h-" in duration "1h-5m"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['1\u00e9s', 'time: unknown unit "\\xc3\\xa9s" in duration "1\\xc3\\xa9s"'],
  ])('refuses %j with Go\'s text', (input, error) => {
    expect(parseGoDuration(input)).toEqual({ ok: false, error });
  });
});

describe('formatGoDuration', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1500n, '1.5\u00b5s'],
    [1_000_000n, '1ms'],
    [1_500_000n, '1.5ms'],
    [10n * S, '10s'],
    [24n * 3600n * S, '24h0m0s'],
    [5400n * S + S / 2n, '1h30m0.5s'],
    [-90n * S, '-1m30s'],
  ])('formats %s ns as %j', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });

  it('round-trips through parse', () => {
    for (const ns of [1n, 999n, 1_234_567n, 61n * S, 3_723_000_000_001n]) {
      const parsed = parseGoDuration(formatGoDuration(ns));
      expect(parsed).toEqual({ ok: true, ns });
    }
  });
});
