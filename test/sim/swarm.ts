// Shared by the swarm test files: run a list of seeds, fail with the replayable report.
import { expect } from 'vitest';
import { seedName } from './seeds.ts';
import { failureReport, simulate, type SimResult } from './simulator.ts';

/** Fault-phase ticks per CI seed: sized so the sim project stays within its time budget. */
export const CI_TICKS = 100;

/**
 * Where the CI batch of random seeds starts. Fixed, so CI is reproducible; set
 * CAIRN_SIM_SEED_BASE to run another batch (the failure report names the seed either way).
 */
export const SEED_BASE = Number(process.env['CAIRN_SIM_SEED_BASE'] ?? 100_000);

export function randomSeeds(count: number, offset: number): string[] {
  return Array.from({ length: count }, (_, k) => seedName(SEED_BASE + offset + k));
}

export async function expectSeedOk(seed: string, nodes: number, ticks = CI_TICKS): Promise<SimResult> {
  const r = await simulate({ seed, nodes, ticks });
  if (!r.ok) expect.fail(failureReport(r));
  return r;
}
