// The node's stable UUID, kept in <data-dir>/node-id: the Raft server id and the catalog node
// ID. A configured -node-id must agree with the one on disk (as Consul refuses a changed one).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function loadOrCreateNodeId(dataDir: string, configured: string | null): { ok: true; id: string } | { ok: false; error: string } {
  if (configured !== null && !UUID.test(configured)) return { ok: false, error: `Invalid node ID "${configured}": must be a lowercase UUID` };
  const file = join(dataDir, 'node-id');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (!UUID.test(stored)) return { ok: false, error: `${file} does not hold a valid node ID` };
    if (configured !== null && configured !== stored) return { ok: false, error: `node ID ${configured} does not match the one in ${file} (${stored})` };
    return { ok: true, id: stored };
  }
  const id = configured ?? randomUUID();
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return { ok: true, id };
}
