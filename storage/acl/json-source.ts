// JSON rules text → the same syntax tree HCL text produces. Consul hands JSON to hcl v1's JSON
// parser, which flattens nested objects into HCL's multi-key items: `{"key": {"a": {…}}}`
// becomes `key "a" {…}`, and a list of objects becomes one item per element. Decoding then
// treats both syntaxes alike. We read the text with JSON.parse and flatten as hcl does
// (hcl/json/parser/flatten.go), so every JSON spelling Consul accepts decodes the same way.

import type { HclItem, HclObjectList, HclValue } from './hcl-ast.ts';
import type { TreeResult } from './hcl-parse.ts';

export function readJson(source: string): TreeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, message: 'rules nest too deeply to parse' };
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  try {
    const root = toValue(parsed);
    // Only texts starting with `{` are sent here (parse.ts), so the root is an object.
    if (root.kind !== 'object') throw new Error('JSON rules root is not an object');
    return { ok: true, list: flattenList(root.list) };
  } catch (error) {
    // Both walks recurse once per nesting level; absurd nesting can exhaust the stack.
    if (error instanceof RangeError) return { ok: false, message: 'rules nest too deeply to parse' };
    throw error;
  }
}

function toValue(value: unknown): HclValue {
  if (value === null) return { kind: 'literal', type: 'STRING', value: '', pos: null }; // hcl reads null as ""
  if (typeof value === 'string') return { kind: 'literal', type: 'STRING', value, pos: null };
  if (typeof value === 'boolean') return { kind: 'literal', type: 'BOOL', value: String(value), pos: null };
  if (typeof value === 'number') {
    return { kind: 'literal', type: Number.isSafeInteger(value) ? 'NUMBER' : 'FLOAT', value: String(value), pos: null };
  }
  if (Array.isArray(value)) return { kind: 'array', elements: value.map(toValue), pos: null };
  const items = Object.entries(value as Record<string, unknown>).map(
    ([key, member]): HclItem => ({
      keys: [{ text: JSON.stringify(key), value: key, pos: null }],
      assign: null,
      value: toValue(member),
    }),
  );
  return { kind: 'object', list: { kind: 'list', items }, pos: null };
}

/** flattenObjects: rewrite each list, then visit the values of the rewritten items. */
function flattenList(list: HclObjectList): HclObjectList {
  const items: HclItem[] = [];
  // hcl walks a stack and reverses the result at the end, which keeps source order.
  const frontier = [...list.items];
  for (let item = frontier.pop(); item !== undefined; item = frontier.pop()) {
    const expanded = expand(item);
    if (expanded === null) items.push(item);
    else frontier.push(...expanded);
  }
  items.reverse();
  return { kind: 'list', items: items.map((item) => ({ ...item, value: flattenValue(item.value) })) };
}

function flattenValue(value: HclValue): HclValue {
  if (value.kind === 'object') return { ...value, list: flattenList(value.list) };
  if (value.kind === 'array') return { ...value, elements: value.elements.map(flattenValue) };
  return value;
}

/**
 * The items an item flattens into, or null when it stays as it is: an object whose members are
 * all objects lends each member's key to a new item; a list of objects becomes one item per
 * element under the same keys.
 */
function expand(item: HclItem): HclItem[] | null {
  const value = item.value;
  if (value.kind === 'object') {
    const members = value.list.items;
    if (members.length === 0 || !members.every((member) => member.value.kind === 'object')) return null;
    return members.map((member) => ({ keys: [...item.keys, ...member.keys], assign: item.assign, value: member.value }));
  }
  if (value.kind === 'array') {
    if (value.elements.length === 0 || !value.elements.every((element) => element.kind === 'object')) return null;
    return value.elements.map((element) => ({ keys: item.keys, assign: item.assign, value: element }));
  }
  return null;
}
