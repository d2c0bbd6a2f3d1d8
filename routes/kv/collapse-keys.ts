// Consul's ListKeys separator rule, applied after ACL filtering: each key is cut after the
// first separator that follows the prefix, and the cut keys are de-duplicated in order.
export function collapseKeys(keys: readonly string[], prefix: string, separator: string): string[] {
  if (separator === '') return [...keys];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const key of keys) {
    const at = key.indexOf(separator, prefix.length);
    const collapsed = at < 0 ? key : key.slice(0, at + separator.length);
    if (seen.has(collapsed)) continue;
    seen.add(collapsed);
    out.push(collapsed);
  }
  return out;
}
