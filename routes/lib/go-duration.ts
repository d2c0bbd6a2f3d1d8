// Go's time.ParseDuration and Duration.String, exactly: Consul parses ?wait, ?max_stale, the
// session TTL and string durations in bodies with them, and clients rely on the grammar
// (`15.0s`, `1h30m`, `120000ms`, `0.001s`; a bare `60` is invalid; a bare `0` is valid).
// Durations are int64 nanoseconds, held as bigint so the overflow rules match Go's.

export type DurationResult = { readonly ok: true; readonly ns: bigint } | { readonly ok: false; readonly error: string };

const NANOSECOND = 1n;
const MICROSECOND = 1000n * NANOSECOND;
const MILLISECOND = 1000n * MICROSECOND;
const SECOND = 1000n * MILLISECOND;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', NANOSECOND],
  ['us', MICROSECOND],
  ['\u00b5s', MICROSECOND], // micro sign
  ['\u03bcs', MICROSECOND], // Greek small letter mu
  ['ms', MILLISECOND],
  ['s', SECOND],
  ['m', MINUTE],
  ['h', HOUR],
]);

const TWO_63 = 1n << 63n;
const MAX_INT64 = TWO_63 - 1n;

export const NS_PER_MS = MILLISECOND;
export const NS_PER_SECOND = SECOND;

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/** Go's time package quoting: `"` and `\` escaped, bytes outside printable ASCII as \xNN. */
function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

/** Consumes the leading [0-9]*; null on int64 overflow (Go's errLeadingInt). */
function leadingInt(s: string, from: number): { value: bigint; end: number } | null {
  let value = 0n;
  let i = from;
  for (; isDigit(s[i]); i++) {
    if (value > TWO_63 / 10n) return null;
    value = value * 10n + BigInt(s.charCodeAt(i) - 48);
    if (value > TWO_63) return null;
  }
  return { value, end: i };
}

/** Consumes the leading [0-9]* of a fraction; stops gaining precision instead of failing. */
function leadingFraction(s: string, from: number): { value: bigint; scale: number; end: number } {
  let value = 0n;
  let scale = 1;
  let overflow = false;
  let i = from;
  for (; isDigit(s[i]); i++) {
    if (overflow) continue;
    if (value > MAX_INT64 / 10n) {
      overflow = true;
      continue;
    }
    const next = value * 10n + BigInt(s.charCodeAt(i) - 48);
    if (next > TWO_63) {
      overflow = true;
      continue;
    }
    value = next;
    scale *= 10;
  }
  return { value, scale, end: i };
}

/** Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with Go's error texts. */
export function parseGoDuration(orig: string): DurationResult {
  const invalid = (): DurationResult => ({ ok: false, error: `time: invalid duration ${goTimeQuote(orig)}` });
  let i = 0;
  let negative = false;
  if (orig[0] === '-' || orig[0] === '+') {
    negative = orig[0] === '-';
    i = 1;
  }
  if (orig.slice(i) === '0') return { ok: true, ns: 0n };
  if (i === orig.length) return invalid();
  let total = 0n;
  while (i < orig.length) {
    if (!(orig[i] === '.' || isDigit(orig[i]))) return invalid();
    const whole = leadingInt(orig, i);
    if (whole === null) return invalid();
    const hadWhole = whole.end !== i;
    i = whole.end;
    let fraction = { value: 0n, scale: 1, end: i };
    let hadFraction = false;
    if (orig[i] === '.') {
      fraction = leadingFraction(orig, i + 1);
      hadFraction = fraction.end !== i + 1;
      i = fraction.end;
    }
    if (!hadWhole && !hadFraction) return invalid();
    let unitEnd = i;
    while (unitEnd < orig.length && orig[unitEnd] !== '.' && !isDigit(orig[unitEnd])) unitEnd++;
    if (unitEnd === i) return { ok: false, error: `time: missing unit in duration ${goTimeQuote(orig)}` };
    const unitText = orig.slice(i, unitEnd);
    const unit = UNITS.get(unitText);
    if (unit === undefined) {
      return { ok: false, error: `time: unknown unit ${goTimeQuote(unitText)} in duration ${goTimeQuote(orig)}` };
    }
    i = unitEnd;
    if (whole.value > TWO_63 / unit) return invalid();
    let value = whole.value * unit;
    if (fraction.value > 0n) {
      // Go multiplies in float64 here (nanosecond-accurate up to hours) and truncates.
      value += BigInt(Math.trunc(Number(fraction.value) * (Number(unit) / fraction.scale)));
      if (value > TWO_63) return invalid();
    }
    total += value;
    if (total > TWO_63) return invalid();
  }
  if (negative) return { ok: true, ns: -total };
  if (total > MAX_INT64) return invalid();
  return { ok: true, ns: total };
}

/** Formats the fraction v/10^prec with trailing zeros (and a lone dot) dropped. */
function fractionText(v: bigint, prec: number): { text: string; rest: bigint } {
  let digits = '';
  let rest = v;
  let printing = false;
  for (let k = 0; k < prec; k++) {
    const digit = rest % 10n;
    printing = printing || digit !== 0n;
    if (printing) digits = digit.toString() + digits;
    rest /= 10n;
  }
  return { text: printing ? `.${digits}` : '', rest };
}

/** Go's Duration.String(): "72h3m0.5s", "1.5ms", "0s". */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const negative = ns < 0n;
  let u = negative ? -ns : ns;
  let text: string;
  if (u < SECOND) {
    const [prec, suffix] = u < MICROSECOND ? [0, 'ns'] : u < MILLISECOND ? [3, '\u00b5s'] : [6, 'ms'];
    const { text: frac, rest } = fractionText(u, prec);
    text = `${rest}${frac}${suffix}`;
  } else {
    const { text: frac, rest } = fractionText(u, 9);
    u = rest;
    text = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      text = `${u % 60n}m${text}`;
      u /= 60n;
      if (u > 0n) text = `${u}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}
