// The replicated autopilot configuration: unconditional and check-and-set writes with Consul's
// AutopilotCASConfig rules, CreateIndex kept across updates, and survival through a snapshot.
import { afterEach, describe, expect, it } from 'vitest';
import { readAutopilotConfig } from '../../storage/autopilot-config.ts';
import type { AutopilotConfigSpec, Command } from '../../storage/commands.ts';
import { validateCommand } from '../../storage/commands.ts';
import { harness, type Harness } from './harness.ts';

const BASE: AutopilotConfigSpec = {
  cleanupDeadServers: true,
  lastContactThresholdNs: 200_000_000,
  maxTrailingLogs: 250,
  minQuorum: 0,
  serverStabilizationTimeNs: 10_000_000_000,
  redundancyZoneTag: '',
  disableUpgradeMigration: false,
  upgradeVersionTag: '',
};

const set = (config: AutopilotConfigSpec, cas: number | null = null): Command => ({ type: 'autopilot.set-config', config, cas });

let h: Harness | undefined;
afterEach(() => h?.close());

describe('autopilot.set-config', () => {
  it('is absent until written, then keeps CreateIndex and moves ModifyIndex', () => {
    h = harness();
    expect(readAutopilotConfig(h.db.sqlite)).toBeUndefined();
    const first = h.nextIndex();
    expect(h.apply(set(BASE))).toBe(true);
    expect(readAutopilotConfig(h.db.sqlite)).toEqual({ config: BASE, createIndex: first, modifyIndex: first });
    const second = h.nextIndex();
    expect(h.apply(set({ ...BASE, minQuorum: 3 }))).toBe(true);
    expect(readAutopilotConfig(h.db.sqlite)).toEqual({ config: { ...BASE, minQuorum: 3 }, createIndex: first, modifyIndex: second });
  });

  it('cas 0 writes only when nothing is stored; cas N only when ModifyIndex is N', () => {
    h = harness();
    expect(h.apply(set(BASE, 5))).toBe(false);
    expect(readAutopilotConfig(h.db.sqlite)).toBeUndefined();
    const at = h.nextIndex();
    expect(h.apply(set(BASE, 0))).toBe(true);
    expect(h.apply(set({ ...BASE, maxTrailingLogs: 1 }, 0))).toBe(false);
    expect(h.apply(set({ ...BASE, maxTrailingLogs: 2 }, at + 7))).toBe(false);
    expect(h.apply(set({ ...BASE, maxTrailingLogs: 3 }, at))).toBe(true);
    expect(readAutopilotConfig(h.db.sqlite)?.config.maxTrailingLogs).toBe(3);
  });

  it('travels in a snapshot', async () => {
    h = harness();
    h.apply(set(BASE));
    const snap = h.fsm.snapshot();
    const chunks: Uint8Array[] = [];
    await snap.write(async (c) => void chunks.push(c));
    snap.release();
    const other = harness();
    try {
      await other.fsm.restore((async function* () { yield* chunks; })(), snap.at);
      expect(readAutopilotConfig(other.db.sqlite)).toEqual(readAutopilotConfig(h.db.sqlite));
    } finally {
      other.close();
    }
  });

  it('refuses malformed configurations before they are proposed', () => {
    expect(validateCommand(set(BASE))).toBeNull();
    expect(validateCommand(set({ ...BASE, minQuorum: -1 }))).toBe('invalid autopilot configuration');
    expect(validateCommand(set({ ...BASE, lastContactThresholdNs: 1.5 }))).toBe('invalid autopilot configuration');
    expect(validateCommand(set(BASE, -1))).toBe('invalid cas index');
    expect(validateCommand({ type: 'autopilot.set-config', config: null, cas: null } as unknown as Command)).toBe('missing autopilot configuration');
  });
});
