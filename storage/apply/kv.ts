// KV semantics (consul-api.md §2; Consul's state/kvs.go): idempotent set, CAS with 0 meaning
// create-only, lock/unlock with LockIndex counting new holders, deletes leaving tombstones.
import type { CommandError, KvWrite } from '../commands.ts';
import type { KvMeta, StateTx } from './state-tx.ts';

/** Plain set: keeps the lock holder and CreateIndex, resets LockIndex (Consul's kvsSetTxn). */
export function kvSet(tx: StateTx, w: KvWrite): KvMeta {
  const existing = tx.kvGet(w.key);
  return put(tx, w, existing, existing?.session ?? null, 0);
}

/** index 0: create only if absent; otherwise only if ModifyIndex matches. */
export function kvCas(tx: StateTx, w: KvWrite, index: number): KvMeta | false {
  const existing = tx.kvGet(w.key);
  if (index === 0 ? existing !== undefined : existing?.modifyIndex !== index) return false;
  return put(tx, w, existing, existing?.session ?? null, 0);
}

export function kvLock(tx: StateTx, w: KvWrite, session: string): KvMeta | false | CommandError {
  if (session === '') return { error: 'missing session' };
  if (tx.sessionGet(session) === undefined) return { error: `invalid session ${goQuote(session)}` };
  const existing = tx.kvGet(w.key);
  let lockIndex: number;
  if (existing === undefined) lockIndex = 1;
  else if (existing.session === session) lockIndex = existing.lockIndex;
  else if (existing.session !== null) return false;
  else lockIndex = existing.lockIndex + 1;
  return put(tx, w, existing, session, lockIndex);
}

export function kvUnlock(tx: StateTx, w: KvWrite, session: string): KvMeta | false | CommandError {
  if (session === '') return { error: 'missing session' };
  const existing = tx.kvGet(w.key);
  if (existing === undefined || existing.session !== session) return false;
  return put(tx, w, existing, null, existing.lockIndex);
}

/** Deleting a missing key is a no-op without a tombstone. */
export function kvDelete(tx: StateTx, key: string): void {
  if (tx.kvDelete(key)) tx.tombstonePut(key);
}

/** One tombstone for the prefix (none for "", where the table index covers every key). */
export function kvDeleteTree(tx: StateTx, prefix: string): void {
  if (tx.kvDeletePrefix(prefix) > 0 && prefix !== '') tx.tombstonePut(prefix);
}

/** true when deleted or already absent; false when ModifyIndex differs (cas=0 never deletes). */
export function kvDeleteCas(tx: StateTx, key: string, index: number): boolean {
  const existing = tx.kvGet(key);
  if (existing === undefined) return true;
  if (existing.modifyIndex !== index) return false;
  kvDelete(tx, key);
  return true;
}

function put(tx: StateTx, w: KvWrite, existing: KvMeta | undefined, session: string | null, lockIndex: number): KvMeta {
  const entry = {
    key: w.key,
    value: w.value === '' ? null : w.value,
    flags: w.flags,
    lockIndex,
    session,
    createIndex: existing?.createIndex ?? tx.index,
    modifyIndex: tx.index,
  };
  if (tx.kvPut(entry)) return entry;
  // Unchanged: nothing written, the stored ModifyIndex stands (what txn results report).
  return { ...entry, modifyIndex: existing?.modifyIndex ?? tx.index };
}

/** Go's %q for the strings Consul puts in error texts. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}
