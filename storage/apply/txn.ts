// Transactions (consul-api.md §4; Consul's state/txn.go): every op runs in order, failures are
// collected with their op index, and if any op failed the whole transaction rolls back.
import type {
  KvEntryWire, TxnApplyResult, TxnCheckOp, TxnCheckWire, TxnError, TxnKvOp, TxnNodeOp, TxnNodeWire, TxnOp,
  TxnResultEntry, TxnServiceOp, TxnServiceWire,
} from '../commands.ts';
import type { CheckEntry, NodeEntry, ServiceEntry } from '../types.ts';
import { deleteCheck, deleteNode, deleteService, ensureCheck, ensureNode, ensureService } from './catalog.ts';
import { goQuote, kvCas, kvDelete, kvDeleteCas, kvDeleteTree, kvLock, kvSet, kvUnlock } from './kv.ts';
import { Effects } from './state-tx.ts';
import type { KvMeta, StateTx } from './state-tx.ts';

type OpOutcome = TxnResultEntry[] | { readonly error: string };

/** Applies a write transaction atomically; `fx` receives invalidations only if it commits. */
export function applyTxn(tx: StateTx, ops: readonly TxnOp[], fx: Effects): TxnApplyResult {
  const local = new Effects();
  const result = tx.atomically(() => runOps(tx, ops, local), (r) => r.errors === null);
  if (result.errors !== null) return { ...result, invalidated: [], lockDelays: [] };
  fx.merge(local);
  return { ...result, ...local.snapshot() };
}

/** Runs ops against `tx` collecting results and errors (also the read-only path's core). */
export function runOps(tx: StateTx, ops: readonly TxnOp[], fx: Effects): Pick<TxnApplyResult, 'results' | 'errors'> {
  const results: TxnResultEntry[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, opIndex) => {
    const out = runOp(tx, op, fx);
    if ('error' in out) errors.push({ opIndex, what: out.error });
    else results.push(...out);
  });
  return errors.length > 0 ? { results: null, errors } : { results, errors: null };
}

function runOp(tx: StateTx, op: TxnOp, fx: Effects): OpOutcome {
  if ('KV' in op && op.KV) return kvOp(tx, op.KV);
  if ('Node' in op && op.Node) return nodeOp(tx, op.Node, fx);
  if ('Service' in op && op.Service) return serviceOp(tx, op.Service, fx);
  if ('Check' in op && op.Check) return checkOp(tx, op.Check, fx);
  return { error: 'no operation specified' };
}

/** A KV result without its value (Consul blanks Value for everything but get/get-or-empty/get-tree). */
function meta(m: KvMeta): TxnResultEntry[] {
  return [{ KV: { key: m.key, value: null, flags: m.flags, lockIndex: m.lockIndex, session: m.session, createIndex: m.createIndex, modifyIndex: m.modifyIndex } }];
}

function kvOp(tx: StateTx, op: TxnKvOp['KV']): OpOutcome {
  const k = goQuote(op.key);
  switch (op.verb) {
    case 'set':
      return meta(kvSet(tx, op));
    case 'cas': {
      const r = kvCas(tx, op, op.index);
      return r === false ? { error: `failed to set key ${k}, index is stale` } : meta(r);
    }
    case 'lock': {
      const r = kvLock(tx, op, op.session);
      if (r === false) return { error: `failed to lock key ${k}, lock is already held` };
      return 'error' in r ? r : meta(r);
    }
    case 'unlock': {
      const r = kvUnlock(tx, op, op.session);
      if (r === false) return { error: `failed to unlock key ${k}, lock isn't held, or is held by another session` };
      return 'error' in r ? r : meta(r);
    }
    case 'delete':
      kvDelete(tx, op.key);
      return [];
    case 'delete-tree':
      kvDeleteTree(tx, op.key);
      return [];
    case 'delete-cas':
      return kvDeleteCas(tx, op.key, op.index) ? [] : { error: `failed to delete key ${k}, index is stale` };
    default:
      return kvRead(tx, op, k);
  }
}

function kvRead(tx: StateTx, op: TxnKvOp['KV'], k: string): OpOutcome {
  switch (op.verb) {
    case 'get': {
      const e = tx.kvEntry(op.key);
      return e === undefined ? { error: `key ${k} doesn't exist` } : [{ KV: e }];
    }
    case 'get-or-empty': {
      const e: KvEntryWire = tx.kvEntry(op.key)
        ?? { key: op.key, value: null, flags: op.flags, lockIndex: 0, session: op.session === '' ? null : op.session, createIndex: 0, modifyIndex: op.index };
      return [{ KV: e }];
    }
    case 'get-tree':
      return tx.kvTree(op.key).map((e) => ({ KV: e }));
    case 'check-index': {
      const e = tx.kvGet(op.key);
      if (e === undefined) return { error: `failed to check index, key ${k} doesn't exist` };
      if (e.modifyIndex !== op.index) return { error: `failed index check for key ${k}, current modify index ${e.modifyIndex} != ${op.index}` };
      return meta(e);
    }
    case 'check-session': {
      const e = tx.kvGet(op.key);
      if (e === undefined) return { error: `failed to check session, key ${k} doesn't exist` };
      if ((e.session ?? '') !== op.session) return { error: `failed session check for key ${k}, current session ${goQuote(e.session ?? '')} != ${goQuote(op.session)}` };
      return meta(e);
    }
    case 'check-not-exists':
      return tx.kvGet(op.key) === undefined ? [] : { error: `key ${k} exists` };
    default:
      return { error: `unknown KV verb ${goQuote(String(op.verb))}` };
  }
}

function nodeWire(n: NodeEntry): TxnResultEntry[] {
  return [{ Node: n satisfies TxnNodeWire }];
}

function nodeOp(tx: StateTx, op: TxnNodeOp['Node'], fx: Effects): OpOutcome {
  const spec = op.node;
  const name = goQuote(spec.node);
  const lookup = (): NodeEntry | undefined => (spec.id !== '' ? tx.nodeGetById(spec.id) : tx.nodeGet(spec.node));
  const existing = tx.nodeGet(spec.node);
  switch (op.verb) {
    case 'get': {
      const n = lookup();
      return n === undefined ? { error: `node ${name} doesn't exist` } : nodeWire(n);
    }
    case 'cas':
    case 'set': {
      if (op.verb === 'cas' && !casMatches(existing, op.index)) return { error: `failed to set node ${name}, index is stale` };
      const err = ensureNode(tx, spec, fx);
      if (err !== null) return { error: err };
      const n = lookup();
      return n === undefined ? [] : nodeWire(n);
    }
    case 'delete':
      deleteNode(tx, spec.node, fx);
      return [];
    case 'delete-cas':
      if (existing === undefined || existing.modifyIndex !== op.index) return { error: `failed to delete node ${name}, index is stale` };
      deleteNode(tx, spec.node, fx);
      return [];
    default:
      return { error: `unknown Node verb ${goQuote(String(op.verb))}` };
  }
}

function serviceWire(s: ServiceEntry): TxnResultEntry[] {
  const { node: _node, ...rest } = s;
  return [{ Service: rest satisfies TxnServiceWire }];
}

function serviceOp(tx: StateTx, op: TxnServiceOp['Service'], fx: Effects): OpOutcome {
  const where = `${goQuote(op.service.id)} on node ${goQuote(op.node)}`;
  const existing = tx.serviceGet(op.node, op.service.id);
  switch (op.verb) {
    case 'get':
      return existing === undefined ? { error: `service ${where} doesn't exist` } : serviceWire(existing);
    case 'cas':
    case 'set': {
      if (op.verb === 'cas' && !casMatches(existing, op.index)) return { error: `failed to set service ${where}, index is stale` };
      const err = ensureService(tx, op.node, op.service);
      if (err !== null) return { error: err };
      const s = tx.serviceGet(op.node, op.service.id);
      return s === undefined ? [] : serviceWire(s);
    }
    case 'delete':
      deleteService(tx, op.node, op.service.id, fx);
      return [];
    case 'delete-cas':
      if (existing === undefined || existing.modifyIndex !== op.index) return { error: `failed to delete service ${where}, index is stale` };
      deleteService(tx, op.node, op.service.id, fx);
      return [];
    default:
      return { error: `unknown Service verb ${goQuote(String(op.verb))}` };
  }
}

function checkWire(c: CheckEntry): TxnResultEntry[] {
  return [{ Check: c satisfies TxnCheckWire }];
}

function checkOp(tx: StateTx, op: TxnCheckOp['Check'], fx: Effects): OpOutcome {
  const { node, checkId } = op.check;
  const where = `${goQuote(checkId)} on node ${goQuote(node)}`;
  const existing = tx.checkGet(node, checkId);
  switch (op.verb) {
    case 'get':
      return existing === undefined ? { error: `check ${where} doesn't exist` } : checkWire(existing);
    case 'cas':
    case 'set': {
      if (op.verb === 'cas' && !casMatches(existing, op.index)) return { error: `failed to set check ${where}, index is stale` };
      const err = ensureCheck(tx, op.check, fx);
      if (err !== null) return { error: err };
      const c = tx.checkGet(node, checkId);
      return c === undefined ? [] : checkWire(c);
    }
    case 'delete':
      deleteCheck(tx, node, checkId, fx);
      return [];
    case 'delete-cas':
      if (existing === undefined || existing.modifyIndex !== op.index) return { error: `failed to delete check ${where}, index is stale` };
      deleteCheck(tx, node, checkId, fx);
      return [];
    default:
      return { error: `unknown Check verb ${goQuote(String(op.verb))}` };
  }
}

/** Consul's CAS rule for catalog rows: 0 = must not exist, otherwise ModifyIndex must match. */
function casMatches(existing: { readonly modifyIndex: number } | undefined, index: number): boolean {
  return index === 0 ? existing === undefined : existing?.modifyIndex === index;
}
