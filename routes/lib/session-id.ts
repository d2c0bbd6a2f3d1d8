// Consul keeps sessions in a go-memdb table indexed by UUID, so looking one up by a malformed
// ID fails inside memdb before any "not found": Consul answers 500 with memdb's text.

/** go-memdb UUIDFieldIndex's parse errors for a lookup argument, or null for a usable ID. */
function uuidIndexError(id: string): string | null {
  if (Buffer.byteLength(id, 'utf8') !== 36) return 'UUID must be 36 characters';
  const hyphens = id.split('-').length - 1;
  if (hyphens > 4) return `UUID should have maximum of 4 "-"; got ${hyphens}`;
  const hex = id.replaceAll('-', '');
  if (hex.length % 2 !== 0) return 'Input (without hyphens) must be even length';
  const bad = [...hex].find((ch) => !/[0-9a-fA-F]/.test(ch));
  if (bad !== undefined) {
    const cp = bad.codePointAt(0) ?? 0;
    return `Invalid UUID: encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${bad}'`;
  }
  return null;
}

/** Consul's error text for looking up this session ID, or null when the lookup can run. */
export function sessionLookupError(id: string): string | null {
  const why = uuidIndexError(id);
  return why === null ? null : `failed session lookup: index error: ${why}`;
}
