// The agent's local services and checks survive a restart, as Consul keeps them in its data
// dir: one JSON file, <data-dir>/agent/local-state.json, replaced atomically (write a temp
// file, fsync, rename, fsync the directory) after every change. Writes are serialized and
// coalesced: while one is in flight, later changes wait and only the newest state is written.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckRunSpec } from '../../routes/agent/agent-api.ts';
import type { CheckSpec, ServiceSpec } from '../../storage/commands.ts';

const FORMAT_VERSION = 1;
const FILE_NAME = 'local-state.json';

export interface PersistedCheck {
  readonly check: CheckSpec;
  readonly run: CheckRunSpec | null;
  readonly token: string;
  /** Wall-clock ms until which a TTL check's persisted status holds (Consul's check state Expires). */
  readonly statusExpiresAt: number | null;
}

export interface PersistedState {
  readonly services: readonly { readonly service: ServiceSpec; readonly token: string }[];
  readonly checks: readonly PersistedCheck[];
}

const EMPTY: PersistedState = { services: [], checks: [] };

export class LocalStateFile {
  private readonly dir: string;
  private readonly path: string;
  private writing: Promise<void> | null = null;
  private pending: PersistedState | null = null;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'agent');
    this.path = join(this.dir, FILE_NAME);
    mkdirSync(this.dir, { recursive: true });
  }

  /** The persisted state, or an empty one when there is none yet. A corrupt file is an error. */
  load(): PersistedState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
      throw err;
    }
    const parsed = JSON.parse(text) as { version?: unknown } & PersistedState;
    if (parsed.version !== FORMAT_VERSION || !Array.isArray(parsed.services) || !Array.isArray(parsed.checks)) {
      throw new Error(`${this.path}: not a version ${FORMAT_VERSION} agent state file`);
    }
    return { services: parsed.services, checks: parsed.checks };
  }

  /** Schedules a write of `state`; resolves once it (or a newer state) is durable. */
  save(state: PersistedState): Promise<void> {
    this.pending = state;
    this.writing ??= this.drain().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    // Bounded: each pass writes the newest pending state; a pass only repeats if a change
    // arrived while it was writing.
    while (this.pending !== null) {
      const state = this.pending;
      this.pending = null;
      await this.writeAtomically(JSON.stringify({ version: FORMAT_VERSION, ...state }));
    }
  }

  private async writeAtomically(text: string): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const file = await open(tmp, 'w', 0o600);
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
