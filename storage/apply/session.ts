// Sessions (consul-api.md §3; Consul's state/session.go): creation validates the node and its
// checks, invalidation releases or deletes the held keys and reports their lock-delay.
import { MAX_LOCK_DELAY_MS } from '../commands.ts';
import type { SessionSpec } from '../commands.ts';
import type { Effects, StateTx } from './state-tx.ts';
import { kvDelete } from './kv.ts';

const NS_PER_MS = 1_000_000;

export function sessionCreate(tx: StateTx, spec: SessionSpec): { id: string } | { error: string } {
  if (tx.sessionGet(spec.id) !== undefined) return { error: `Session ID '${spec.id}' already exists` };
  const node = tx.nodeGet(spec.node);
  if (node === undefined) return { error: 'Missing node registration' };
  const checkIds = [...(spec.nodeChecks ?? []), ...(spec.serviceChecks ?? []).map((c) => c.id)];
  for (const id of checkIds) {
    const check = tx.checkGet(node.node, id);
    if (check === undefined) return { error: `Missing check '${id}' registration` };
    if (check.status === 'critical') return { error: `Check '${id}' is in critical state` };
  }
  tx.sessionInsert(
    {
      id: spec.id,
      name: spec.name,
      node: spec.node,
      lockDelayNs: spec.lockDelayNs,
      behavior: spec.behavior,
      ttl: spec.ttl,
      nodeChecks: spec.nodeChecks,
      serviceChecks: spec.serviceChecks,
      createIndex: tx.index,
      modifyIndex: tx.index,
    },
    [...new Set(checkIds.map((id) => tx.checkGet(node.node, id)!.checkId))],
  );
  return { id: spec.id };
}

/**
 * Destroys a session: per its Behavior, releases (clears Session, bumps ModifyIndex) or deletes
 * (with tombstone) every key it holds, then removes it. false if it did not exist.
 */
export function sessionInvalidate(tx: StateTx, id: string, fx: Effects): boolean {
  const session = tx.sessionGet(id);
  if (session === undefined) return false;
  const delayMs = Math.min(Math.floor(session.lockDelayNs / NS_PER_MS), MAX_LOCK_DELAY_MS);
  for (const key of tx.kvKeysHeldBy(id)) {
    if (session.behavior === 'delete') kvDelete(tx, key);
    else tx.kvRelease(key);
    if (delayMs > 0) fx.lockDelays.push({ key, delayMs });
  }
  tx.sessionDelete(id);
  fx.invalidated.push(id);
  return true;
}
