// URL pieces in Consul's style, shared by the API client and the tests.
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** A query string in Consul's style: a `true` flag is a bare name (`?keys&recurse`). */
export function queryString(query: Query = {}): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue;
    parts.push(value === true ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** Percent-encodes a rest-of-path parameter (a KV key, a service name) segment by segment. */
export const encodePath = (value: string): string => value.split('/').map(encodeURIComponent).join('/');

/**
 * The next ?index= of a blocking query (Consul's client rules): an index that went backwards
 * (a snapshot restore, a new leader's store) or is not positive restarts from 0 (a plain read).
 */
export function nextIndex(previous: number, received: number): number {
  if (!Number.isSafeInteger(received) || received <= 0) return 0;
  return received < previous ? 0 : received;
}
