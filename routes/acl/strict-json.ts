// Consul decodes ACL bodies with lib.DecodeJSON, which turns on encoding/json's
// DisallowUnknownFields: a key that matches no field (case-insensitively) is an error, at any
// depth, and "Namespace"/"Partition" get CE's Enterprise wording. The shared decoder ignores
// unknown keys (right for every other endpoint), so ACL bodies are vetted here first.
import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { readBodyLimited, utf8Text, type BodyLimit } from '../lib/body.ts';
import { badRequest, HttpError } from '../lib/errors.ts';
import { parseGoJson, type GoJsonValue } from '../lib/go-json.ts';
import { decodeJson } from '../lib/json-body.ts';

interface Def {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
}

const def = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function core(schema: z.ZodType): Def {
  let d = def(schema);
  // Bounded by the wrappers the schema author nested.
  while ((WRAPPERS.has(d.type) && d.innerType) || (d.type === 'pipe' && d.in)) d = def((d.innerType ?? d.in) as z.ZodType);
  return d;
}

/** The first key, depth-first in document order, that matches no field of `schema`. */
export function unknownField(value: GoJsonValue, schema: z.ZodType): string | null {
  const d = core(schema);
  if (d.type === 'object' && d.shape && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const fields = new Map(Object.keys(d.shape).map((name) => [name.toLowerCase(), name]));
    for (const [key, item] of Object.entries(value)) {
      const name = fields.get(key.toLowerCase());
      if (name === undefined) return key;
      const nested = unknownField(item, d.shape[name] as z.ZodType);
      if (nested !== null) return nested;
    }
  }
  if (d.type === 'array' && d.element && Array.isArray(value)) {
    for (const item of value) {
      const nested = unknownField(item, d.element);
      if (nested !== null) return nested;
    }
  }
  return null;
}

const ENTERPRISE_FIELDS: Readonly<Record<string, string>> = { namespace: 'Namespaces', partition: 'Partitions' };

/** encoding/json's text for an unknown field, reworded as Consul CE does for Enterprise ones. */
export function unknownFieldError(field: string): string {
  const text = `json: unknown field ${JSON.stringify(field)}`;
  const feature = ENTERPRISE_FIELDS[field.toLowerCase()];
  return feature === undefined ? text : `${text}: ${feature} are a Consul Enterprise feature`;
}

export interface StrictBodyOptions {
  readonly limit: BodyLimit;
  /** "Token decoding failed: ", "Policy decoding failed: ", … */
  readonly errorPrefix: string;
  readonly goType: string;
}

/** Reads and decodes an ACL body as lib.DecodeJSON would (an empty body is Go's "EOF"). */
export async function readStrictJson<S extends z.ZodType>(c: Context, schema: S, options: StrictBodyOptions): Promise<z.output<S>> {
  const bytes = await readBodyLimited(c, options.limit);
  const parsed = parseGoJson(utf8Text(bytes));
  if (!parsed.ok) throw badRequest(options.errorPrefix + parsed.error);
  const unknown = unknownField(parsed.value, schema);
  if (unknown !== null) throw badRequest(options.errorPrefix + unknownFieldError(unknown));
  return decodeJson(bytes, schema, options);
}

/** ACL bodies are small; this bounds what is read before refusing one. */
export function aclBodyLimit(maxBytes: number): BodyLimit {
  return {
    maxBytes,
    declaredTooLarge: (n) => new HttpError(413, `Request body(${n} bytes) too large, max size: ${maxBytes} bytes.`),
    streamedTooLarge: () => new HttpError(413, `Request body too large, max size: ${maxBytes} bytes.`),
  };
}
