// Go's strconv as go-bexpr uses it to coerce literals (base 0 integers, ParseBool, ParseFloat)
// and to unquote string literals.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { goUnquote, parseGoBool, parseGoFloat, parseGoInt, parseGoUint } from '../../../routes/filter/strconv.ts';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

const syntax = (fn: string, s: string) => ({ ok: false, error: `strconv.${fn}: parsing ${JSON.stringify(s)}: invalid syntax` });
const range = (fn: string, s: string) => ({ ok: false, error: `strconv.${fn}: parsing ${JSON.stringify(s)}: value out of range` });

describe('ParseInt(s, 0, bits)', () => {
  it.each([
    ['0', 0n], ['-0', 0n], ['+5', 5n], ['0x1F', 31n], ['0X1f', 31n], ['0o17', 15n], ['0O17', 15n], ['017', 15n],
    ['0b101', 5n], ['0B101', 5n], ['1_000', 1000n], ['0x_1F', 31n], ['0_1', 1n], ['-0x10', -16n],
    ['9223372036854775807', INT64_MAX], ['-9223372036854775808', INT64_MIN],
  ] as const)('%s → %s', (s, value) => {
    expect(parseGoInt(s, 64)).toEqual({ ok: true, value });
  });

  it.each(['', '-', '+-1', '08', '0b2', '1_', '_1', '1__0', '0x', ' 1', '1 ', '1e3', '1.0', '٣'])('rejects %j', (s) => {
    expect(parseGoInt(s, 64)).toEqual(syntax('ParseInt', s));
  });

  it.each(['9223372036854775808', '-9223372036854775809', '99999999999999999999x'])('%s is out of range', (s) => {
    expect(parseGoInt(s, 64)).toEqual(range('ParseInt', s));
  });

  it('honours the bit size', () => {
    expect(parseGoInt('127', 8)).toEqual({ ok: true, value: 127n });
    expect(parseGoInt('-128', 8)).toEqual({ ok: true, value: -128n });
    expect(parseGoInt('128', 8)).toEqual(range('ParseInt', '128'));
    expect(parseGoInt('-129', 8)).toEqual(range('ParseInt', '-129'));
  });

  test.prop([fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.constantFrom(2, 8, 10, 16)])(
    'reads back any int64 written with a Go base prefix',
    (n, base) => {
      const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base];
      const text = `${n < 0n ? '-' : ''}${prefix}${(n < 0n ? -n : n).toString(base)}`;
      expect(parseGoInt(text, 64)).toEqual({ ok: true, value: n });
    },
  );
});

describe('ParseUint(s, 0, bits)', () => {
  it('accepts the full range and no sign', () => {
    expect(parseGoUint('65535', 16)).toEqual({ ok: true, value: 65535n });
    expect(parseGoUint('0xff', 8)).toEqual({ ok: true, value: 255n });
    expect(parseGoUint('18446744073709551615', 64)).toEqual({ ok: true, value: (1n << 64n) - 1n });
    expect(parseGoUint('65536', 16)).toEqual(range('ParseUint', '65536'));
    expect(parseGoUint('0x100', 8)).toEqual(range('ParseUint', '0x100'));
    expect(parseGoUint('-1', 16)).toEqual(syntax('ParseUint', '-1'));
    expect(parseGoUint('+1', 16)).toEqual(syntax('ParseUint', '+1'));
  });
});

describe('ParseBool', () => {
  it.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('%s is true', (s) => expect(parseGoBool(s)).toEqual({ ok: true, value: true }));
  it.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('%s is false', (s) => expect(parseGoBool(s)).toEqual({ ok: true, value: false }));
  it.each(['yes', 'tRUE', '', ' true', '2'])('rejects %j', (s) => expect(parseGoBool(s)).toEqual(syntax('ParseBool', s)));
});

describe('ParseFloat', () => {
  it.each([
    ['1.5', 1.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['1E-3', 0.001], ['+1.5', 1.5], ['1_000.5', 1000.5],
    ['0x1p-2', 0.25], ['0x1.8p1', 3], ['inf', Infinity], ['+Inf', Infinity], ['-infinity', -Infinity], ['1e-400', 0],
  ] as const)('%s → %s', (s, value) => {
    expect(parseGoFloat(s, 64)).toEqual({ ok: true, value });
  });

  it('reads NaN and negative zero', () => {
    const nan = parseGoFloat('NaN', 64);
    expect(nan.ok && Number.isNaN(nan.value)).toBe(true);
    const zero = parseGoFloat('-0', 64);
    expect(zero.ok && Object.is(zero.value, -0)).toBe(true);
  });

  it.each(['', '.', 'e5', '1e', '1e+', '0x1', '0x1.8', '1..2', '1_', '_1', 'infinit', 'in', '+nan', '1,5', '1e_5'])('rejects %j', (s) => {
    expect(parseGoFloat(s, 64)).toEqual(syntax('ParseFloat', s));
  });

  it('reports overflow for the bit size', () => {
    expect(parseGoFloat('1e309', 64)).toEqual(range('ParseFloat', '1e309'));
    expect(parseGoFloat('-1e309', 64)).toEqual(range('ParseFloat', '-1e309'));
    expect(parseGoFloat('3.5e38', 32)).toEqual(range('ParseFloat', '3.5e38'));
    expect(parseGoFloat('3.4028234e38', 32)).toEqual({ ok: true, value: Math.fround(3.4028234e38) });
  });
});

describe('Unquote', () => {
  it.each([
    ['"abc"', 'abc'],
    ['""', ''],
    [String.raw`"a\"b"`, 'a"b'],
    [String.raw`"\x41\101\u0042\U00000043"`, 'AABC'],
    [String.raw`"\xe2\x82\xac"`, '€'],
    [String.raw`"\a\b\f\n\r\t\v\\"`, '\x07\b\f\n\r\t\v\\'],
    ['`a\\n"b"`', 'a\\n"b"'],
    ['`a\r\nb`', 'a\nb'],
    ['"😀é"', '😀é'],
  ] as const)('%s → %j', (literal, value) => {
    expect(goUnquote(literal)).toBe(value);
  });

  it.each([String.raw`"\q"`, String.raw`"\'"`, '"a\nb"', String.raw`"\x4"`, String.raw`"\400"`, String.raw`"\uD800"`, String.raw`"\U00110000"`, '"a', 'a"', '`a`b`', String.raw`"a\"`])(
    'rejects %s',
    (literal) => {
      expect(goUnquote(literal)).toBeUndefined();
    },
  );
});
