// The few Go strconv behaviours Consul's wire texts expose: ParseUint's error messages
// (KV ?cas= and ?flags= failures are returned verbatim as 500s) and %q quoting.

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export const isGoPrintable = (ch: string): boolean => PRINTABLE.test(ch);

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
  '"': '\\"', '\\': '\\\\',
};

/** Go's strconv.Quote (what fmt's %q prints for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    if (isGoPrintable(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

export const MAX_UINT64 = (1n << 64n) - 1n;

export type UintResult = { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly error: string };

/** Go's strconv.ParseUint(s, 10, 64), with its exact error texts. */
export function parseUint64(s: string): UintResult {
  const fail = (why: string): UintResult => ({ ok: false, error: `strconv.ParseUint: parsing ${goQuote(s)}: ${why}` });
  if (!/^[0-9]+$/.test(s)) return fail('invalid syntax');
  const value = BigInt(s);
  if (value > MAX_UINT64) return fail('value out of range');
  return { ok: true, value };
}
