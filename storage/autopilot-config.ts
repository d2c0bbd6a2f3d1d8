// Reading the replicated autopilot configuration (written by the autopilot.set-config
// command). Not blocking-capable in Consul, so no table index or watch keys.
import { AUTOPILOT_SETTING } from './apply/autopilot.ts';
import type { AutopilotConfigSpec } from './commands.ts';
import type { Sqlite } from './db.ts';

export interface StoredAutopilotConfig {
  readonly config: AutopilotConfigSpec;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** The stored configuration, or undefined before the first leader initialises it. */
export function readAutopilotConfig(db: Sqlite): StoredAutopilotConfig | undefined {
  const row = db.prepare('SELECT value, create_index AS c, modify_index AS m FROM settings WHERE name = ?').get(AUTOPILOT_SETTING) as
    | { value: string; c: number; m: number }
    | undefined;
  if (row === undefined) return undefined;
  return { config: JSON.parse(row.value) as AutopilotConfigSpec, createIndex: row.c, modifyIndex: row.m };
}
