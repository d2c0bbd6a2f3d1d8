// A batch of random seeds with 3 servers (swarm testing: every seed draws its own fault
// profile). CAIRN_SIM_SEED_BASE picks another batch; replay a failure with the printed command.
import { describe, it } from 'vitest';
import { expectSeedOk, randomSeeds } from './swarm.ts';

/** Seeds in this file; the random-seed files together run 300 per CI run. */
const SEEDS = 150;

describe('random seeds, 3 servers', () => {
  it.each(randomSeeds(SEEDS, 3_000_000))('seed %s', async (seed) => {
    await expectSeedOk(seed, 3);
  });
});
