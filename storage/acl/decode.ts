// Syntax tree → Consul's untyped policy (strings as written), reproducing what hcl v1's
// reflection decoder (hcl/decoder.go) does when Consul decodes rules into its acl.Policy struct:
// top-level keys match field names case-insensitively and unknown keys are ignored; a block's
// first label is the rule's segment; `x = {…}` and `x "label" {…}` both contribute rules; a
// later `policy = …` in the same block wins. Where the struct shape does not fit, the error
// names the Go types and the decoder path exactly as hcl does ("root.key[0].Policy: …").

import { formatPos, goTypeName, nodePos, type HclItem, type HclNode, type HclObjectList, type HclValue, type Pos } from './hcl-ast.ts';
import type { GlobalResource, RuleListKey } from './types.ts';

/** A rule as decoded, before its levels are validated. */
export interface RawRule {
  readonly segment: string;
  /** "" when the block has no `policy`. */
  readonly policy: string;
  /** Service rules only; "" when absent. */
  readonly intentions: string;
}

/** Consul's acl.PolicyRules before Validate: every level still a string. */
export interface RawPolicy {
  readonly global: Readonly<Record<GlobalResource, string>>;
  readonly lists: Readonly<Record<RuleListKey, readonly RawRule[]>>;
  /** Top-level keys that match no resource; Consul ignores them silently. */
  readonly ignored: readonly string[];
}

export type DecodeResult = { readonly ok: true; readonly policy: RawPolicy } | { readonly ok: false; readonly message: string };

/** How one rule struct is spelled in Go: its type and the field holding the segment. */
export interface RuleShape {
  readonly goType: string;
  readonly segmentField: string;
  readonly hasIntentions: boolean;
  readonly hasEnterprise: boolean;
}

const AGENT: RuleShape = { goType: 'acl.AgentRule', segmentField: 'Node', hasIntentions: false, hasEnterprise: false };
const KEY: RuleShape = { goType: 'acl.KeyRule', segmentField: 'Prefix', hasIntentions: false, hasEnterprise: true };
const NODE: RuleShape = { goType: 'acl.NodeRule', segmentField: 'Name', hasIntentions: false, hasEnterprise: true };
const SERVICE: RuleShape = { goType: 'acl.ServiceRule', segmentField: 'Name', hasIntentions: true, hasEnterprise: true };
const SESSION: RuleShape = { goType: 'acl.SessionRule', segmentField: 'Node', hasIntentions: false, hasEnterprise: false };
const EVENT: RuleShape = { goType: 'acl.EventRule', segmentField: 'Event', hasIntentions: false, hasEnterprise: false };
const QUERY: RuleShape = { goType: 'acl.PreparedQueryRule', segmentField: 'Prefix', hasIntentions: false, hasEnterprise: false };

type Field =
  | { readonly name: GlobalResource; readonly kind: 'level' }
  | { readonly name: RuleListKey; readonly kind: 'rules'; readonly shape: RuleShape };

/** acl.PolicyRules' fields in declaration order: decoding and validation both follow it. */
export const POLICY_FIELDS: readonly Field[] = [
  { name: 'acl', kind: 'level' },
  { name: 'agent', kind: 'rules', shape: AGENT },
  { name: 'agent_prefix', kind: 'rules', shape: AGENT },
  { name: 'key', kind: 'rules', shape: KEY },
  { name: 'key_prefix', kind: 'rules', shape: KEY },
  { name: 'node', kind: 'rules', shape: NODE },
  { name: 'node_prefix', kind: 'rules', shape: NODE },
  { name: 'service', kind: 'rules', shape: SERVICE },
  { name: 'service_prefix', kind: 'rules', shape: SERVICE },
  { name: 'session', kind: 'rules', shape: SESSION },
  { name: 'session_prefix', kind: 'rules', shape: SESSION },
  { name: 'event', kind: 'rules', shape: EVENT },
  { name: 'event_prefix', kind: 'rules', shape: EVENT },
  { name: 'query', kind: 'rules', shape: QUERY },
  { name: 'query_prefix', kind: 'rules', shape: QUERY },
  { name: 'keyring', kind: 'level' },
  { name: 'operator', kind: 'level' },
  { name: 'mesh', kind: 'level' },
  { name: 'peering', kind: 'level' },
];

class DecodeError extends Error {}

function fail(pos: Pos | null, message: string): never {
  throw new DecodeError(`At ${formatPos(pos)}: ${message}`);
}

export function decodePolicy(root: HclObjectList): DecodeResult {
  const global = { acl: '', keyring: '', operator: '', mesh: '', peering: '' };
  const lists = {} as Record<RuleListKey, RawRule[]>;
  try {
    for (const field of POLICY_FIELDS) {
      const { prefixed, plain } = filterField(root, field.name);
      const name = `root.${field.name}`;
      if (field.kind === 'level') {
        if (prefixed.items.length > 0) decodeString(name, prefixed);
        for (const match of plain) global[field.name] = decodeString(name, unwrapObject(match.value));
        continue;
      }
      const rules: RawRule[] = [];
      if (prefixed.items.length > 0) decodeRules(name, prefixed, field.shape, rules);
      for (const match of plain) decodeRules(name, unwrapObject(match.value), field.shape, rules);
      lists[field.name] = rules;
    }
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, message: error.message };
    throw error;
  }
  return { ok: true, policy: { global, lists, ignored: ignoredKeys(root) } };
}

/**
 * ObjectList.Filter(name) split the way decodeStruct uses it: items continuing with more keys
 * (`key "a" {…}`, decoded together as a list) and items ending at the name (`key = …`, each
 * decoded on its own). Key comparison is strings.EqualFold.
 */
function filterField(list: HclObjectList, name: string): { prefixed: HclObjectList; plain: HclItem[] } {
  const prefixed: HclItem[] = [];
  const plain: HclItem[] = [];
  for (const item of list.items) {
    const first = item.keys[0];
    if (first === undefined || !equalFold(first.value, name)) continue;
    const rest = { ...item, keys: item.keys.slice(1) };
    (rest.keys.length > 0 ? prefixed : plain).push(rest);
  }
  return { prefixed: { kind: 'list', items: prefixed }, plain };
}

/**
 * strings.EqualFold against a field name. Both sides fold rune by rune and every rune folding to
 * an ASCII letter is a single UTF-16 unit, so different lengths never match.
 */
function equalFold(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}

/** decodeStruct hands an object's item list, not the object, to the field decoder. */
function unwrapObject(value: HclValue): HclNode {
  return value.kind === 'object' ? value.list : value;
}

function decodeString(name: string, node: HclNode): string {
  if (node.kind === 'literal' && (node.type === 'STRING' || node.type === 'NUMBER')) return node.value;
  return fail(nodePos(node), `${name}: unknown type for string ${goTypeName(node)}`);
}

/** decodeSlice into []*XxxRule: every element becomes one rule. */
function decodeRules(name: string, node: HclNode, shape: RuleShape, out: RawRule[]): void {
  let entries: readonly (HclItem | HclValue)[];
  if (node.kind === 'list') entries = node.items;
  else if (node.kind === 'object') entries = [node];
  else if (node.kind === 'array') entries = node.elements;
  else return fail(node.pos, `unknown slice type: ${goTypeName(node)}`);
  entries.forEach((entry, index) => out.push(decodeRule(`${name}[${index}]`, expandTwoKeys(entry), shape)));
}

/**
 * hcl's expandObject: an item with exactly two keys left (`key "a" "b" {…}`) is re-nested as
 * `a { b {…} }` before decoding, so the second label hides the block's attributes.
 */
function expandTwoKeys(entry: HclItem | HclValue): HclItem | HclValue {
  if (!isItem(entry) || entry.keys.length !== 2) return entry;
  const [outer, inner] = entry.keys as [HclItem['keys'][0], HclItem['keys'][0]];
  const nested: HclItem = { ...entry, keys: [inner] };
  return { keys: [outer], assign: null, value: { kind: 'object', list: { kind: 'list', items: [nested] }, pos: null } };
}

function isItem(entry: HclItem | HclValue): entry is HclItem {
  return 'keys' in entry;
}

/** decodeStruct into one rule: the segment is the item's first key, then Policy, Intentions. */
function decodeRule(name: string, entry: HclItem | HclValue, shape: RuleShape): RawRule {
  const item = isItem(entry) ? entry : null;
  let node: HclNode = item === null ? (entry as HclValue) : item.value;
  if (node.kind === 'object') node = node.list;
  if (node.kind === 'literal' && item !== null) node = { kind: 'list', items: [item] };
  if (node.kind !== 'list') return fail(nodePos(node), `${name}: not an object type for struct (${goTypeName(node)})`);
  const segment = item?.keys[0]?.value;
  if (segment === undefined) return fail(nodePos(node), `${name}: ${shape.segmentField} asked for 'key', impossible`);
  const policy = decodeAttribute(`${name}.Policy`, node, 'Policy');
  const intentions = shape.hasIntentions ? decodeAttribute(`${name}.Intentions`, node, 'Intentions') : '';
  return { segment, policy, intentions };
}

/** A string attribute of a block; the last assignment wins, a nested block is an error. */
function decodeAttribute(name: string, list: HclObjectList, field: string): string {
  const { prefixed, plain } = filterField(list, field);
  if (prefixed.items.length > 0) decodeString(name, prefixed);
  let value = '';
  for (const match of plain) value = decodeString(name, unwrapObject(match.value));
  return value;
}

function ignoredKeys(root: HclObjectList): string[] {
  const ignored = new Set<string>();
  for (const item of root.items) {
    const first = item.keys[0];
    if (first !== undefined && !POLICY_FIELDS.some((field) => equalFold(first.value, field.name))) ignored.add(first.value);
  }
  return [...ignored];
}
