// Serving a read the way Consul's RPC layer does: parse() the options, refuse other
// datacenters, pass the consistency barrier, then run the query once or as a blocking query
// (storage's loop over the watch hub) and report its index and the leader meta as headers.
import type { Context } from 'hono';
import { blockingQuery } from '../../storage/blocking-query.ts';
import type { WatchKey } from '../../storage/types.ts';
import { aclWatchKeys } from '../acl/enforce.ts';
import type { AppEnv } from '../env.ts';
import { setQueryMeta } from '../middleware/consul-headers.ts';
import { requireLocalDatacenter, requireQueryOptions } from './rpc.ts';

export interface Query<T extends { readonly index: number }> {
  /** What the read depends on; a blocking query wakes when one of these changes. */
  readonly watch: readonly WatchKey[];
  /** The read itself, against this server's applied state. */
  readonly run: () => T;
}

/** ?index beyond any Raft index this server could reach: block until the wait ends. */
const toMinIndex = (index: bigint): number => (index > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(index));

export async function serveQuery<T extends { readonly index: number }>(c: Context<AppEnv>, query: Query<T>): Promise<T> {
  const options = requireQueryOptions(c);
  requireLocalDatacenter(c);
  const services = c.get('services');
  await services.readBarrier(options.consistency);
  let reruns = 0;
  const result = await blockingQuery(services.watches, {
    minIndex: toMinIndex(options.minIndex),
    waitMs: options.waitMs,
    // The request's own token too: deleting it mid-wait ends the wait, and the re-run refuses.
    watch: [...query.watch, ...aclWatchKeys(c)],
    // Consul re-verifies leadership on every iteration of a ?consistent blocking query; the
    // token is re-resolved on every iteration (403 "ACL not found" once it is gone or expired).
    run: async () => {
      if (reruns++ > 0 && options.consistency === 'consistent') await services.readBarrier('consistent');
      if (c.get('acl').enabled) c.get('acl').identity();
      return query.run();
    },
    // Only a blocking query waits; the adapter builds an AbortSignal per request on first access.
    ...(options.minIndex > 0n ? { signal: c.req.raw.signal } : {}),
    timer: services.waitTimer,
  });
  setQueryMeta(c, result.index, services.readMeta());
  return result;
}
