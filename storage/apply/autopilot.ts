// The autopilot configuration (Consul's state/autopilot.go): one replicated object, written
// unconditionally or with check-and-set on its ModifyIndex. CreateIndex survives updates.
import type { AutopilotSetConfig } from '../commands.ts';
import type { StateTx } from './state-tx.ts';

/** The settings row the configuration lives in. Part of the snapshot format: never rename. */
export const AUTOPILOT_SETTING = 'autopilot';

export function autopilotSetConfig(tx: StateTx, cmd: AutopilotSetConfig): boolean {
  const existing = tx.settingGet(AUTOPILOT_SETTING);
  if (cmd.cas !== null && (existing === undefined ? cmd.cas !== 0 : existing.modifyIndex !== cmd.cas)) return false;
  tx.settingPut({
    name: AUTOPILOT_SETTING,
    value: JSON.stringify(cmd.config),
    createIndex: existing?.createIndex ?? tx.index,
    modifyIndex: tx.index,
  });
  return true;
}
