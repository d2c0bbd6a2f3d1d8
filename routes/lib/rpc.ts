// The checks Consul makes on the way to its RPC layer: query options that parse() validates,
// the datacenter, and the Enterprise-only namespace/partition parameters. Handlers call these
// at the point Consul would, so errors come out in Consul's order.
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import type { QueryOptions } from '../middleware/query-options.ts';
import { badRequest, HttpError, noPathToDatacenter } from './errors.ts';

/** Consul's parse(): the query options, or its 400. */
export function requireQueryOptions(c: Context<AppEnv>): QueryOptions {
  const options = c.get('query').options;
  if (options instanceof HttpError) throw options;
  return options;
}

/** A request for another datacenter cannot be forwarded: this is a single-datacenter server. */
export function requireLocalDatacenter(c: Context<AppEnv>): void {
  const dc = c.get('query').dc;
  if (dc !== '' && dc !== c.get('services').info.datacenter) throw noPathToDatacenter();
}

/** Consul CE refuses a non-default namespace or partition with these 400 texts. */
export function requireDefaultTenancy(c: Context<AppEnv>): void {
  const ns = c.req.header('x-consul-namespace') ?? '';
  if (ns !== '' && ns !== 'default') {
    throw badRequest('Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature');
  }
  const params = c.get('query').params;
  const queryNs = params.get('ns') ?? '';
  if (queryNs !== '' && queryNs !== 'default') {
    throw badRequest('Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature');
  }
  const partition = params.get('partition') ?? '';
  if (partition !== '' && partition !== 'default') {
    throw badRequest('Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature');
  }
}
