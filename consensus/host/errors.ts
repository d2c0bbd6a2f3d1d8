// Typed errors of the Raft host and its transport. Callers (app/, routes/) switch on the
// class: NotLeaderError means "forward or answer 500 No cluster leader", LeadershipLostError and
// TimeoutError mean "outcome unknown" (the entry may still commit), ShutdownError means the
// host is stopping, and FatalStorageError means the node stopped because its disk failed.

/** The operation needs the leader and this server is not it. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  /** The leader's node id and cluster address, when this server knows them. */
  readonly leaderId: string | undefined;
  readonly leaderAddress: string | undefined;

  constructor(leaderId?: string, leaderAddress?: string) {
    super(leaderId === undefined ? 'No cluster leader' : `Not the leader; the leader is ${leaderId}`);
    this.leaderId = leaderId;
    this.leaderAddress = leaderAddress;
  }
}

/**
 * The proposal was accepted by a leader that lost leadership (or saw its entry overwritten)
 * before the entry was applied. The outcome is unknown: the entry may or may not commit.
 */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
  constructor(message = 'Leadership lost while committing the request') {
    super(message);
  }
}

/** The operation did not finish within its deadline; its outcome is unknown. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(message = 'Timed out') {
    super(message);
  }
}

/** The host or transport is stopping (or stopped); nothing more will be done for the caller. */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError';
  constructor(message = 'Raft is shutting down') {
    super(message);
  }
}

/**
 * A durable write (fsync, rename, WAL append) failed. The host stops instead of retrying:
 * after a failed fsync the kernel may have dropped the dirty pages, so "retry and continue"
 * could acknowledge data that is not on disk.
 */
export class FatalStorageError extends Error {
  override readonly name = 'FatalStorageError';
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

/**
 * A cluster-port request failed for a transport reason (unreachable, closed, overloaded).
 * `maybeDelivered` is set when the connection was lost after the request was sent: the peer may
 * have acted on it, so the outcome is unknown and a write must not be sent again.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly maybeDelivered = false,
  ) {
    super(message);
  }
}

/** The peer's request handler failed; `message` is the text the peer sent back. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(message: string) {
    super(message);
  }
}

/**
 * The core refused the operation for a reason other than leadership (a membership change is
 * already in flight, too many uncommitted bytes, a leadership transfer is under way, ...).
 * Nothing was appended; the caller may retry later.
 */
export class RejectedError extends Error {
  override readonly name = 'RejectedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
