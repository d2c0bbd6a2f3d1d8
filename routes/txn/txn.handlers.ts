// PUT /v1/txn in Consul's order: body size (Content-Length, then while reading), decoding
// ("Failed to parse body: …"), the op count, each value's size; then the read-only fast path
// (parse(), consistency barrier, local state) or one txn command through Raft.
import type { Context } from 'hono';
import type { TxnApplyResult, TxnOp } from '../../storage/commands.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { readBodyLimited } from '../lib/body.ts';
import { HttpError, TXN_LIMIT_DOC } from '../lib/errors.ts';
import { decodeJson } from '../lib/json-body.ts';
import { sendJson } from '../lib/respond.ts';
import { requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import { setLeaderMeta } from '../middleware/consul-headers.ts';
import { TxnRequestSchema, txnResultJson, type TxnOpInput } from '../schemas/txn.ts';
import { decodeKvValues, planOps, type PlannedOp } from './txn-ops.ts';
import { readTxn, type TxnOutcome } from './txn-read.ts';
import type { TxnRoute } from './txn.routes.ts';

/** Consul's maxTxnOps. */
export const MAX_TXN_OPS = 128;

type Ctx = Context<AppEnv>;

async function decodeOps(c: Ctx): Promise<TxnOpInput[]> {
  const { txnMaxReqLen, kvMaxValueSize } = c.var.services.limits;
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

async function readOnly(c: Ctx, planned: readonly PlannedOp[]) {
  const options = requireQueryOptions(c);
  requireLocalDatacenter(c);
  const meta = await c.var.services.readBarrier(options.consistency);
  const outcome = readTxn(c.var.services.state, planned);
  setLeaderMeta(c, meta);
  // Go embeds QueryMeta in TxnReadResponse, so its fields appear in the body too.
  return respond(c, outcome, {
    Index: 0,
    LastContact: Math.max(0, Math.floor(meta.lastContactMs)) * 1_000_000,
    KnownLeader: meta.knownLeader,
    ConsistencyLevel: '',
    NotModified: false,
    Backend: 0,
    ResultsFilteredByACLs: false,
  });
}

function applyOutcome(r: TxnApplyResult): TxnOutcome {
  if (r.errors !== null && r.errors.length > 0) return { results: null, errors: r.errors.map((e) => ({ OpIndex: e.opIndex, What: e.what })) };
  return { results: (r.results ?? []).map(txnResultJson), errors: null };
}

async function write(c: Ctx, planned: readonly PlannedOp[]) {
  requireLocalDatacenter(c);
  const refused = planned.flatMap((p, opIndex) => (p.ok ? [] : [{ OpIndex: opIndex, What: p.what }]));
  if (refused.length > 0) return respond(c, { results: null, errors: refused });
  const ops = planned.map((p) => (p as { op: TxnOp }).op);
  const { result } = await c.var.services.apply({ type: 'txn', ops }, c.var.query.token);
  return respond(c, applyOutcome(result));
}

export const txn: AppRouteHandler<TxnRoute> = async (c) => {
  const ops = await decodeOps(c);
  if (ops.length > MAX_TXN_OPS) throw new HttpError(413, `Transaction contains too many operations (${ops.length} > ${MAX_TXN_OPS})`);
  const values = decodeKvValues(ops, c.var.services.limits.kvMaxValueSize);
  const planned = planOps(ops, values, c.var.services.info.datacenter);
  return planned.some((p) => p.write) ? write(c, planned) : readOnly(c, planned);
};
