// Structural equality for registration payloads (Consul compares with reflect.DeepEqual and
// IsSame, so an unchanged re-registration writes nothing and wakes nobody).

/** Deep equality of JSON-like values; object key order does not matter, null ≠ {}. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, unknown>)[k], bo[k]));
}

/** Equality of the listed fields of two records. */
export function sameFields<T extends object>(a: T, b: T, fields: readonly (keyof T)[]): boolean {
  return fields.every((f) => jsonEqual(a[f], b[f]));
}

/** ASCII case-insensitive equality, as SQLite's NOCASE and the catalog's name matching. */
export function eqFold(a: string, b: string): boolean {
  return a === b || (a.length === b.length && foldAscii(a) === foldAscii(b));
}

function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
