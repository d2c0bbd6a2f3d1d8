// Typed errors. Callers branch on `code`, never on message text.

export type WalErrorCode = 'INVALID_ARGUMENT' | 'CORRUPT' | 'FAILED' | 'CLOSED';

export abstract class WalError extends Error {
  abstract readonly code: WalErrorCode;
}

/** The call was refused before any IO: a non-contiguous append, an oversize entry, a bad option. */
export class WalInvalidArgumentError extends WalError {
  readonly code = 'INVALID_ARGUMENT';
  override readonly name = 'WalInvalidArgumentError';
}

/**
 * Data that was durably written no longer reads back as written: a sealed segment, a
 * committed batch of the tail that is followed by a later commit, the meta file, or a segment
 * named by the meta file that is missing. Never repaired silently.
 */
export class WalCorruptionError extends WalError {
  readonly code = 'CORRUPT';
  override readonly name = 'WalCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`corrupt WAL file ${file} at offset ${offset}: ${detail}`);
  }
}

/**
 * A write, sync or metadata update failed. The WAL stops: after an fsync error the state of
 * the page cache is unknown, so nothing is retried; the process is expected to restart and
 * recover from what is on disk.
 */
export class WalFailedError extends WalError {
  readonly code = 'FAILED';
  override readonly name = 'WalFailedError';
  constructor(override readonly cause: unknown) {
    super(`WAL failed and refuses further calls: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export class WalClosedError extends WalError {
  readonly code = 'CLOSED';
  override readonly name = 'WalClosedError';
  constructor() {
    super('WAL is closed');
  }
}
