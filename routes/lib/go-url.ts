// Go net/url and net/http path behaviours that shape Consul's routing: how the request path is
// decoded before routing, how ServeMux cleans it (and redirects), and how url.Values encodes
// (echoed in "Conflicting flags: …").

const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a raw request path the way Go fills URL.Path (every %XX decoded, %2F included; '+'
 * stays '+'). Returns null for a malformed escape (Go answers 400 before any handler runs) or
 * for bytes that are not UTF-8, which a JavaScript string cannot hold faithfully.
 */
export function decodeRequestPath(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/** Go's path.Clean: lexical processing of ".", ".." and repeated slashes. */
function cleanLexically(p: string): string {
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go ServeMux's cleanPath: path.Clean that keeps a trailing slash. */
export function cleanRequestPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  let cleaned = cleanLexically(rooted);
  if (rooted.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
}

const PATH_SAFE = /[A-Za-z0-9\-_.~$&+,/:;=@]/;
const QUERY_SAFE = /[A-Za-z0-9\-_.~]/;

function escapeWith(s: string, safe: RegExp, spaceAsPlus: boolean): string {
  let out = '';
  for (const ch of s) {
    if (safe.test(ch)) out += ch;
    else if (spaceAsPlus && ch === ' ') out += '+';
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's URL.EscapedPath for a decoded path (as used in redirect Locations). */
export const escapePath = (p: string): string => escapeWith(p, PATH_SAFE, false);

/** Go's url.QueryEscape. */
export const queryEscape = (s: string): string => escapeWith(s, QUERY_SAFE, true);

/** Go's url.Values.Encode: keys sorted, values in order, query-escaped. */
export function encodeValues(params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const key of keys) {
    for (const value of params.getAll(key)) parts.push(`${queryEscape(key)}=${queryEscape(value)}`);
  }
  return parts.join('&');
}

/**
 * Whether Go's url.ParseQuery accepts a raw query: no ';' separators (rejected since Go 1.17)
 * and only well-formed escapes. Consul's handler wrapper answers 500 otherwise.
 */
export function isParseableQuery(raw: string): boolean {
  if (raw.includes(';')) return false;
  for (let i = raw.indexOf('%'); i !== -1; i = raw.indexOf('%', i + 1)) {
    if (!HEX.test(raw.slice(i + 1, i + 3))) return false;
  }
  return true;
}
