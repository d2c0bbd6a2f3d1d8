// Network coordinates (Consul's state/coordinate.go): an update for a node the catalog does
// not know is dropped silently (coordinates are cleaned up with their node), and an unchanged
// coordinate writes nothing.
import type { CoordinateBatchUpdate } from '../commands.ts';
import { jsonEqual } from './equal.ts';
import type { StateTx } from './state-tx.ts';

export function coordinateBatchUpdate(tx: StateTx, cmd: CoordinateBatchUpdate): { updated: number } {
  let updated = 0;
  for (const u of cmd.updates) {
    const node = tx.nodeGet(u.node);
    if (node === undefined) continue;
    const existing = tx.coordinateGet(node.node, u.segment);
    if (existing !== undefined && jsonEqual(existing.coord, u.coord)) continue;
    tx.coordinatePut({ node: node.node, segment: u.segment, coord: u.coord, modifyIndex: tx.index });
    updated++;
  }
  return { updated };
}
