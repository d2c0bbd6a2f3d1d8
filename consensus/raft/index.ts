// The public surface of the Raft core. The driver (consensus/host) and the simulation import
// from here only.

export * from './types.ts';
export { InvariantError } from './assert.ts';
export { DEFAULT_RAFT_CONFIG, resolveConfig, isConfigError, validate as validateConfig } from './config.ts';
export type { RaftConfig, RaftOptions, ConfigError } from './config.ts';
export { createRng } from './rng.ts';
export type { Rng } from './rng.ts';
export {
  CompactedError,
  UnavailableError,
  MemoryStorage,
  ENTRY_OVERHEAD_BYTES,
  entrySize,
  limitSize,
} from './storage.ts';
export type { LogStorage, InitialState, StorageError } from './storage.ts';
export { isEmptyReady } from './ready.ts';
export type { Ready, SoftState } from './ready.ts';
export {
  nextConfiguration,
  checkConfiguration,
  encodeConfiguration,
  decodeConfiguration,
  isVoter,
  findServer,
  bootstrap,
} from './membership.ts';
export type { MembershipError, MembershipErrorCode, NextConfigurationResult, Bootstrap } from './membership.ts';
export { RawNode } from './raw-node.ts';
export type {
  RawNodeOptions,
  ProposeResult,
  ProposeError,
  ReadIndexResult,
  ReadIndexError,
  TransferResult,
  TransferError,
  CampaignResult,
  CampaignError,
  Status,
  ProgressStatus,
  ProgressState,
  SnapshotSendStatus,
  UserRestoreResult,
  UserRestoreError,
} from './raw-node.ts';
