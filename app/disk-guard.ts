// The leader refuses client writes while its data directory's disk is nearly full (as etcd
// raises its NOSPACE alarm): a write that reached the WAL and failed there would stop the
// server (a failed durable write is fatal, never retried), so the client gets a clear 500
// instead, nothing reaches Raft, and writes are accepted again as soon as space returns. The
// reserve leaves room for what the servers write on their own (elections, housekeeping) and
// for the entries already in flight. Followers cannot refuse what the leader replicates: a
// follower whose disk fills stops, and catches up once restarted with space.
import { statfs } from 'node:fs/promises';
import { CommandGateway, type GatewayDeps, type LeaderAnswer } from './command-gateway.ts';
import { HttpError } from '../routes/lib/errors.ts';
import type { Command } from '../storage/commands.ts';
import type { Caller } from './acl/admission.ts';

/** Free bytes below which client writes are refused. */
export const DISK_RESERVE_BYTES = 32 * 1024 * 1024;
/** A free-space reading older than this is refreshed (in the background) on the next write. */
const REFRESH_MS = 100;

export type FreeBytes = () => Promise<number>;

/** Free bytes for unprivileged writers on the file system holding `dir`. */
export const statfsFreeBytes =
  (dir: string): FreeBytes =>
  async () => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };

export class DiskGuard {
  private free = Number.POSITIVE_INFINITY;
  private readAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly probe: FreeBytes,
    private readonly now: () => number,
    private readonly reserve = DISK_RESERVE_BYTES,
  ) {}

  /** Reads the free space now (at start-up, so the first write is judged on a real reading). */
  async refresh(): Promise<void> {
    this.refreshing ??= this.probe()
      .then((free) => {
        this.free = free;
        this.readAt = this.now();
      })
      .catch(() => {
        // An unreadable file system is not a reason to refuse writes; the WAL will tell.
        this.free = Number.POSITIVE_INFINITY;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Consul-style 500 text when a client write must be refused, else undefined. */
  async refusal(): Promise<string | undefined> {
    if (this.now() - this.readAt > REFRESH_MS) await this.refresh();
    if (this.free >= this.reserve) return undefined;
    return `No space left on device: ${mib(this.free)} free in the data directory, below the ${mib(this.reserve)} kept in reserve; writes are refused until space is freed`;
  }
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The gateway with the leader's disk check in front of every client write. */
export class DiskGuardedGateway extends CommandGateway {
  constructor(
    deps: GatewayDeps,
    private readonly guard: DiskGuard,
  ) {
    super(deps);
  }

  override async applyAsLeader(command: Command, bytes: Uint8Array, caller?: Caller): Promise<LeaderAnswer> {
    // The servers' own writes go ahead: they are few, and the reserve is for them.
    if (caller !== undefined && caller.kind !== 'server') {
      const refused = await this.guard.refusal();
      if (refused !== undefined) throw new HttpError(500, refused);
    }
    return super.applyAsLeader(command, bytes, caller);
  }
}
