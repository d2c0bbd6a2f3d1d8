// Turning a session create body into the SessionSpec the FSM stores, with Consul's defaults,
// its LockDelay rules, the default-check fix-up and Session.Apply's validation (all 500s).
import type { SessionSpec } from '../../storage/commands.ts';
import { badRequest, internalError } from '../lib/errors.ts';
import { formatGoDuration, NS_PER_MS, NS_PER_SECOND, parseGoDuration } from '../lib/go-duration.ts';
import type { SessionCreateBody } from '../schemas/session.ts';

/** Consul's built-in node health check, every session's default. */
const SERF_CHECK_ID = 'serfHealth';
const DEFAULT_LOCK_DELAY_NS = 15n * NS_PER_SECOND;
/** Numbers below this are taken as seconds ("5" means 5 s), as Consul does. */
const LOCK_DELAY_MIN_THRESHOLD = 1000n;
/** structs.SessionTTLMax. */
const SESSION_TTL_MAX_NS = 24n * 3600n * NS_PER_SECOND;

/** Consul's Session.UnmarshalJSON for LockDelay: a duration string or nanoseconds; else 0. */
function lockDelayNs(raw: unknown): bigint {
  let ns = 0n;
  if (typeof raw === 'string') {
    const parsed = parseGoDuration(raw);
    if (!parsed.ok) throw badRequest(`Request decode failed: ${parsed.error}`);
    ns = parsed.ns;
  } else if (typeof raw === 'number') {
    ns = BigInt(Math.trunc(raw));
  } else if (typeof raw === 'bigint') {
    ns = raw;
  }
  if (ns < LOCK_DELAY_MIN_THRESHOLD) ns *= NS_PER_SECOND;
  return ns;
}

/**
 * The default-check fix-up: NodeChecks and the legacy Checks both start as [serfHealth]; an
 * empty (or null) Checks removes every default; Checks of exactly [serfHealth] is dropped for
 * NodeChecks; other legacy Checks are kept unless NodeChecks was emptied. The state store
 * then watches NodeChecks followed by Checks, which is what this returns.
 */
function fixupChecks(body: SessionCreateBody): string[] | null {
  let nodeChecks: readonly string[] | null = 'NodeChecks' in body ? (body.NodeChecks ?? null) : [SERF_CHECK_ID];
  let checks: readonly string[] | null = 'Checks' in body ? (body.Checks ?? null) : [SERF_CHECK_ID];
  if (checks === null || checks.length === 0) nodeChecks = [];
  else if (checks.length === 1 && checks[0] === SERF_CHECK_ID) checks = null;
  else if (nodeChecks === null || nodeChecks.length === 0) checks = null;
  const all = [...(nodeChecks ?? []), ...(checks ?? [])];
  if (nodeChecks === null && all.length === 0) return null;
  return [...new Set(all)];
}

/** Session.Apply's TTL rule: parseable, and 0 or within [session_ttl_min, 24h]. */
function validateTtl(ttl: string, minMs: number): void {
  if (ttl === '') return;
  const parsed = parseGoDuration(ttl);
  if (!parsed.ok) throw internalError(`Session TTL '${ttl}' invalid: ${parsed.error}`);
  const min = BigInt(minMs) * NS_PER_MS;
  if (parsed.ns !== 0n && (parsed.ns < min || parsed.ns > SESSION_TTL_MAX_NS)) {
    throw internalError(`Invalid Session TTL '${parsed.ns}', must be between [${formatGoDuration(min)}=${formatGoDuration(SESSION_TTL_MAX_NS)}]`);
  }
}

/**
 * A negative delay means none. Consul stores larger ones as given and caps them at 60 s when a
 * session is invalidated (the FSM does the same); only values beyond 2^53 ns (104 days), which
 * a JSON number cannot carry exactly, are cut to the largest safe integer.
 */
function storableLockDelay(ns: bigint): number {
  if (ns < 0n) return 0;
  return ns > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ns);
}

export interface SessionDefaults {
  readonly id: string;
  readonly nodeName: string;
  readonly sessionTtlMinMs: number;
  /** Consul's ACL check (session:write on the node), made where Session.Apply makes it. */
  readonly authorize?: (node: string) => void;
}

export function sessionSpec(body: SessionCreateBody, defaults: SessionDefaults): SessionSpec {
  const node = body.Node ?? defaults.nodeName;
  if (node === '') throw internalError('Must provide Node');
  defaults.authorize?.(node);
  const behavior = body.Behavior ?? '';
  if (behavior !== '' && behavior !== 'release' && behavior !== 'delete') throw internalError(`Invalid Behavior setting '${behavior}'`);
  const ttl = body.TTL ?? '';
  validateTtl(ttl, defaults.sessionTtlMinMs);
  const delay = body.LockDelay === undefined ? DEFAULT_LOCK_DELAY_NS : lockDelayNs(body.LockDelay);
  return {
    id: defaults.id,
    name: body.Name ?? '',
    node,
    lockDelayNs: storableLockDelay(delay),
    behavior: behavior === 'delete' ? 'delete' : 'release',
    ttl,
    nodeChecks: fixupChecks(body),
    serviceChecks: body.ServiceChecks ? body.ServiceChecks.map((c) => ({ id: c.ID, namespace: c.Namespace ?? '' })) : null,
  };
}
