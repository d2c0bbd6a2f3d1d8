// Catalog register/deregister (consul-api.md §5.2–5.3; Consul's state/catalog.go): nodes,
// service instances and checks, with unchanged registrations writing nothing, a critical check
// or a removed node/check invalidating the sessions that depend on it.
import type { CatalogDeregister, CatalogRegister, CheckSpec, NodeSpec, ServiceSpec } from '../commands.ts';
import type { CheckEntry, NodeEntry, ServiceEntry } from '../types.ts';
import { eqFold, jsonEqual, sameFields } from './equal.ts';
import { sessionInvalidate } from './session.ts';
import type { Effects, StateTx } from './state-tx.ts';

/** The check Consul's own agents report node liveness with (structs.SerfCheckID). */
export const SERF_CHECK_ID = 'serfHealth';

export type CatalogError = string;

/** Consul's RegisterRequest application (ensureRegistrationTxn) plus the leader's request vetting. */
export function register(tx: StateTx, cmd: CatalogRegister, fx: Effects): CatalogError | null {
  const vetted = vetRegister(tx, cmd);
  if (vetted !== null) return vetted;
  const existing = tx.nodeGet(cmd.node.node);
  if (existing === undefined || changesNode(cmd, existing)) {
    const err = ensureNode(tx, cmd.node, fx);
    if (err !== null) return `failed inserting node: ${err}`;
  }
  if (cmd.service !== null) {
    const err = ensureService(tx, cmd.node.node, cmd.service);
    if (err !== null) return `failed inserting service: ${err}`;
  }
  for (const check of cmd.checks) {
    const err = ensureCheck(tx, check, fx);
    if (err !== null) return `failed inserting check: ${err}`;
  }
  return null;
}

/** Checks Consul's Catalog.Register endpoint makes against state before applying. */
function vetRegister(tx: StateTx, cmd: CatalogRegister): CatalogError | null {
  for (const check of cmd.checks) {
    if (!eqFold(check.node, cmd.node.node)) {
      return `Node '${check.node}' for check '${check.checkId}' doesn't match register request node '${cmd.node.node}'`;
    }
    if (check.serviceId === '' || (cmd.service !== null && eqFold(cmd.service.id, check.serviceId))) continue;
    if (tx.serviceGet(cmd.node.node, check.serviceId) === undefined) {
      return `Unknown service ID '${check.serviceId}' for check ID '${check.checkId}'`;
    }
  }
  return null;
}

function changesNode(cmd: CatalogRegister, node: NodeEntry): boolean {
  if (cmd.skipNodeUpdate) return false;
  const n = cmd.node;
  return n.id !== node.id || !eqFold(n.node, node.node) || n.address !== node.address || n.datacenter !== node.datacenter
    || !jsonEqual(n.taggedAddresses, node.taggedAddresses) || !jsonEqual(n.meta, node.meta);
}

const NODE_FIELDS = ['id', 'node', 'address', 'datacenter', 'taggedAddresses', 'meta'] as const;

/** Consul's ensureNodeTxn: node IDs are unique, a renamed ID replaces its old node. */
export function ensureNode(tx: StateTx, spec: NodeSpec, fx: Effects): string | null {
  let current: NodeEntry | undefined;
  if (spec.id !== '') {
    current = tx.nodeGetById(spec.id);
    if (current !== undefined && !eqFold(current.node, spec.node)) {
      const dup = similarNameConflict(tx, spec, false);
      if (dup !== null) return `Error while renaming Node ID: "${spec.id}" (${spec.address}): ${dup}`;
      deleteNode(tx, current.node, fx);
      current = undefined;
    } else if (current === undefined) {
      const dup = similarNameConflict(tx, spec, true);
      if (dup !== null) return `Error while renaming Node ID: "${spec.id}": ${dup}`;
    }
  }
  current ??= tx.nodeGet(spec.node);
  const entry: NodeEntry = { ...pickNode(spec), createIndex: current?.createIndex ?? tx.index, modifyIndex: tx.index };
  if (current !== undefined && sameFields<NodeEntry>(current, entry, NODE_FIELDS)) return null;
  tx.nodePut(entry);
  return null;
}

function pickNode(s: NodeSpec): Omit<NodeEntry, 'createIndex' | 'modifyIndex'> {
  return { id: s.id, node: s.node, address: s.address, datacenter: s.datacenter, taggedAddresses: s.taggedAddresses, meta: s.meta };
}

/** Another node with the same name (case-insensitively) and a different ID that is still healthy. */
function similarNameConflict(tx: StateTx, spec: NodeSpec, allowClashWithoutId: boolean): string | null {
  const other = tx.nodeGet(spec.node);
  if (other === undefined || other.id === spec.id) return null;
  const serf = tx.checkGet(other.node, SERF_CHECK_ID);
  const healthy = serf !== undefined && serf.status !== 'critical';
  if ((other.id === '' && allowClashWithoutId) || !healthy) return null;
  return `Node name ${spec.node} is reserved by node ${other.id} with name ${other.node} (${other.address})`;
}

const SERVICE_FIELDS = [
  'kind', 'id', 'service', 'tags', 'address', 'taggedAddresses', 'meta', 'port', 'socketPath', 'weights', 'enableTagOverride', 'extra',
] as const;

/** Consul's ensureServiceTxn: the node must exist; an unchanged instance is not rewritten. */
export function ensureService(tx: StateTx, nodeName: string, spec: ServiceSpec): string | null {
  const node = tx.nodeGet(nodeName);
  if (node === undefined) return 'Missing node registration';
  const existing = tx.serviceGet(node.node, spec.id);
  const entry: ServiceEntry = { ...spec, node: node.node, createIndex: existing?.createIndex ?? tx.index, modifyIndex: tx.index };
  if (existing !== undefined && sameFields<ServiceEntry>(existing, entry, SERVICE_FIELDS)) return null;
  tx.servicePut(entry);
  return null;
}

const CHECK_FIELDS = [
  'name', 'status', 'notes', 'output', 'serviceId', 'serviceName', 'serviceTags', 'type', 'interval', 'timeout', 'exposedPort', 'definition',
] as const;

/** Consul's ensureCheckTxn: a critical status invalidates the sessions bound to the check. */
export function ensureCheck(tx: StateTx, spec: CheckSpec, fx: Effects): string | null {
  const node = tx.nodeGet(spec.node);
  if (node === undefined) return 'Missing node registration';
  let serviceName = '';
  let serviceTags: readonly string[] = [];
  if (spec.serviceId !== '') {
    const service = tx.serviceGet(node.node, spec.serviceId);
    if (service === undefined) return 'Missing service registration';
    serviceName = service.service;
    serviceTags = service.tags ?? [];
  }
  const existing = tx.checkGet(node.node, spec.checkId);
  const entry: CheckEntry = {
    ...spec,
    node: node.node,
    serviceName,
    serviceTags,
    createIndex: existing?.createIndex ?? tx.index,
    modifyIndex: tx.index,
  };
  if (entry.status === 'critical') {
    for (const id of tx.sessionsOfCheck(node.node, spec.checkId)) sessionInvalidate(tx, id, fx);
  }
  if (existing === undefined || !sameFields<CheckEntry>(existing, entry, CHECK_FIELDS)) tx.checkPut(entry);
  return null;
}

/** Deregistration precedence as Consul: service, then check, then the whole node. */
export function deregister(tx: StateTx, cmd: CatalogDeregister, fx: Effects): void {
  if (cmd.serviceId !== null && cmd.serviceId !== '') deleteService(tx, cmd.node, cmd.serviceId, fx);
  else if (cmd.checkId !== null && cmd.checkId !== '') deleteCheck(tx, cmd.node, cmd.checkId, fx);
  else deleteNode(tx, cmd.node, fx);
}

/** Removes a node with its services, checks, sessions and coordinates (missing node: no-op). */
export function deleteNode(tx: StateTx, name: string, fx: Effects): boolean {
  const node = tx.nodeGet(name);
  if (node === undefined) return false;
  for (const svc of tx.servicesOfNode(node.node)) deleteService(tx, node.node, svc.id, fx);
  for (const check of tx.checksOfNode(node.node)) deleteCheck(tx, node.node, check.checkId, fx);
  for (const id of tx.sessionsOfNode(node.node)) sessionInvalidate(tx, id, fx);
  tx.coordinatesDeleteNode(node.node);
  tx.nodeDelete(node.node);
  return true;
}

/** Removes a service instance and its checks (missing: no-op). */
export function deleteService(tx: StateTx, node: string, serviceId: string, fx: Effects): boolean {
  const svc = tx.serviceGet(node, serviceId);
  if (svc === undefined) return false;
  for (const check of tx.checksOfService(svc.node, svc.id)) deleteCheck(tx, svc.node, check.checkId, fx);
  tx.serviceDelete(svc.node, svc.id);
  return true;
}

/** Removes a check, invalidating the sessions bound to it (missing: no-op). */
export function deleteCheck(tx: StateTx, node: string, checkId: string, fx: Effects): boolean {
  const check = tx.checkGet(node, checkId);
  if (check === undefined) return false;
  for (const id of tx.sessionsOfCheck(check.node, check.checkId)) sessionInvalidate(tx, id, fx);
  tx.checkDelete(check.node, check.checkId);
  return true;
}
