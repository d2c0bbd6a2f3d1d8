// Go's encoding/json matches object keys to struct fields case-insensitively (an exact match
// wins, otherwise the last case-folded match), ignores unknown keys, and treats `null` as "no
// effect" except for fields that can hold nil (slices, maps, pointers). python-consul sends
// lower-case keys everywhere (`lockdelay`, `checks`), so every JSON body is normalised to the
// zod schema's canonical (PascalCase) names before zod parses it.

import type { z } from '@hono/zod-openapi';
import type { GoJsonValue } from './go-json.ts';

interface ZodInternals {
  readonly _zod: {
    readonly def: {
      readonly type: string;
      readonly shape?: Readonly<Record<string, z.ZodType>>;
      readonly element?: z.ZodType;
      readonly innerType?: z.ZodType;
      readonly in?: z.ZodType;
      readonly valueType?: z.ZodType;
    };
  };
}

const def = (schema: z.ZodType): ZodInternals['_zod']['def'] => (schema as unknown as ZodInternals)._zod.def;

/** Wrappers that do not change the JSON shape. */
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** Strips shape-preserving wrappers; says whether a nullable was among them. */
function unwrap(schema: z.ZodType): { core: z.ZodType; nullable: boolean } {
  let core = schema;
  let nullable = false;
  // Bounded by the nesting of wrappers the schema author wrote.
  for (;;) {
    const d = def(core);
    if (d.type === 'nullable' && d.innerType) {
      nullable = true;
      core = d.innerType;
    } else if (WRAPPERS.has(d.type) && d.innerType) {
      core = d.innerType;
    } else if (d.type === 'pipe' && d.in) {
      core = d.in;
    } else {
      return { core, nullable };
    }
  }
}

const isPlainObject = (v: GoJsonValue): v is { [key: string]: GoJsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function normaliseObject(value: { [key: string]: GoJsonValue }, shape: Readonly<Record<string, z.ZodType>>): GoJsonValue {
  const canonical = Object.keys(shape);
  const folded = new Map(canonical.map((name) => [name.toLowerCase(), name]));
  const out: { [key: string]: GoJsonValue } = Object.create(null) as { [key: string]: GoJsonValue };
  for (const [key, item] of Object.entries(value)) {
    const name = Object.hasOwn(shape, key) ? key : folded.get(key.toLowerCase());
    if (name === undefined) continue;
    const field = shape[name] as z.ZodType;
    if (item === null && !unwrap(field).nullable) continue;
    out[name] = normaliseKeys(item, field);
  }
  return out;
}

/** Renames keys to the schema's canonical names, recursively, following Go's decoding rules. */
export function normaliseKeys(value: GoJsonValue, schema: z.ZodType): GoJsonValue {
  const { core } = unwrap(schema);
  const d = def(core);
  if (d.type === 'object' && d.shape && isPlainObject(value)) return normaliseObject(value, d.shape);
  if (d.type === 'array' && d.element && Array.isArray(value)) {
    const element = d.element;
    return value.map((item) => normaliseKeys(item, element));
  }
  if (d.type === 'record' && d.valueType && isPlainObject(value)) {
    const valueType = d.valueType;
    const out: { [key: string]: GoJsonValue } = Object.create(null) as { [key: string]: GoJsonValue };
    for (const [key, item] of Object.entries(value)) out[key] = normaliseKeys(item, valueType);
    return out;
  }
  return value;
}
