// The command dispatcher: one decoded command in, Consul's result out. Pure given the handle:
// no clock, no randomness, no IO beyond `tx` (the leader put every choice into the command).
import type { Command, CommandResult } from '../commands.ts';
import { applyAclCommand } from './acl.ts';
import { deregister, register } from './catalog.ts';
import { autopilotSetConfig } from './autopilot.ts';
import { coordinateBatchUpdate } from './coordinates.ts';
import { eventFire } from './events.ts';
import { kvCas, kvDelete, kvDeleteCas, kvDeleteTree, kvLock, kvSet, kvUnlock } from './kv.ts';
import { sessionCreate, sessionInvalidate } from './session.ts';
import { Effects } from './state-tx.ts';
import type { StateTx } from './state-tx.ts';
import { applyTxn } from './txn.ts';

export function applyCommand(tx: StateTx, cmd: Command): CommandResult {
  switch (cmd.type) {
    case 'kv.set':
      kvSet(tx, cmd);
      return true;
    case 'kv.cas':
      return kvCas(tx, cmd, cmd.index) !== false;
    case 'kv.lock':
    case 'kv.unlock': {
      const r = cmd.type === 'kv.lock' ? kvLock(tx, cmd, cmd.session) : kvUnlock(tx, cmd, cmd.session);
      return r === false ? false : 'error' in r ? r : true;
    }
    case 'kv.delete':
      kvDelete(tx, cmd.key);
      return true;
    case 'kv.delete-tree':
      kvDeleteTree(tx, cmd.prefix);
      return true;
    case 'kv.delete-cas':
      return kvDeleteCas(tx, cmd.key, cmd.index);
    case 'kv.reap-tombstones':
      return { reaped: tx.tombstoneReap(cmd.upTo) };
    case 'session.create':
      return sessionCreate(tx, cmd.session);
    case 'session.destroy': {
      const fx = new Effects();
      return { destroyed: sessionInvalidate(tx, cmd.id, fx), ...fx.snapshot() };
    }
    case 'catalog.register': {
      const fx = new Effects();
      const err = tx.atomically(() => register(tx, cmd, fx), (e) => e === null);
      return err === null ? { ok: true, ...fx.snapshot() } : { error: err };
    }
    case 'catalog.deregister': {
      const fx = new Effects();
      deregister(tx, cmd, fx);
      return { ok: true, ...fx.snapshot() };
    }
    case 'event.fire':
      return eventFire(tx, cmd);
    case 'coordinate.batch-update':
      return coordinateBatchUpdate(tx, cmd);
    case 'autopilot.set-config':
      return autopilotSetConfig(tx, cmd);
    case 'txn':
      return applyTxn(tx, cmd.ops, new Effects());
    case 'acl.bootstrap':
    case 'acl.token-set':
    case 'acl.token-delete':
    case 'acl.token-reap':
    case 'acl.policy-set':
    case 'acl.policy-delete':
    case 'acl.role-set':
    case 'acl.role-delete':
    case 'acl.init':
      return applyAclCommand(tx.acl, tx.index, cmd);
    default:
      return assertNever(cmd);
  }
}

function assertNever(cmd: never): never {
  throw new Error(`unknown command type ${String((cmd as { type?: unknown }).type)}`);
}
