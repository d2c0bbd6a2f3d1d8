// Seed names. Seed k of a batch is an 8-digit hex string derived from k, so batches are
// reproducible and any single seed can be replayed by name.
import { createRng } from '../../consensus/raft/index.ts';

export function seedName(k: number): string {
  return createRng(k).fork('seed').u32().toString(16).padStart(8, '0');
}
