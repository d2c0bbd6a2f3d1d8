// Writing responses the way Consul's handler wrapper does: JSON through Go's encoder (?pretty
// honoured), plain-text errors with Go's sniffed content type.
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { AppEnv } from '../env.ts';
import { encodeGoJson } from './go-json.ts';

/** What Go's http server sniffs for a plain-text body. */
export const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

/**
 * A JSON body, compact or (with ?pretty) indented by four spaces with a trailing newline. The
 * result is typed as the JSON of `value`, so a handler's answer is checked against its route's
 * response schema even though Go's encoder, not Hono's, writes the bytes.
 */
export function sendJson<T, S extends 200 | 409 = 200>(c: Context<AppEnv>, value: T, status?: S): Response & TypedResponse<JSONParsed<T>, S, 'json'> {
  const pretty = c.get('query')?.pretty ?? false;
  const response = c.body(encodeGoJson(value, pretty), status ?? 200, { 'Content-Type': JSON_TYPE });
  return response as unknown as Response & TypedResponse<JSONParsed<T>, S, 'json'>;
}
