// The UI's only way to the agent: fetch against the public /v1 API, with the session's ACL
// token. Results are values, never throws (except an abort, which ends the caller's work).
import { currentToken } from './token.ts';
import { queryString, type Query } from './url.ts';

export { encodePath, type Query } from './url.ts';

export type ApiResult<T> =
  | { readonly ok: true; readonly value: T; readonly index: number; readonly status: number }
  | { readonly ok: false; readonly status: number; readonly message: string };

export interface RequestOptions {
  readonly method?: 'GET' | 'PUT' | 'DELETE';
  readonly query?: Query;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** A 404 that means "nothing here" (KV listings): answered with this value instead of an error. */
  readonly notFound?: unknown;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {};
  const token = currentToken();
  if (token !== '') headers['X-Consul-Token'] = token;
  let response: Response;
  try {
    response = await fetch(path + queryString(options.query), {
      method: options.method ?? 'GET',
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (err) {
    if (options.signal?.aborted === true) throw err;
    return { ok: false, status: 0, message: `The agent is unreachable (${String(err)})` };
  }
  const index = Number(response.headers.get('X-Consul-Index') ?? '0');
  if (response.status === 404 && options.notFound !== undefined) {
    return { ok: true, value: options.notFound as T, index, status: 404 };
  }
  const text = await response.text();
  if (!response.ok) return { ok: false, status: response.status, message: text.trim() || response.statusText };
  const type = response.headers.get('Content-Type') ?? '';
  const value = (type.includes('json') && text !== '' ? JSON.parse(text) : text) as T;
  return { ok: true, value, index, status: response.status };
}
