// Consul's query-string conventions, parsed once per request (agent/http.go parse*): the token,
// ?dc, ?pretty, and what Consul's parse() checks — consistency flags, ?max_stale, ?wait and
// ?index. Endpoints that call parse() in Consul ask for `options` and get its 400 if it failed;
// the rest (session create/destroy, txn writes) never see those errors, as in Consul.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { badRequest, type HttpError } from '../lib/errors.ts';
import { NS_PER_MS, parseGoDuration } from '../lib/go-duration.ts';
import { goQuote, parseUint64 } from '../lib/go-strconv.ts';
import type { ConsistencyMode } from '../services.ts';

export interface QueryOptions {
  readonly consistency: ConsistencyMode;
  /** ?cached: servers answer as in default mode; kept for the conflict rule only. */
  readonly cached: boolean;
  /** ?max_stale in nanoseconds; 0n when absent. A positive value implies stale. */
  readonly maxStaleNs: bigint;
  /** ?index: 0n means "do not block". */
  readonly minIndex: bigint;
  /** The blocking wait in ms, already clamped and jittered; used only when minIndex > 0. */
  readonly waitMs: number;
}

export interface RequestQuery {
  /** The request's query parameters, parsed once here for every later reader. */
  readonly params: URLSearchParams;
  /** ?dc as given; "" means this server's datacenter. */
  readonly dc: string;
  /** The ACL secret from ?token, X-Consul-Token or Authorization: Bearer; "" for none. Never log it. */
  readonly token: string;
  readonly pretty: boolean;
  /** Consul's parse() outcome: the options, or the 400 it answers with. */
  readonly options: QueryOptions | HttpError;
}

export interface BlockingWaitConfig {
  /** Used when ?wait is absent or not positive (Consul's default_query_time, 5 min). */
  readonly defaultQueryTimeMs: number;
  /** ?wait above this is clamped, never refused (Consul's max_query_time, 10 min). */
  readonly maxQueryTimeMs: number;
}

/** Consul adds up to wait/16 of random jitter so that many watchers do not wake in step. */
const JITTER_FRACTION = 16;

/** The token as Consul resolves it: ?token, then X-Consul-Token, then Authorization: Bearer. */
export function resolveToken(params: URLSearchParams, header: (name: string) => string | undefined): string {
  const fromQuery = params.get('token');
  if (fromQuery) return fromQuery;
  const fromHeader = header('x-consul-token');
  if (fromHeader) return fromHeader;
  const parts = (header('authorization') ?? '').split(' ');
  if (parts.length > 1 && parts[0]?.toLowerCase() === 'bearer') {
    return parts.slice(1).join(' ').trim().split(' ')[0]?.trim() ?? '';
  }
  return '';
}

/** Clamps a requested wait into (0, max], defaulting non-positive values, then adds jitter. */
export function effectiveWaitMs(requestedNs: bigint, config: BlockingWaitConfig, random: () => number): number {
  let wait = requestedNs <= 0n ? config.defaultQueryTimeMs : Number(requestedNs) / Number(NS_PER_MS);
  if (wait > config.maxQueryTimeMs) wait = config.maxQueryTimeMs;
  const r = random();
  if (!(r >= 0 && r < 1)) throw new Error(`random() must return a value in [0, 1), got ${r}`);
  return wait + Math.floor(r * (wait / JITTER_FRACTION));
}

/** Consul's parseConsistency + parseWait, in its order, stopping at the first error. */
export function parseQueryOptions(params: URLSearchParams, config: BlockingWaitConfig, random: () => number): QueryOptions | HttpError {
  let stale = params.has('stale');
  const consistent = params.has('consistent');
  const cached = params.has('cached');
  let maxStaleNs = 0n;
  const maxStale = params.get('max_stale') ?? '';
  if (maxStale !== '') {
    const parsed = parseGoDuration(maxStale);
    if (!parsed.ok) return badRequest(`Invalid max_stale value ${goQuote(maxStale)}`);
    maxStaleNs = parsed.ns;
    if (parsed.ns > 0n) stale = true;
  }
  if (stale && consistent) return badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  if (cached && consistent) return badRequest('Cannot specify ?cached with ?consistent, conflicting semantics.');

  let waitNs = 0n;
  const wait = params.get('wait') ?? '';
  if (wait !== '') {
    const parsed = parseGoDuration(wait);
    if (!parsed.ok) return badRequest('Invalid wait time');
    waitNs = parsed.ns;
  }
  let minIndex = 0n;
  const index = params.get('index') ?? '';
  if (index !== '') {
    const parsed = parseUint64(index);
    if (!parsed.ok) return badRequest('Invalid index');
    minIndex = parsed.value;
  }
  const consistency: ConsistencyMode = consistent ? 'consistent' : stale ? 'stale' : 'default';
  return { consistency, cached, maxStaleNs, minIndex, waitMs: effectiveWaitMs(waitNs, config, random) };
}

/** Puts the parsed query on the context as `query`. */
export const queryOptions = createMiddleware<AppEnv>(async (c, next) => {
  const services = c.get('services');
  const params = new URL(c.req.url).searchParams;
  c.set('query', {
    params,
    dc: params.get('dc') ?? '',
    token: resolveToken(params, (name) => c.req.header(name)),
    pretty: params.has('pretty'),
    options: parseQueryOptions(params, services.limits, () => services.random()),
  });
  await next();
});
