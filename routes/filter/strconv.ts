// The Go strconv functions whose behaviour go-bexpr exposes, with Go's exact error texts:
// Unquote (string literals in expressions), ParseBool / ParseInt / ParseUint / ParseFloat
// (coercing a literal to the field's type; base 0, so "0x1F", "0o17", "017", "1_000" work).
import { goQuote } from '../lib/go-strconv.ts';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const syntaxError = (fn: string, s: string): Parsed<never> => ({
  ok: false,
  error: `strconv.${fn}: parsing ${goQuote(s)}: invalid syntax`,
});
const rangeError = (fn: string, s: string): Parsed<never> => ({
  ok: false,
  error: `strconv.${fn}: parsing ${goQuote(s)}: value out of range`,
});

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseGoBool(s: string): Parsed<boolean> {
  if (TRUE_WORDS.has(s)) return { ok: true, value: true };
  if (FALSE_WORDS.has(s)) return { ok: true, value: false };
  return syntaxError('ParseBool', s);
}

/** Go's underscoreOK: "_" only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes((s[1] ?? '').toLowerCase())) {
    i = 2;
    saw = '0';
    hex = (s[1] ?? '').toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && /^[a-fA-F]$/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/** Go's strconv.ParseUint(s, 0, bits) (bits 0 = Go's 64-bit int). */
export function parseGoUint(s: string, bits: number, fn = 'ParseUint'): Parsed<bigint> {
  if (s === '') return syntaxError(fn, s);
  let base = 10n;
  let digits = s;
  if (s[0] === '0') {
    const prefix = (s[1] ?? '').toLowerCase();
    if (s.length >= 3 && prefix === 'b') [base, digits] = [2n, s.slice(2)];
    else if (s.length >= 3 && prefix === 'o') [base, digits] = [8n, s.slice(2)];
    else if (s.length >= 3 && prefix === 'x') [base, digits] = [16n, s.slice(2)];
    else [base, digits] = [8n, s.slice(1)];
  }
  const max = (1n << BigInt(bits === 0 ? 64 : bits)) - 1n;
  let n = 0n;
  let underscores = false;
  for (const c of digits) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || BigInt(d) >= base) return syntaxError(fn, s);
    n = n * base + BigInt(d);
    // Like Go, overflow is reported at once, before any later syntax problem.
    if (n > max) return rangeError(fn, s);
  }
  if (underscores && !underscoreOK(s)) return syntaxError(fn, s);
  return { ok: true, value: n };
}

/** Go's strconv.ParseInt(s, 0, bits) (bits 0 = Go's 64-bit int). */
export function parseGoInt(s: string, bits: number): Parsed<bigint> {
  if (s === '') return syntaxError('ParseInt', s);
  const negative = s[0] === '-';
  const unsigned = s[0] === '+' || negative ? s.slice(1) : s;
  const u = parseGoUint(unsigned, bits, 'ParseInt');
  const width = BigInt(bits === 0 ? 64 : bits);
  const cutoff = 1n << (width - 1n);
  if (!u.ok) {
    // ParseInt reports the whole input, sign included.
    return u.error.endsWith('invalid syntax') ? syntaxError('ParseInt', s) : rangeError('ParseInt', s);
  }
  if (!negative && u.value >= cutoff) return rangeError('ParseInt', s);
  if (negative && u.value > cutoff) return rangeError('ParseInt', s);
  return { ok: true, value: negative ? -u.value : u.value };
}

// ParseFloat's accepted forms: decimal (digits, ".", exponent) and hexadecimal mantissas with
// a mandatory binary exponent, "_" between digits, and the special words.
const DECIMAL_FLOAT = /^[+-]?(?=\.?[0-9])[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;
const SPECIAL_FLOAT = /^(?:([+-]?)(inf|infinity)|nan)$/i;

function hexFloat(m: RegExpExecArray): number {
  const [, sign, whole = '', frac = '', exp = '0'] = m;
  const mantissa = (whole + frac).replaceAll('_', '');
  let value = 0;
  for (const c of mantissa) value = value * 16 + parseInt(c, 16);
  const scaled = value * 2 ** (Number(exp.replaceAll('_', '')) - 4 * frac.replaceAll('_', '').length);
  return sign === '-' ? -scaled : scaled;
}

/** Go's strconv.ParseFloat(s, bits) for bits 32 or 64. */
export function parseGoFloat(s: string, bits: 32 | 64): Parsed<number> {
  const special = SPECIAL_FLOAT.exec(s);
  if (special) {
    if (special[2] === undefined) return { ok: true, value: Number.NaN };
    return { ok: true, value: special[1] === '-' ? -Infinity : Infinity };
  }
  const hex = HEX_FLOAT.exec(s);
  if (!hex && !DECIMAL_FLOAT.test(s)) return syntaxError('ParseFloat', s);
  if (s.includes('_') && !underscoreOK(s)) return syntaxError('ParseFloat', s);
  const wide = hex ? hexFloat(hex) : Number(s.replaceAll('_', ''));
  const value = bits === 32 ? Math.fround(wide) : wide;
  if (!Number.isFinite(value)) return rangeError('ParseFloat', s);
  return { ok: true, value };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92,
};

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** One escape after a backslash: [bytes to append, characters consumed], or undefined. */
function unescape(body: string, i: number, quote: string): [number[], number] | undefined {
  const c = body[i];
  if (c === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [[simple], 1];
  if (c === quote) return [[c.charCodeAt(0)], 1];
  const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (width > 0) {
    const hex = body.slice(i + 1, i + 1 + width);
    if (hex.length < width || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
    const v = parseInt(hex, 16);
    if (c === 'x') return [[v], 1 + width];
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
    return [[...utf8.encode(String.fromCodePoint(v))], 1 + width];
  }
  const octal = body.slice(i, i + 3);
  if (/^[0-7]{3}$/.test(octal)) {
    const v = parseInt(octal, 8);
    return v > 255 ? undefined : [[v], 3];
  }
  return undefined;
}

/**
 * Go's strconv.Unquote for a whole `"…"` or `` `…` `` literal; undefined where Go says
 * "invalid syntax". \x and octal escapes are bytes, so the result is decoded as UTF-8.
 */
export function goUnquote(literal: string): string | undefined {
  const quote = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== quote) return undefined;
  const body = literal.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body.replaceAll('\r', '');
  if (quote !== '"') return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < body.length; ) {
    const c = body[i] ?? '';
    if (c === '\n' || c === '"') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      bytes.push(...utf8.encode(ch));
      i += ch.length;
      continue;
    }
    const escaped = unescape(body, i + 1, quote);
    if (escaped === undefined) return undefined;
    bytes.push(...escaped[0]);
    i += 1 + escaped[1];
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}
