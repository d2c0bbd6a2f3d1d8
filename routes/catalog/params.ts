// The query parameters catalog and health reads share (consul-api.md §1.2, §5.4–5.5) and the
// post-query steps Consul's RPC layer applies in its order: tag and node-meta filters, the
// ?filter= expression, then ?near= sorting by estimated round-trip time.
import type { Context } from 'hono';
import { FILTER_ERROR_PREFIX, compileFilter, type FilterSchema } from '../filter/index.ts';
import type { AppEnv } from '../env.ts';
import { badRequest, internalError } from '../lib/errors.ts';
import type { CoordinateEntry, NodeEntry } from '../../storage/types.ts';
import type { StateReads } from '../../storage/state-store.ts';
import { sortByDistance, type Coordinate } from '../coordinate/vivaldi.ts';

/** `?near=_agent` means the node of the agent answering the request. */
export const NEAR_AGENT = '_agent';

export interface CatalogParams {
  /** Every ?tag (all must match, case-insensitively). */
  readonly tags: readonly string[];
  /** ?node-meta pairs (all must match exactly). */
  readonly nodeMeta: readonly (readonly [string, string])[];
  /** ?near, with _agent resolved to this server's node; "" for none. */
  readonly near: string;
  readonly filter: string;
}

export function catalogParams(c: Context<AppEnv>): CatalogParams {
  const params = new URL(c.req.url).searchParams;
  const nodeMeta = params.getAll('node-meta').map((pair): [string, string] => {
    const at = pair.indexOf(':');
    return at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
  });
  const near = params.get('near') ?? '';
  return {
    tags: params.getAll('tag'),
    nodeMeta,
    near: near === NEAR_AGENT ? c.var.services.info.nodeName : near,
    filter: params.get('filter') ?? '',
  };
}

/** Consul's getBoolQueryParam for ?passing: absent false, empty true, else ParseBool. */
export function passingParam(c: Context<AppEnv>): boolean {
  const params = new URL(c.req.url).searchParams;
  if (!params.has('passing')) return false;
  const raw = params.get('passing') ?? '';
  if (raw === '') return true;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  throw badRequest('Invalid value for ?passing');
}

/** Compiles ?filter= for an element type; a bad expression is Consul's 500. */
export function compiledFilter(expression: string, schema: FilterSchema): (value: unknown) => boolean {
  const compiled = compileFilter(expression, schema);
  if (!compiled.ok) throw internalError(FILTER_ERROR_PREFIX + compiled.error);
  return compiled.matches;
}

/** A node carries every requested meta pair. */
export function matchesNodeMeta(meta: Readonly<Record<string, string>> | null, pairs: CatalogParams['nodeMeta']): boolean {
  return pairs.every(([k, v]) => meta !== null && Object.hasOwn(meta, k) && meta[k] === v);
}

/** A service carries every requested tag (case-insensitive, as Consul's serviceTagFilter). */
export function hasTags(serviceTags: readonly string[] | null, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  const have = new Set((serviceTags ?? []).map((t) => t.toLowerCase()));
  return wanted.every((t) => have.has(t.toLowerCase()));
}

/** Node name (lower-cased) → its coordinate in the default segment. */
function coordinateIndex(state: StateReads): Map<string, Coordinate> {
  const out = new Map<string, Coordinate>();
  for (const c of state.coordinateList().coordinates as readonly CoordinateEntry[]) if (c.segment === '') out.set(c.node.toLowerCase(), c.coord);
  return out;
}

/** Consul's sortNodesByDistanceFrom: a no-op without ?near or when the source has no coordinate. */
export function sortNear<T>(state: StateReads, near: string, items: readonly T[], nodeOf: (item: T) => string): T[] {
  if (near === '' || items.length < 2) return [...items];
  const coords = coordinateIndex(state);
  return sortByDistance(items, coords.get(near.toLowerCase()), (item) => coords.get(nodeOf(item).toLowerCase()));
}

/** Node rows by lower-cased name, fetched once per distinct node. */
export function nodeLookup(state: StateReads): (name: string) => NodeEntry | null {
  const cache = new Map<string, NodeEntry | null>();
  return (name) => {
    const key = name.toLowerCase();
    if (!cache.has(key)) cache.set(key, state.nodeGet(name).node);
    return cache.get(key) ?? null;
  };
}

/** Consul's X-Consul-Effective-Consistency for the mode a catalog or health read was served in. */
export function setEffectiveConsistency(c: Context<AppEnv>, mode: 'default' | 'stale' | 'consistent'): void {
  c.header('X-Consul-Effective-Consistency', mode === 'default' ? 'leader' : mode);
}
