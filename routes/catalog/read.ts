// Catalog and health reads as Consul's HTTP layer wraps them: the usual blocking read, plus
// ?max_stale's "retry once in default mode when the stale answer is too old" (only these
// endpoints do that) and the X-Consul-Effective-Consistency header.
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { NS_PER_MS } from '../lib/go-duration.ts';
import { serveQuery, type Query } from '../lib/read.ts';
import { requireQueryOptions } from '../lib/rpc.ts';
import { setQueryMeta } from '../middleware/consul-headers.ts';
import { setEffectiveConsistency } from './params.ts';

export async function serveCatalogQuery<T extends { readonly index: number }>(c: Context<AppEnv>, query: Query<T>): Promise<T> {
  const options = requireQueryOptions(c);
  const result = await serveQuery(c, query);
  const services = c.var.services;
  if (options.maxStaleNs > 0n && BigInt(Math.floor(services.readMeta().lastContactMs)) * NS_PER_MS > options.maxStaleNs) {
    const meta = await services.readBarrier('default');
    const fresh = query.run();
    setQueryMeta(c, fresh.index, meta);
    setEffectiveConsistency(c, 'default');
    return fresh;
  }
  setEffectiveConsistency(c, options.consistency);
  return result;
}
