// KV handlers, in the order Consul's KVSEndpoint checks things: parse() first, then the key,
// conflicting flags, ?flags/?cas parsing (Go's ParseUint errors are 500s), the body limit,
// and finally the RPC (datacenter, consistency barrier or Raft).
import type { Context } from 'hono';
import type { KvDeleteCas, KvDeleteTree, KvDelete, KvSet, KvCas, KvLock, KvUnlock } from '../../storage/commands.ts';
import { isCommandError } from '../../storage/commands.ts';
import { watchFor } from '../../storage/state-store.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { readBodyLimited, type BodyLimit } from '../lib/body.ts';
import { badRequest, HttpError, internalError, KV_LIMIT_DOC } from '../lib/errors.ts';
import { parseUint64 } from '../lib/go-strconv.ts';
import { encodeValues } from '../lib/go-url.ts';
import { serveQuery } from '../lib/read.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import { sessionLookupError } from '../lib/session-id.ts';
import { toDirEntryJson } from '../schemas/kv.ts';
import { filterByAcl, requireAcl } from '../acl/enforce.ts';
import { collapseKeys } from './collapse-keys.ts';
import type { DeleteRoute, GetRoute, PutRoute } from './kv.routes.ts';

type Ctx = Context<AppEnv>;

const searchParams = (c: Ctx): URLSearchParams => c.get('query').params;

/** Consul's conflictingFlags: at most one of `names` may be present. */
function refuseConflictingFlags(c: Ctx, ...names: string[]): void {
  const params = searchParams(c);
  if (names.filter((n) => params.has(n)).length > 1) throw badRequest(`Conflicting flags: ${encodeValues(params)}\n`);
}

/** A present uint64 parameter, parsed as Go's ParseUint; a bad value is a 500 with Go's text. */
function uint64Param(c: Ctx, name: string): bigint | null {
  const params = searchParams(c);
  if (!params.has(name)) return null;
  const parsed = parseUint64(params.get(name) ?? '');
  if (!parsed.ok) throw internalError(parsed.error);
  return parsed.value;
}

/** Raft indexes are safe integers; a larger cas index can never match, so any such value will do. */
const casIndex = (v: bigint): number => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));

export const get: AppRouteHandler<GetRoute> = async (c) => {
  requireQueryOptions(c);
  const { key } = c.req.valid('param');
  const query = c.req.valid('query');
  const state = c.get('services').state;
  const listPolicy = c.get('services').acl?.enableKeyListPolicy ?? false;
  if (query.keys !== undefined) {
    requireDefaultTenancy(c);
    if (listPolicy) requireAcl(c, 'keyList', key);
    const separator = query.separator ?? query.seperator ?? '';
    // With ACLs, keys are filtered one by one before they are collapsed (Consul's ListKeys).
    const run = c.get('acl').enabled
      ? () => {
          const all = state.kvKeys(key, '');
          return { index: all.index, keys: collapseKeys(filterByAcl(c, all.keys, (a, k) => a.keyRead(k)), key, separator) };
        }
      : () => state.kvKeys(key, separator);
    const out = await serveQuery(c, { watch: watchFor.kvKeys(key), run });
    if (out.keys.length === 0 && key !== '') return c.body(null, 404);
    return sendJson(c, [...out.keys]);
  }
  if (query.recurse !== undefined) {
    requireDefaultTenancy(c);
    if (listPolicy) requireAcl(c, 'keyList', key);
    const run = () => {
      const all = state.kvList(key);
      return { index: all.index, entries: filterByAcl(c, all.entries, (a, e) => a.keyRead(e.key)) };
    };
    const out = await serveQuery(c, { watch: watchFor.kvList(key), run });
    if (out.entries.length === 0) return c.body(null, 404);
    return sendJson(c, out.entries.map(toDirEntryJson));
  }
  if (key === '') throw badRequest('Missing key name');
  requireDefaultTenancy(c);
  const run = () => {
    const one = state.kvGet(key);
    requireAcl(c, 'keyRead', key);
    return one;
  };
  const out = await serveQuery(c, { watch: watchFor.kvGet(key), run });
  if (out.entry === null) return c.body(null, 404);
  if (query.raw !== undefined) {
    const bytes = out.entry.value === null ? new Uint8Array(0) : Uint8Array.from(out.entry.value);
    return c.body(bytes, 200, {
      'Content-Type': 'text/plain',
      'Content-Length': String(bytes.byteLength),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
    });
  }
  return sendJson(c, [toDirEntryJson(out.entry)]);
};

function kvValueLimit(c: Ctx): BodyLimit {
  const max = c.get('services').limits.kvMaxValueSize;
  return {
    maxBytes: max,
    declaredTooLarge: (n) => new HttpError(413, `Request body(${n} bytes) too large, max size: ${max} bytes. See ${KV_LIMIT_DOC}.`),
    streamedTooLarge: () => new HttpError(413, `Request body too large, max size: ${max} bytes. See ${KV_LIMIT_DOC}.`),
  };
}

type KvWriteCommand = KvSet | KvCas | KvLock | KvUnlock;

/** The write a PUT asks for, from its query; the value is supplied once the body is read. */
function putCommandFor(c: Ctx, key: string): (value: string | null) => KvWriteCommand {
  const params = searchParams(c);
  const flags = (uint64Param(c, 'flags') ?? 0n).toString();
  const cas = uint64Param(c, 'cas');
  return (value) => {
    const base = { key, value, flags };
    if (params.has('acquire')) return { type: 'kv.lock', session: params.get('acquire') ?? '', ...base };
    if (params.has('release')) return { type: 'kv.unlock', session: params.get('release') ?? '', ...base };
    if (cas !== null) return { type: 'kv.cas', index: casIndex(cas), ...base };
    return { type: 'kv.set', ...base };
  };
}

/** Consul's state store refuses these lock requests before any lookup succeeds. */
function lockRequestError(cmd: KvWriteCommand): string | null {
  if (cmd.type !== 'kv.lock' && cmd.type !== 'kv.unlock') return null;
  if (cmd.session === '') return 'missing session';
  return cmd.type === 'kv.lock' ? sessionLookupError(cmd.session) : null;
}

export const put: AppRouteHandler<PutRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const { key } = c.req.valid('param');
  if (key === '') throw badRequest('Missing key name');
  refuseConflictingFlags(c, 'cas', 'acquire', 'release');
  const commandFor = putCommandFor(c, key); // ?flags and ?cas are refused before the body is read
  const body = await readBodyLimited(c, kvValueLimit(c));
  const command = commandFor(body.byteLength === 0 ? null : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'));
  requireLocalDatacenter(c);
  // Consul's leader checks key:write before it looks at the lock's session; so do we (the leader again).
  requireAcl(c, 'keyWrite', key);
  const refused = lockRequestError(command);
  if (refused !== null) throw internalError(refused);
  const { result } = await c.get('services').apply(command, c.get('query').token);
  if (isCommandError(result)) throw internalError(result.error);
  return sendJson(c, command.type === 'kv.set' ? true : result);
};

type KvDeleteCommand = KvDelete | KvDeleteTree | KvDeleteCas;

export const del: AppRouteHandler<DeleteRoute> = async (c) => {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const { key } = c.req.valid('param');
  refuseConflictingFlags(c, 'recurse', 'cas');
  const recurse = searchParams(c).has('recurse');
  if (!recurse && key === '') throw badRequest('Missing key name');
  const cas = uint64Param(c, 'cas');
  const command: KvDeleteCommand =
    cas !== null ? { type: 'kv.delete-cas', key, index: casIndex(cas) } : recurse ? { type: 'kv.delete-tree', prefix: key } : { type: 'kv.delete', key };
  requireLocalDatacenter(c);
  if (command.type === 'kv.delete-tree') requireAcl(c, 'keyWritePrefix', key);
  else requireAcl(c, 'keyWrite', key);
  const { result } = await c.get('services').apply(command, c.get('query').token);
  return sendJson(c, command.type === 'kv.delete-cas' ? result : true);
};
