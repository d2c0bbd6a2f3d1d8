// PUT /v1/txn in Consul's order: body size (Content-Length, then while reading), decoding
// ("Failed to parse body: …"), the op count, each value's size; then the read-only fast path
// (parse(), consistency barrier, local state) or one txn command through Raft.
import type { Context } from 'hono';
import { MAX_TXN_OPS, type TxnApplyResult, type TxnError, type TxnOp } from '../../storage/commands.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { readBodyLimited } from '../lib/body.ts';
import { HttpError, TXN_LIMIT_DOC } from '../lib/errors.ts';
import { decodeJson } from '../lib/json-body.ts';
import { sendJson } from '../lib/respond.ts';
import { requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import { setLeaderMeta } from '../middleware/consul-headers.ts';
import { TxnRequestSchema, txnResultJson, type TxnErrorJson, type TxnOpInput, type TxnResultJson } from '../schemas/txn.ts';
import { decodeKvValues, planOps, type PlannedOp } from './txn-ops.ts';
import { txnOpErrors, txnResultVisible } from '../acl/command-acl.ts';
import { authorizer } from '../acl/enforce.ts';
import type { TxnRoute } from './txn.routes.ts';

type Ctx = Context<AppEnv>;

interface TxnOutcome {
  readonly results: TxnResultJson[] | null;
  readonly errors: TxnErrorJson[] | null;
}

/** Ops refused before any state is consulted, with their positions in the request. */
const refusedOps = (planned: readonly PlannedOp[]): TxnErrorJson[] =>
  planned.flatMap((p, opIndex) => (p.ok ? [] : [{ OpIndex: opIndex, What: p.what }]));

/** The storage outcome in Consul's JSON; `positions` maps each evaluated op to its request index. */
function outcomeJson(r: Pick<TxnApplyResult, 'results' | 'errors'>, positions: readonly number[], refused: readonly TxnErrorJson[]): TxnOutcome {
  const failed = [...refused, ...(r.errors ?? []).map((e) => ({ OpIndex: positions[e.opIndex] ?? e.opIndex, What: e.what }))];
  if (failed.length > 0) return { results: null, errors: failed.sort((a, b) => a.OpIndex - b.OpIndex) };
  return { results: (r.results ?? []).map(txnResultJson), errors: null };
}

/** The ops that can be evaluated, and where each sits in the request. */
function evaluable(planned: readonly PlannedOp[]): { ops: TxnOp[]; positions: number[] } {
  const ops: TxnOp[] = [];
  const positions: number[] = [];
  planned.forEach((p, i) => {
    if (!p.ok) return;
    ops.push(p.op);
    positions.push(i);
  });
  return { ops, positions };
}

async function decodeOps(c: Ctx): Promise<TxnOpInput[]> {
  const { txnMaxReqLen, kvMaxValueSize } = c.get('services').limits;
  // Consul lets kv_max_value_size raise the txn limit, so one maximal value always fits.
  const max = Math.max(txnMaxReqLen, kvMaxValueSize);
  const bytes = await readBodyLimited(c, {
    maxBytes: max,
    declaredTooLarge: (n) => new HttpError(413, `Request body(${n} bytes) too large, max size: ${max} bytes. See ${TXN_LIMIT_DOC}.`),
    streamedTooLarge: () => new HttpError(413, `Request body too large, max size: ${max} bytes. See ${TXN_LIMIT_DOC}.`),
  });
  return decodeJson(bytes, TxnRequestSchema, { errorPrefix: 'Failed to parse body: ', goType: 'api.TxnOps' });
}

/** The query meta Go embeds in a read-only transaction's body. */
interface EmbeddedMeta {
  readonly Index: number;
  readonly LastContact: number;
  readonly KnownLeader: boolean;
  readonly ConsistencyLevel: string;
  readonly NotModified: boolean;
  readonly Backend: number;
  readonly ResultsFilteredByACLs: boolean;
}

function respond(c: Ctx, outcome: TxnOutcome, meta?: EmbeddedMeta) {
  const body = { Results: outcome.results, Errors: outcome.errors, ...meta };
  return sendJson(c, body, outcome.errors === null ? 200 : 409);
}

/**
 * Consul's txn ACL handling: ops the token may not perform are refused before anything runs
 * (reported like failed ops, 409), and results it may not read are dropped afterwards.
 */
function aclRefusals(c: Ctx, ops: readonly TxnOp[]): TxnError[] {
  return c.get('acl').enabled ? txnOpErrors(authorizer(c), ops, c.get('services').state) : [];
}

function visible(c: Ctx, r: Pick<TxnApplyResult, 'results' | 'errors'>): { result: Pick<TxnApplyResult, 'results' | 'errors'>; filtered: boolean } {
  if (!c.get('acl').enabled || r.results === null) return { result: r, filtered: false };
  const authz = authorizer(c);
  const results = r.results.filter((entry) => txnResultVisible(authz, entry));
  return { result: { results, errors: r.errors }, filtered: results.length < r.results.length };
}

async function readOnly(c: Ctx, planned: readonly PlannedOp[]) {
  const options = requireQueryOptions(c);
  requireLocalDatacenter(c);
  const meta = await c.get('services').readBarrier(options.consistency);
  const { ops, positions } = evaluable(planned);
  const denied = aclRefusals(c, ops);
  const read = denied.length > 0 ? { result: { results: null, errors: denied }, filtered: false } : visible(c, c.get('services').state.txnRead(ops));
  const outcome = outcomeJson(read.result, positions, refusedOps(planned));
  setLeaderMeta(c, meta);
  // Go embeds QueryMeta in TxnReadResponse, so its fields appear in the body too.
  return respond(c, outcome, {
    Index: 0,
    LastContact: Math.max(0, Math.floor(meta.lastContactMs)) * 1_000_000,
    KnownLeader: meta.knownLeader,
    ConsistencyLevel: '',
    NotModified: false,
    Backend: 0,
    ResultsFilteredByACLs: read.filtered && c.get('acl').tokenSupplied,
  });
}

async function write(c: Ctx, planned: readonly PlannedOp[]) {
  requireLocalDatacenter(c);
  // A refused op would fail the transaction anyway; it never reaches the Raft log.
  const refused = refusedOps(planned);
  if (refused.length > 0) return respond(c, { results: null, errors: refused });
  const { ops, positions } = evaluable(planned);
  const denied = aclRefusals(c, ops);
  if (denied.length > 0) return respond(c, outcomeJson({ results: null, errors: denied }, positions, []));
  const { result } = await c.get('services').apply({ type: 'txn', ops }, c.get('query').token);
  return respond(c, outcomeJson(visible(c, result).result, positions, []));
}

export const txn: AppRouteHandler<TxnRoute> = async (c) => {
  const ops = await decodeOps(c);
  if (ops.length > MAX_TXN_OPS) throw new HttpError(413, `Transaction contains too many operations (${ops.length} > ${MAX_TXN_OPS})`);
  const values = decodeKvValues(ops, c.get('services').limits.kvMaxValueSize);
  const planned = planOps(ops, values, c.get('services').info.datacenter);
  return planned.some((p) => p.write) ? write(c, planned) : readOnly(c, planned);
};
