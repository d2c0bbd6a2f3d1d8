// Public API of raft-wal-ts. See README.md for the format and the crash-safety argument.
export type { LogEntry, Wal, WalOptions } from './types.ts';
export type { Vfs, VfsFile } from './vfs.ts';
export { openWal, DEFAULT_SEGMENT_SIZE, DEFAULT_MAX_ENTRY_SIZE } from './open.ts';
export { NodeVfs, type NodeVfsOptions } from './node-vfs.ts';
export { WalError, WalInvalidArgumentError, WalCorruptionError, WalFailedError, WalClosedError, type WalErrorCode } from './errors.ts';
export { crc32c } from './crc32c.ts';
