// Shared zod schemas: Consul's query parameters, the query-meta response headers, uint64, and
// the plain-text error responses every route lists (openstatus' spread-in error map).
import { z } from '@hono/zod-openapi';

const param = (description: string) => z.string().optional().openapi({ description });
const presence = (description: string) => param(`${description} Presence flag: any value, even "false", turns it on.`);

/** uint64 on the wire: emitted as an exact JSON integer (bigint internally, up to 2^64-1). */
export const U64 = z
  .custom<bigint>((v) => typeof v === 'bigint')
  .openapi({ type: 'integer', format: 'uint64', minimum: 0, description: 'uint64, up to 18446744073709551615.' } as never);

/** Parameters every wrapped endpoint reads: datacenter, token, pretty printing. */
export const CommonQuery = z.object({
  dc: param('Datacenter; only this server\'s own datacenter is reachable ("No path to datacenter" otherwise).'),
  token: param('ACL token (deprecated; prefer the X-Consul-Token header).'),
  pretty: presence('Indent JSON by four spaces.'),
  ns: param('Enterprise namespace; only empty or "default" is accepted.'),
  partition: param('Enterprise admin partition; only empty or "default" is accepted.'),
});

/** Consistency mode parameters (Consul §1.9). */
const ConsistencyQuery = z.object({
  stale: presence('Serve from any server\'s local state.'),
  consistent: presence('Verify leadership with a quorum before reading.'),
  leader: presence('Force the default consistency mode.'),
  cached: presence('Accepted; servers answer as in the default mode.'),
  max_stale: param('Go duration; a positive value implies stale.'),
});

/** Blocking query parameters (Consul §1.8). */
const BlockingQuery = z.object({
  index: param('Block until the result index passes this value (uint64).'),
  wait: param('Go duration bounding the wait; default 5m, clamped to 10m, plus up to wait/16 jitter.'),
});

export const ReadQuery = CommonQuery.extend(ConsistencyQuery.shape).extend(BlockingQuery.shape);

const header = (description: string) => z.string().openapi({ description });

/** Headers of every blocking-capable read, including its 404s. */
export const QueryMetaHeaders = z.object({
  'X-Consul-Index': header('Raft index of the result (uint64, never 0).'),
  'X-Consul-KnownLeader': header('"true" when this server knows a leader.'),
  'X-Consul-LastContact': header('Milliseconds since this server last heard from the leader (0 on the leader).'),
  'X-Consul-Query-Backend': header('Always "blocking-query".'),
});

/** Headers of a read-only transaction (no index). */
export const ReadMetaHeaders = QueryMetaHeaders.pick({ 'X-Consul-KnownLeader': true, 'X-Consul-LastContact': true });

const text = (description: string) => ({
  description,
  content: { 'text/plain': { schema: z.string().openapi({ example: description }) } },
});

/** Error responses every route can produce, spread into each route's responses. */
export const commonErrors = {
  400: text('Bad request (invalid parameter or body), plain text.'),
  403: text('Permission denied or ACL not found, plain text.'),
  405: text('Method not allowed; the Allow header lists the methods.'),
  500: text('Internal error, e.g. "No cluster leader" or "No path to datacenter", plain text.'),
} as const;

export const tooLarge = text('Request body or value too large (413), plain text.');
export const notFoundText = (description: string) => text(description);

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
