// <data-dir>/acl-bootstrap-reset: an operator who lost every management token writes the reset
// index (from the bootstrap refusal) into this file on the leader, and may bootstrap once more.
// The leader removes the file as soon as it has accepted its index, so a later snapshot
// restore cannot re-open bootstrapping by accident (Consul's fileBootstrapResetIndex).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';

export const BOOTSTRAP_RESET_FILE = 'acl-bootstrap-reset';

export interface BootstrapReset {
  /** The index written in the file; 0 when there is no file or it holds no number. */
  read(): number;
  remove(): void;
}

export function bootstrapResetFile(dataDir: string, logger: Logger): BootstrapReset {
  const path = join(dataDir, BOOTSTRAP_RESET_FILE);
  return {
    read() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.error({ err, path }, 'bootstrap: failed to read the reset file');
        return 0;
      }
      // fmt.Sscanf("%d"): leading space, then an integer; anything after it is ignored.
      const match = /^\s*\+?(\d+)/.exec(text);
      if (match === null) {
        logger.error({ path }, 'failed to parse the bootstrap reset index');
        return 0;
      }
      const index = Number(match[1]);
      return Number.isSafeInteger(index) ? index : 0;
    },
    remove() {
      rmSync(path, { force: true });
    },
  };
}
