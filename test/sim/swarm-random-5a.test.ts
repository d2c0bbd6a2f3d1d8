// A batch of random seeds with 5 servers (swarm testing: every seed draws its own fault
// profile), first half (split so the two CI workers stay balanced). CAIRN_SIM_SEED_BASE picks another batch; replay a failure with the printed command.
import { describe, it } from 'vitest';
import { expectSeedOk, randomSeeds } from './swarm.ts';

/** Seeds in this file; the random-seed files together run 300 per CI run. */
const SEEDS = 75;

describe('random seeds, 5 servers (first half)', () => {
  it.each(randomSeeds(SEEDS, 5_000_000))('seed %s', async (seed) => {
    await expectSeedOk(seed, 5);
  });
});
