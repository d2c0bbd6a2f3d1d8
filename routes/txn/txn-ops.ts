// From the decoded /v1/txn body to FSM txn ops: Consul's convertOps (value sizes, write
// counting) plus the checks that keep malformed ops out of the Raft log (unknown verbs, empty
// ops), which Consul would report from its state store as op errors.
import type { CheckSpec, NodeSpec, ServiceSpec, TxnCatalogVerb, TxnKvVerb, TxnOp } from '../../storage/commands.ts';
import { formatInterval, storedDefinition, type CheckDefinitionBody, type StoredDefinition } from '../catalog/check-definition.ts';
import { HttpError } from '../lib/errors.ts';
import { goQuote } from '../lib/go-strconv.ts';
import type { KvOpInput, TxnOpInput } from '../schemas/txn.ts';

const KV_WRITE_VERBS: ReadonlySet<string> = new Set<TxnKvVerb>(['set', 'delete', 'delete-cas', 'delete-tree', 'cas', 'lock', 'unlock']);
const KV_VERBS: ReadonlySet<string> = new Set<TxnKvVerb>([
  ...(KV_WRITE_VERBS as ReadonlySet<TxnKvVerb>), 'get', 'get-or-empty', 'get-tree', 'check-index', 'check-session', 'check-not-exists',
]);
const CATALOG_VERBS: ReadonlySet<string> = new Set<TxnCatalogVerb>(['set', 'cas', 'get', 'delete', 'delete-cas']);
const CHECK_STATUSES: ReadonlySet<string> = new Set(['passing', 'warning', 'critical', 'maintenance']);

/** One op after conversion: ready for the FSM, or refused with the text Consul would report. */
export type PlannedOp =
  | { readonly ok: true; readonly op: TxnOp; readonly write: boolean }
  | { readonly ok: false; readonly what: string; readonly write: boolean };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Go's base64.StdEncoding.DecodeString (line breaks ignored), with its error text. */
function decodeStdBase64(s: string): { ok: true; bytes: Buffer } | { ok: false; error: string } {
  const clean = s.replace(/[\r\n]/g, '');
  if (!BASE64.test(clean) || clean.length % 4 !== 0) {
    const bad = [...clean].findIndex((ch, i) => !/[A-Za-z0-9+/=]/.test(ch) || (ch === '=' && i < clean.length - 2));
    const at = bad === -1 ? clean.length - (clean.length % 4) : bad;
    return { ok: false, error: `illegal base64 data at input byte ${at}` };
  }
  return { ok: true, bytes: Buffer.from(clean, 'base64') };
}

/** Raft indexes are safe integers; a larger ModifyIndex can never match, so cap it. */
const safeIndex = (v: bigint | undefined): number => (v === undefined ? 0 : v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));

/**
 * Decodes every KV value and enforces the per-value limit, in op order (Consul decodes values
 * with the body, so a bad one is a 400, and checks sizes before anything else runs).
 */
export function decodeKvValues(ops: readonly TxnOpInput[], kvMaxValueSize: number): (string | null)[] {
  return ops.map((op) => {
    const raw = op.KV?.Value;
    if (raw === undefined || raw === null) return null;
    const decoded = decodeStdBase64(raw);
    if (!decoded.ok) throw new HttpError(400, `Failed to parse body: ${decoded.error}`);
    if (decoded.bytes.byteLength > kvMaxValueSize) {
      throw new HttpError(413, `Value for key ${goQuote(op.KV?.Key ?? '')} is too large (${decoded.bytes.byteLength} > ${kvMaxValueSize} bytes)`);
    }
    return decoded.bytes.byteLength === 0 ? null : decoded.bytes.toString('base64');
  });
}

function planKv(kv: KvOpInput, value: string | null): PlannedOp {
  const verb = kv.Verb ?? '';
  if (!KV_VERBS.has(verb)) return { ok: false, what: `unknown KV verb ${goQuote(verb)}`, write: false };
  const op: TxnOp = {
    KV: { verb: verb as TxnKvVerb, key: kv.Key ?? '', value, flags: (kv.Flags ?? 0n).toString(), index: safeIndex(kv.Index), session: kv.Session ?? '' },
  };
  return { ok: true, op, write: KV_WRITE_VERBS.has(verb) };
}

function catalogVerb(kind: string, verb: string | undefined): { verb: TxnCatalogVerb } | { what: string } {
  const v = verb ?? '';
  return CATALOG_VERBS.has(v) ? { verb: v as TxnCatalogVerb } : { what: `unknown ${kind} verb ${goQuote(v)}` };
}

function nodeSpec(n: NonNullable<NonNullable<TxnOpInput['Node']>['Node']>, datacenter: string): NodeSpec {
  return {
    id: n.ID ?? '', node: n.Node ?? '', address: n.Address ?? '', datacenter: n.Datacenter || datacenter,
    taggedAddresses: n.TaggedAddresses ?? null, meta: n.Meta ?? null,
  };
}

function serviceSpec(s: NonNullable<NonNullable<TxnOpInput['Service']>['Service']>): ServiceSpec {
  const extra: Record<string, unknown> = {};
  if (s.Proxy) extra['Proxy'] = s.Proxy;
  if (s.Connect) extra['Connect'] = s.Connect;
  const tagged = s.TaggedAddresses
    ? Object.fromEntries(Object.entries(s.TaggedAddresses).map(([k, a]) => [k, { Address: a.Address ?? '', Port: a.Port ?? 0 }]))
    : null;
  return {
    kind: s.Kind ?? '', id: s.ID ?? '', service: s.Service ?? '', tags: s.Tags ?? null, address: s.Address ?? '',
    taggedAddresses: tagged, meta: s.Meta ?? null, port: s.Port ?? 0, socketPath: s.SocketPath ?? '',
    // Consul's convertOps copies Weights as given: zero values when the body has none.
    weights: { Passing: s.Weights?.Passing ?? 0, Warning: s.Weights?.Warning ?? 0 },
    enableTagOverride: s.EnableTagOverride ?? false, extra: Object.keys(extra).length > 0 ? extra : null,
  };
}

/**
 * The check, or why it cannot be stored. An empty Status means critical, as in Consul's state
 * store; Definition durations (Interval or IntervalDuration, strings or nanoseconds) are kept
 * as Go duration strings and give the check its Type, as Consul's CheckType() derives it.
 */
function checkSpec(h: NonNullable<NonNullable<TxnOpInput['Check']>['Check']>): CheckSpec | string {
  const status = h.Status || 'critical';
  if (!CHECK_STATUSES.has(status)) return `Invalid check status ${goQuote(status)}`;
  let stored: StoredDefinition;
  try {
    stored = storedDefinition((h.Definition ?? undefined) as CheckDefinitionBody | undefined, (text) => new Error(text));
  } catch (err) {
    return (err as Error).message;
  }
  return {
    node: h.Node ?? '', checkId: h.CheckID ?? '', name: h.Name ?? '', status: status as CheckSpec['status'],
    notes: h.Notes ?? '', output: h.Output ?? '', serviceId: h.ServiceID ?? '', type: stored.type,
    interval: formatInterval(stored.intervalNs), timeout: formatInterval(stored.timeoutNs), exposedPort: h.ExposedPort ?? 0, definition: stored.definition,
  };
}

function planCatalog(op: TxnOpInput, datacenter: string): PlannedOp {
  if (op.Node) {
    const v = catalogVerb('Node', op.Node.Verb);
    if ('what' in v) return { ok: false, what: v.what, write: op.Node.Verb !== 'get' };
    return { ok: true, write: v.verb !== 'get', op: { Node: { verb: v.verb, node: nodeSpec(op.Node.Node ?? {}, datacenter), index: safeIndex(op.Node.Node?.ModifyIndex) } } };
  }
  if (op.Service) {
    const v = catalogVerb('Service', op.Service.Verb);
    if ('what' in v) return { ok: false, what: v.what, write: op.Service.Verb !== 'get' };
    const service = op.Service.Service ?? {};
    const writes = v.verb === 'set' || v.verb === 'cas';
    // The state store would keep a nameless instance; Consul's catalog never holds one.
    if (writes && (service.ID ?? '') === '') return { ok: false, what: 'Missing service ID', write: true };
    if (writes && (service.Service ?? '') === '') return { ok: false, what: 'Must provide service name (Service.Service) when service ID is provided', write: true };
    return { ok: true, write: v.verb !== 'get', op: { Service: { verb: v.verb, node: op.Service.Node ?? '', service: serviceSpec(service), index: safeIndex(service.ModifyIndex) } } };
  }
  if (op.Check) {
    const v = catalogVerb('Check', op.Check.Verb);
    if ('what' in v) return { ok: false, what: v.what, write: op.Check.Verb !== 'get' };
    if ((op.Check.Check?.CheckID ?? '') === '') return { ok: false, what: 'Missing check ID', write: v.verb !== 'get' };
    const check = checkSpec(op.Check.Check ?? {});
    if (typeof check === 'string') return { ok: false, what: check, write: v.verb !== 'get' };
    return { ok: true, write: v.verb !== 'get', op: { Check: { verb: v.verb, check, index: safeIndex(op.Check.Check?.ModifyIndex) } } };
  }
  return { ok: false, what: 'no operation specified', write: false };
}

/** Converts every op; `values` are the decoded KV values from decodeKvValues. */
export function planOps(ops: readonly TxnOpInput[], values: readonly (string | null)[], datacenter: string): PlannedOp[] {
  return ops.map((op, i) => (op.KV ? planKv(op.KV, values[i] ?? null) : planCatalog(op, datacenter)));
}
