// JSON request bodies as Consul's Go decoder sees them: read under a size limit, decoded with
// Go's syntax and error texts, keys matched case-insensitively, then checked by the route's
// zod schema. Type mismatches are reported in encoding/json's words.
import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { readBodyLimited, utf8Text, type BodyLimit } from './body.ts';
import { normaliseKeys } from './case-insensitive.ts';
import { badRequest } from './errors.ts';
import { parseGoJson, type GoJsonValue } from './go-json.ts';

export interface JsonBodyOptions {
  readonly limit: BodyLimit;
  /** Consul's prefix for this endpoint: "Request decode failed: ", "Failed to parse body: ". */
  readonly errorPrefix: string;
  /** Go's name for the decoded type, used in type-mismatch texts ("structs.Session"). */
  readonly goType: string;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'bigint') return 'number';
  return typeof v === 'boolean' ? 'bool' : typeof v === 'object' ? 'object' : typeof v;
}

function valueAt(root: GoJsonValue, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const step of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[step] : undefined;
  return v;
}

/** encoding/json's UnmarshalTypeError text for the first zod issue. */
function goTypeError(error: z.ZodError, input: GoJsonValue, goType: string): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid body';
  const kind = jsonKind(valueAt(input, issue.path));
  const expected = 'expected' in issue && typeof issue.expected === 'string' ? issue.expected : issue.message;
  const fields = issue.path.filter((p): p is string => typeof p === 'string');
  if (fields.length === 0) return `json: cannot unmarshal ${kind} into Go value of type ${goType}`;
  return `json: cannot unmarshal ${kind} into Go struct field ${goType.replace(/^.*\./, '')}.${fields.join('.')} of type ${expected}`;
}

/** Decodes already-read body bytes against `schema`; throws Consul's 400 on any failure. */
export function decodeJson<S extends z.ZodType>(bytes: Uint8Array, schema: S, options: Omit<JsonBodyOptions, 'limit'>): z.output<S> {
  const parsed = parseGoJson(utf8Text(bytes));
  if (!parsed.ok) throw badRequest(options.errorPrefix + parsed.error);
  return decodeParsedJson(parsed.value, schema, options);
}

/** Checks an already-parsed JSON value against `schema`; throws Consul's 400 on a mismatch. */
export function decodeParsedJson<S extends z.ZodType>(value: GoJsonValue, schema: S, options: Omit<JsonBodyOptions, 'limit'>): z.output<S> {
  const normalised = normaliseKeys(value, schema);
  const checked = schema.safeParse(normalised);
  if (!checked.success) throw badRequest(options.errorPrefix + goTypeError(checked.error, normalised, options.goType));
  return checked.data;
}

/** Reads (within the limit) and decodes a JSON body. */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S, options: JsonBodyOptions): Promise<z.output<S>> {
  return decodeJson(await readBodyLimited(c, options.limit), schema, options);
}
