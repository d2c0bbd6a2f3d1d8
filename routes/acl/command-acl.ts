// Which permissions a write needs, per FSM command — Consul's pre-apply ACL vetting
// (kvsPreApply, Session.Apply, vetRegisterWithACL, vetDeregisterWithACL, the txn pre-check…).
// The leader runs this for every write a client caused, whatever server the client talked to,
// with the caller's own token; handlers may run the same checks earlier to answer in Consul's
// order. Reads are checked where they are served (routes/acl/enforce.ts).
import { PERMISSION_DENIED, type Authorizer, type NamedCheck } from '../../storage/acl/index.ts';
import type { CatalogDeregister, CatalogRegister, Command, TxnError, TxnOp, TxnResultEntry } from '../../storage/commands.ts';
import type { StateReads } from '../../storage/state-store.ts';

export type CommandAuthz =
  | { readonly kind: 'allow' }
  /** 403 with Consul's permission-denied text. */
  | { readonly kind: 'deny'; readonly message: string }
  /** A 500 Consul's vetting raises on the way (e.g. "Unknown service ID …" for a service-only token). */
  | { readonly kind: 'error'; readonly message: string }
  /** A transaction whose ops were refused: answered like a rolled-back txn (409), never proposed. */
  | { readonly kind: 'txn'; readonly errors: readonly TxnError[] };

const ALLOW: CommandAuthz = { kind: 'allow' };

function need(authz: Authorizer, check: NamedCheck, segment: string): CommandAuthz {
  const denied = authz.denied(check, segment);
  return denied === null ? ALLOW : { kind: 'deny', message: denied };
}

/** The first refusal among several checks, or allow. */
function all(...results: (() => CommandAuthz)[]): CommandAuthz {
  for (const r of results) {
    const out = r();
    if (out.kind !== 'allow') return out;
  }
  return ALLOW;
}

const refuse = (): CommandAuthz => ({ kind: 'deny', message: PERMISSION_DENIED });

export function authorizeCommand(authz: Authorizer, cmd: Command, state: StateReads): CommandAuthz {
  switch (cmd.type) {
    case 'kv.set':
    case 'kv.cas':
    case 'kv.lock':
    case 'kv.unlock':
    case 'kv.delete':
    case 'kv.delete-cas':
      return need(authz, 'keyWrite', cmd.key);
    case 'kv.delete-tree':
      return need(authz, 'keyWritePrefix', cmd.prefix);
    case 'session.create':
      return need(authz, 'sessionWrite', cmd.session.node);
    case 'session.destroy': {
      // Destroying an unknown session is a no-op Consul allows without any permission.
      const session = state.sessionGet(cmd.id).session;
      return session === null ? ALLOW : need(authz, 'sessionWrite', session.node);
    }
    case 'catalog.register':
      return vetRegister(authz, cmd, state);
    case 'catalog.deregister':
      return vetDeregister(authz, cmd, state);
    case 'event.fire':
      return need(authz, 'eventWrite', cmd.event.name);
    case 'coordinate.batch-update':
      return all(...cmd.updates.map((u) => () => need(authz, 'nodeWrite', u.node)));
    case 'autopilot.set-config':
      return authz.operatorWrite() ? ALLOW : { kind: 'deny', message: authz.denied('operatorWrite') ?? PERMISSION_DENIED };
    case 'txn':
      return vetTxn(authz, cmd.ops, state);
    case 'acl.bootstrap':
      // Anyone may try: the bootstrap state (and the reset file) is the gate.
      return ALLOW;
    case 'acl.token-set':
    case 'acl.token-delete':
    case 'acl.policy-set':
    case 'acl.policy-delete':
    case 'acl.role-set':
    case 'acl.role-delete':
      return authz.aclWrite() ? ALLOW : { kind: 'deny', message: authz.denied('aclWrite') ?? PERMISSION_DENIED };
    case 'kv.reap-tombstones':
    case 'acl.token-reap':
    case 'acl.init':
      // Leader housekeeping: proposed by servers themselves, never on a client's behalf.
      return refuse();
    default:
      // A command type this table does not know yet: management only, until it is mapped.
      return (cmd satisfies never, authz.aclWrite() ? ALLOW : refuse());
  }
}

/** Consul's RegisterRequest.ChangesNode: whether a registration writes the node itself. */
function changesNode(cmd: CatalogRegister, state: StateReads): boolean {
  const existing = state.nodeGet(cmd.node.node).node;
  if (existing === null) return true;
  if (cmd.skipNodeUpdate) return false;
  const n = cmd.node;
  return (
    n.id !== existing.id || n.node.toLowerCase() !== existing.node.toLowerCase() || n.address !== existing.address ||
    n.datacenter !== existing.datacenter || !sameMap(n.taggedAddresses, existing.taggedAddresses) || !sameMap(n.meta, existing.meta)
  );
}

function sameMap(a: Readonly<Record<string, string>> | null, b: Readonly<Record<string, string>> | null): boolean {
  const canon = (m: Readonly<Record<string, string>> | null): string => JSON.stringify(Object.entries(m ?? {}).sort(([x], [y]) => (x < y ? -1 : 1)));
  return (a === null) === (b === null) && canon(a) === canon(b);
}

/** vetRegisterWithACL: node write when the node changes, service write on new and replaced services, per-check rights. */
function vetRegister(authz: Authorizer, cmd: CatalogRegister, state: StateReads): CommandAuthz {
  const node = cmd.node.node;
  const existing = state.nodeServices(node).services;
  const checks: (() => CommandAuthz)[] = [];
  if (changesNode(cmd, state)) checks.push(() => need(authz, 'nodeWrite', node));
  const service = cmd.service;
  if (service !== null) {
    checks.push(() => need(authz, 'serviceWrite', service.service));
    const replaced = existing.find((s) => s.id.toLowerCase() === service.id.toLowerCase());
    if (replaced !== undefined) checks.push(() => need(authz, 'serviceWrite', replaced.service));
  }
  for (const check of cmd.checks) {
    if (check.serviceId === '') {
      checks.push(() => need(authz, 'nodeWrite', node));
      continue;
    }
    if (service !== null && service.id.toLowerCase() === check.serviceId.toLowerCase()) continue;
    const other = existing.find((s) => s.id.toLowerCase() === check.serviceId.toLowerCase());
    if (other === undefined) return { kind: 'error', message: `Unknown service ID '${check.serviceId}' for check ID '${check.checkId}'` };
    checks.push(() => need(authz, 'serviceWrite', other.service));
  }
  return all(...checks);
}

/** vetDeregisterWithACL: node write covers everything; otherwise the right for what goes. */
function vetDeregister(authz: Authorizer, cmd: CatalogDeregister, state: StateReads): CommandAuthz {
  if (authz.nodeWrite(cmd.node)) return ALLOW;
  const lower = (s: string): string => s.toLowerCase();
  if (cmd.serviceId !== null) {
    const svc = state.nodeServices(cmd.node).services.find((s) => lower(s.id) === lower(cmd.serviceId ?? ''));
    if (svc === undefined) return { kind: 'error', message: `Unknown service ID '${cmd.serviceId}'` };
    return need(authz, 'serviceWrite', svc.service);
  }
  if (cmd.checkId !== null) {
    const check = state.nodeChecks(cmd.node).checks.find((ch) => lower(ch.checkId) === lower(cmd.checkId ?? ''));
    if (check === undefined) return { kind: 'error', message: `Unknown check ID '${cmd.checkId}'` };
    return check.serviceId === '' ? need(authz, 'nodeWrite', cmd.node) : need(authz, 'serviceWrite', check.serviceName);
  }
  return need(authz, 'nodeWrite', cmd.node);
}

/** The name of a service on a node, for service-level check ops ("" when it is not registered). */
function serviceName(state: StateReads, node: string, serviceId: string): string {
  return state.nodeServices(node).services.find((s) => s.id.toLowerCase() === serviceId.toLowerCase())?.service ?? '';
}

/**
 * The txn pre-check for one op (Consul's kvsPreApply and vet*TxnOp): reads are filtered on the
 * way out instead; check-index/check-session need read; every other write needs write.
 */
export function txnOpDenied(authz: Authorizer, op: TxnOp, state: StateReads): string | null {
  if ('KV' in op) {
    const { verb, key } = op.KV;
    if (verb === 'get' || verb === 'get-tree' || verb === 'get-or-empty') return null;
    if (verb === 'delete-tree') return authz.denied('keyWritePrefix', key);
    if (verb === 'check-index' || verb === 'check-session') return authz.denied('keyRead', key);
    return authz.denied('keyWrite', key);
  }
  if ('Node' in op) return op.Node.verb === 'get' ? null : authz.denied('nodeWrite', op.Node.node.node);
  if ('Service' in op) return op.Service.verb === 'get' ? null : authz.denied('serviceWrite', op.Service.service.service);
  const check = op.Check.check;
  if (op.Check.verb === 'get') return null;
  return check.serviceId === '' ? authz.denied('nodeWrite', check.node) : authz.denied('serviceWrite', serviceName(state, check.node, check.serviceId));
}

/** Every refused op of a transaction, with its position. */
export function txnOpErrors(authz: Authorizer, ops: readonly TxnOp[], state: StateReads): TxnError[] {
  return ops.flatMap((op, opIndex) => {
    const what = txnOpDenied(authz, op, state);
    return what === null ? [] : [{ opIndex, what }];
  });
}

function vetTxn(authz: Authorizer, ops: readonly TxnOp[], state: StateReads): CommandAuthz {
  const errors = txnOpErrors(authz, ops, state);
  return errors.length === 0 ? ALLOW : { kind: 'txn', errors };
}

/** Consul's FilterTxnResults: results the token may not read are dropped. */
export function txnResultVisible(authz: Authorizer, r: TxnResultEntry): boolean {
  if ('KV' in r) return authz.keyRead(r.KV.key);
  if ('Node' in r) return authz.nodeRead(r.Node.node);
  if ('Service' in r) return authz.serviceRead(r.Service.service);
  return r.Check.serviceName === '' ? authz.nodeRead(r.Check.node) : authz.serviceRead(r.Check.serviceName);
}
