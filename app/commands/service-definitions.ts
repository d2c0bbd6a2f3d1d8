// Service definition files for `cairn services register|deregister`: the agent configuration
// format, {"service": {…}} or {"services": [{…}, …]}, written in JSON or HCL (a ".hcl" file, or
// text that is not JSON). HCL is read with the same parser the ACL rules use and turned into the
// JSON shape: a block is an object, a key given more than once is a list of its values.
import { readFileSync } from 'node:fs';
import type { HclObjectList, HclValue } from '../../storage/acl/hcl-ast.ts';
import { parseHcl } from '../../storage/acl/hcl-parse.ts';

export type Definition = Record<string, unknown>;

/** A field of a definition, whatever its case (the agent accepts Name and name). */
export const field = (def: Definition, name: string): unknown => Object.entries(def).find(([k]) => k.toLowerCase() === name)?.[1];

const isObject = (v: unknown): v is Definition => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The service definitions of one file; throws with the file's name and what is wrong. */
export function definitionsFromFile(path: string): Definition[] {
  const text = readFileSync(path, 'utf8');
  const doc = path.endsWith('.hcl') || !/^\s*\{/.test(text) ? fromHcl(text, path) : (JSON.parse(text) as unknown);
  if (!isObject(doc)) throw new Error(`${path}: expected {"service": {...}} or {"services": [{...}]}`);
  const one = field(doc, 'service');
  const many = field(doc, 'services');
  // A single HCL block written twice reads as a list: both forms accept one or many.
  const defs = [one, many].flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
  if (defs.length === 0 || !defs.every(isObject)) throw new Error(`${path}: expected {"service": {...}} or {"services": [{...}]}`);
  return defs;
}

function fromHcl(text: string, path: string): Definition {
  const tree = parseHcl(text);
  if (!tree.ok) throw new Error(`${path}: ${tree.message}`);
  return objectOf(tree.list);
}

/** Items to an object: `a "b" { … }` nests as {a: {b: {…}}}; a key given more than once is a list. */
function objectOf(list: HclObjectList): Definition {
  const values = new Map<string, unknown[]>();
  for (const item of list.items) {
    const [first, ...labels] = item.keys;
    if (first === undefined) continue;
    let value = valueOf(item.value);
    for (const label of [...labels].reverse()) value = { [label.value]: value };
    values.set(first.value, [...(values.get(first.value) ?? []), value]);
  }
  return Object.fromEntries([...values].map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

function valueOf(value: HclValue): unknown {
  switch (value.kind) {
    case 'object':
      return objectOf(value.list);
    case 'array':
      return value.elements.map(valueOf);
    case 'literal':
      if (value.type === 'BOOL') return value.value === 'true';
      if (value.type === 'NUMBER' || value.type === 'FLOAT') return Number(value.value);
      return value.value;
  }
}
