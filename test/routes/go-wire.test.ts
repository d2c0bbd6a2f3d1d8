// The small Go behaviours Consul's wire format exposes: strconv, net/url, encoding/json and
// its case-insensitive field matching.
import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { normaliseKeys } from '../../routes/lib/case-insensitive.ts';
import { encodeGoJson, parseGoJson } from '../../routes/lib/go-json.ts';
import { goQuote, parseUint64 } from '../../routes/lib/go-strconv.ts';
import { cleanRequestPath, decodeRequestPath, encodeValues, escapePath, isParseableQuery } from '../../routes/lib/go-url.ts';

describe('strconv', () => {
  it('ParseUint accepts exactly the decimal uint64 range', () => {
    expect(parseUint64('0')).toEqual({ ok: true, value: 0n });
    expect(parseUint64('18446744073709551615')).toEqual({ ok: true, value: 18446744073709551615n });
    expect(parseUint64('007')).toEqual({ ok: true, value: 7n });
  });

  it.each([
    ['', 'strconv.ParseUint: parsing "": invalid syntax'],
    ['-1', 'strconv.ParseUint: parsing "-1": invalid syntax'],
    ['+1', 'strconv.ParseUint: parsing "+1": invalid syntax'],
    ['1_000', 'strconv.ParseUint: parsing "1_000": invalid syntax'],
    ['abc', 'strconv.ParseUint: parsing "abc": invalid syntax'],
    ['18446744073709551616', 'strconv.ParseUint: parsing "18446744073709551616": value out of range'],
  ])('ParseUint(%j) fails with Go\'s text', (input, error) => {
    expect(parseUint64(input)).toEqual({ ok: false, error });
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\there\n')).toBe('"tab\\there\\n"');
    expect(goQuote('\u0001\u007f')).toBe('"\\x01\\x7f"');
    expect(goQuote('\u00a0é€')).toBe('"\\u00a0é€"');
  });
});

describe('net/url', () => {
  it('decodes paths as Go fills URL.Path', () => {
    expect(decodeRequestPath('/v1/kv/a%2Fb')).toBe('/v1/kv/a/b');
    expect(decodeRequestPath('/v1/kv/a%252Fb')).toBe('/v1/kv/a%2Fb');
    expect(decodeRequestPath('/v1/kv/a+b%20c')).toBe('/v1/kv/a+b c');
    expect(decodeRequestPath('/v1/kv/%E2%82%AC')).toBe('/v1/kv/€');
    expect(decodeRequestPath('/v1/kv/%zz')).toBeNull();
    expect(decodeRequestPath('/v1/kv/%2')).toBeNull();
    expect(decodeRequestPath('/v1/kv/%FF')).toBeNull();
  });

  it.each([
    ['/v1/kv/a/b', '/v1/kv/a/b'],
    ['/v1/kv/a//b', '/v1/kv/a/b'],
    ['/v1/kv/a/./b', '/v1/kv/a/b'],
    ['/v1/kv/a/../b', '/v1/kv/b'],
    ['/v1/kv/x/', '/v1/kv/x/'],
    ['/v1/kv/x/.', '/v1/kv/x'],
    ['/../..', '/'],
    ['//', '/'],
  ])('cleans %j to %j like ServeMux', (input, clean) => {
    expect(cleanRequestPath(input)).toBe(clean);
  });

  it('escapes paths and encodes query values like Go', () => {
    expect(escapePath('/v1/kv/a b/€?#')).toBe('/v1/kv/a%20b/%E2%82%AC%3F%23');
    expect(escapePath("/x/$&+,:;=@!'()*")).toBe("/x/$&+,:;=@%21%27%28%29%2A");
    const params = new URLSearchParams('release=b&cas=0&acquire=a%20b&cas=1');
    expect(encodeValues(params)).toBe('acquire=a+b&cas=0&cas=1&release=b');
  });

  it('knows which raw queries Go refuses', () => {
    expect(isParseableQuery('a=1&b=%20')).toBe(true);
    expect(isParseableQuery('a=1;b=2')).toBe(false);
    expect(isParseableQuery('a=%zz')).toBe(false);
  });
});

describe('encoding/json decoding', () => {
  it('reads the first value and ignores what follows, like json.Decoder', () => {
    expect(parseGoJson('{"a":1} trailing')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseGoJson('  [1, "x", null, true, false, -0.5e1]')).toEqual({ ok: true, value: [1, 'x', null, true, false, -5] });
  });

  it('keeps integers above 2^53 exact as bigint', () => {
    const parsed = parseGoJson('{"Flags":18446744073709551615,"Small":42}');
    expect(parsed).toEqual({ ok: true, value: { Flags: 18446744073709551615n, Small: 42 } });
  });

  it('treats __proto__ as an ordinary key', () => {
    const parsed = parseGoJson('{"__proto__":{"polluted":true}}');
    expect(parsed.ok && Object.keys(parsed.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['', 'EOF'],
    ['   ', 'EOF'],
    ['{', 'unexpected EOF'],
    ['[1,', 'unexpected EOF'],
    ['nope', "invalid character 'o' in literal null (expecting 'u')"],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ['[1 2]', "invalid character '2' after array element"],
    ['"a\tb"', "invalid character '\\t' in string literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['-x', "invalid character 'x' in numeric literal"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
  ])('reports %j as Go does', (input, error) => {
    expect(parseGoJson(input)).toEqual({ ok: false, error });
  });
});

describe('encoding/json encoding', () => {
  it('writes bigint exactly, omits undefined, escapes HTML characters', () => {
    const out = encodeGoJson({ Flags: 18446744073709551615n, Session: undefined, Key: '<a&b>', List: [1, null] });
    expect(out).toBe('{"Flags":18446744073709551615,"Key":"\\u003ca\\u0026b\\u003e","List":[1,null]}');
  });

  it('pretty prints like MarshalIndent with four spaces and a newline', () => {
    expect(encodeGoJson({ A: [1, { B: [] }], C: {} }, true)).toBe('{\n    "A": [\n        1,\n        {\n            "B": []\n        }\n    ],\n    "C": {}\n}\n');
    expect(encodeGoJson(true, true)).toBe('true\n');
  });
});

describe('case-insensitive field matching', () => {
  const Schema = z.object({
    Name: z.string().optional(),
    LockDelay: z.unknown().optional(),
    Checks: z.array(z.string()).nullable().optional(),
    Meta: z.record(z.string(), z.object({ Port: z.number().optional() })).optional(),
    Items: z.array(z.object({ ID: z.string().optional() })).optional(),
  });

  it('maps any case to the canonical name and drops unknown keys', () => {
    const out = normaliseKeys({ name: 'x', LOCKDELAY: '15s', writerequest: { token: 't' } }, Schema);
    expect(out).toEqual({ Name: 'x', LockDelay: '15s' });
  });

  it('lets the last of several case variants win, as Go does', () => {
    expect(normaliseKeys({ Name: 'first', name: 'second' }, Schema)).toEqual({ Name: 'second' });
  });

  it('recurses into arrays and record values but keeps record keys', () => {
    const out = normaliseKeys({ meta: { MyKey: { port: 1 } }, items: [{ id: 'a' }] }, Schema);
    expect(out).toEqual({ Meta: { MyKey: { Port: 1 } }, Items: [{ ID: 'a' }] });
  });

  it('keeps null only where the field can hold nil', () => {
    expect(normaliseKeys({ checks: null, name: null, lockdelay: null }, Schema)).toEqual({ Checks: null });
  });
});
