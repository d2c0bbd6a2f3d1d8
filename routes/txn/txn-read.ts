// The read-only transaction fast path (Consul's Txn.Read): every op is a read, so it is served
// from this server's state like any read, without Raft. Each op is evaluated; any failure
// fails the whole transaction with every failing op listed.
import type { TxnOp } from '../../storage/commands.ts';
import type { StateReads } from '../../storage/state-store.ts';
import type { DirEntry } from '../../storage/types.ts';
import { goQuote } from '../lib/go-strconv.ts';
import { toDirEntryJson, type DirEntryJson } from '../schemas/kv.ts';
import { checkJson, nodeJson, serviceJson, type TxnErrorJson, type TxnResultJson } from '../schemas/txn.ts';
import type { PlannedOp } from './txn-ops.ts';

type OpOutcome = { readonly results: TxnResultJson[] } | { readonly error: string };

/** Only get, get-tree and get-or-empty return values; the check verbs return the entry without it. */
const withoutValue = (e: DirEntry): DirEntryJson => ({ ...toDirEntryJson(e), Value: null });

function readKv(state: StateReads, kv: Extract<TxnOp, { KV: unknown }>['KV']): OpOutcome {
  const q = goQuote(kv.key);
  switch (kv.verb) {
    case 'get-tree':
      return { results: state.kvList(kv.key).entries.map((e) => ({ KV: toDirEntryJson(e) })) };
    case 'check-not-exists':
      return state.kvGet(kv.key).entry === null ? { results: [] } : { error: `key ${q} exists` };
    default:
      break;
  }
  const entry = state.kvGet(kv.key).entry;
  switch (kv.verb) {
    case 'get':
      return entry === null ? { error: `key ${q} doesn't exist` } : { results: [{ KV: toDirEntryJson(entry) }] };
    case 'get-or-empty': {
      if (entry !== null) return { results: [{ KV: toDirEntryJson(entry) }] };
      // Consul echoes the op's own entry, value blanked, when the key is missing.
      const echo: DirEntryJson = { LockIndex: 0, Key: kv.key, Flags: BigInt(kv.flags), Value: null, Session: kv.session || undefined, CreateIndex: 0, ModifyIndex: kv.index };
      return { results: [{ KV: echo }] };
    }
    case 'check-index':
      if (entry === null) return { error: `failed to check index, key ${q} doesn't exist` };
      if (entry.modifyIndex !== kv.index) return { error: `failed index check for key ${q}, current modify index ${entry.modifyIndex} != ${kv.index}` };
      return { results: [{ KV: withoutValue(entry) }] };
    case 'check-session':
      if (entry === null) return { error: `failed to check session, key ${q} doesn't exist` };
      if ((entry.session ?? '') !== kv.session) {
        return { error: `failed session check for key ${q}, current session ${goQuote(entry.session ?? '')} != ${goQuote(kv.session)}` };
      }
      return { results: [{ KV: withoutValue(entry) }] };
    default:
      throw new Error(`txn read path given write verb ${kv.verb}`);
  }
}

function readCatalog(state: StateReads, op: TxnOp): OpOutcome {
  if ('Node' in op) {
    const { id, node } = op.Node.node;
    const found = id !== '' ? state.nodeList().nodes.find((n) => n.id === id) : state.nodeGet(node).node;
    return found ? { results: [{ Node: nodeJson(found) }] } : { error: `node ${goQuote(id !== '' ? id : node)} doesn't exist` };
  }
  if ('Service' in op) {
    const { node, service } = op.Service;
    const found = state.nodeServices(node).services.find((s) => s.id === service.id);
    return found ? { results: [{ Service: serviceJson(found) }] } : { error: `service ${goQuote(service.id)} on node ${goQuote(node)} doesn't exist` };
  }
  if ('Check' in op) {
    const { node, checkId } = op.Check.check;
    const found = state.nodeChecks(node).checks.find((h) => h.checkId === checkId);
    return found ? { results: [{ Check: checkJson(found) }] } : { error: `check ${goQuote(checkId)} on node ${goQuote(node)} doesn't exist` };
  }
  throw new Error('txn read path given a KV op as a catalog op');
}

export interface TxnOutcome {
  readonly results: TxnResultJson[] | null;
  readonly errors: TxnErrorJson[] | null;
}

export function readTxn(state: StateReads, planned: readonly PlannedOp[]): TxnOutcome {
  const results: TxnResultJson[] = [];
  const errors: TxnErrorJson[] = [];
  planned.forEach((p, opIndex) => {
    if (!p.ok) {
      errors.push({ OpIndex: opIndex, What: p.what });
      return;
    }
    const outcome = 'KV' in p.op ? readKv(state, p.op.KV) : readCatalog(state, p.op);
    if ('error' in outcome) errors.push({ OpIndex: opIndex, What: outcome.error });
    else results.push(...outcome.results);
  });
  return errors.length > 0 ? { results: null, errors } : { results, errors: null };
}
