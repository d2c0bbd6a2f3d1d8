// Consul's query-meta headers (agent/http.go setMeta and friends). Blocking-capable reads set
// all of them, 404s included (python-consul reads X-Consul-Index on a KV miss); read-only
// transactions set only the leader ones. The Go API client refuses a query response whose
// X-Consul-Index or X-Consul-LastContact is missing, and an index of 0 would make every
// blocking client spin, so it is reported as 1.
import type { Context } from 'hono';
import type { ReadMeta } from '../services.ts';

export function setLeaderMeta(c: Context, meta: ReadMeta): void {
  c.header('X-Consul-LastContact', String(Math.max(0, Math.floor(meta.lastContactMs))));
  c.header('X-Consul-KnownLeader', meta.knownLeader ? 'true' : 'false');
}

export function setQueryMeta(c: Context, index: number, meta: ReadMeta): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`query index ${index} is not a uint64`);
  setLeaderMeta(c, meta);
  c.header('X-Consul-Index', String(Math.max(1, index)));
  c.header('X-Consul-Query-Backend', 'blocking-query');
}
