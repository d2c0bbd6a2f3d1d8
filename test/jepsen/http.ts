// The workloads' HTTP client: one request to one server with a deadline, classified as an
// answer, a refusal (the request never reached a server: nothing happened) or an
// indeterminate failure (timeout, reset after sending: anything may have happened).

export type HttpResult =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Headers; readonly body: string }
  | { readonly kind: 'refused'; readonly error: string }
  | { readonly kind: 'indeterminate'; readonly error: string };

export interface RequestOptions {
  readonly method?: string;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Abandons the request early (the caller no longer wants the answer). */
  readonly signal?: AbortSignal;
}

export async function request(url: string, options: RequestOptions): Promise<HttpResult> {
  try {
    const res = await fetch(url, {
      method: options.method ?? 'GET',
      ...(options.body === undefined ? {} : { body: options.body }),
      signal: options.signal === undefined ? AbortSignal.timeout(options.timeoutMs) : AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]),
    });
    const body = await res.text();
    return { kind: 'response', status: res.status, headers: res.headers, body };
  } catch (err) {
    const code = errorCode(err);
    // ECONNREFUSED: no server listened, so no server saw the request.
    if (code === 'ECONNREFUSED') return { kind: 'refused', error: code };
    return { kind: 'indeterminate', error: code ?? (err instanceof Error ? err.message : String(err)) };
  }
}

function errorCode(err: unknown): string | undefined {
  // Bounded: an error's cause chain is short; stop after a few links regardless.
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== undefined && e !== null; depth++) {
    if (typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') return (e as { code: string }).code;
    if (e instanceof Error && e.name === 'TimeoutError') return 'timeout';
    e = typeof e === 'object' && 'cause' in e ? (e as { cause: unknown }).cause : undefined;
  }
  return undefined;
}

/** "500 No cluster leader" for notes in histories. */
export function describeResult(r: HttpResult): string {
  if (r.kind !== 'response') return `${r.kind}: ${r.error}`;
  return `${r.status} ${r.body.slice(0, 120).trim()}`;
}

/** The base64 `Value` of a KV entry as text (null for an empty value). */
export function decodeValue(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : Buffer.from(value, 'base64').toString('utf8');
}
