// The public surface of consensus/host: what app/ wires together and the simulation drives.
export { SystemClock, type Clock, type CancelTimer } from './clock.ts';
export {
  NotLeaderError,
  LeadershipLostError,
  TimeoutError,
  ShutdownError,
  FatalStorageError,
  TransportError,
  RemoteError,
  RejectedError,
} from './errors.ts';
export type { Fsm, FsmEntry, FsmEntryKind, FsmSnapshot, AppliedPosition } from './fsm.ts';
export { silentLogger, type Logger, type LogFields } from './logger.ts';
export { CODEC_VERSION, encodeBatch, encodeBatchBytes, decodeBatch, CodecError } from './codec.ts';
export {
  RpcChannel,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Transport,
  type PeerRef,
  type PeerIdentity,
  type RequestOptions,
  type RequestHandler,
  type MessageHandler,
} from './transport.ts';
export { TcpTransport, parseAddress, formatAddress, type TcpTransportOptions } from './tcp-transport.ts';
export { parseClusterKey, CLUSTER_KEY_BYTES } from './frame-auth.ts';
export { FRAME_VERSION } from './frame.ts';
export {
  SnapshotStore,
  SnapshotCorruptError,
  snapshotName,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_CHUNK_BYTES,
  DEFAULT_RETAIN,
  type StoredSnapshot,
  type StoredSnapshotMeta,
  type SnapshotSink,
  type SnapshotReader,
} from './snapshot-store.ts';
export {
  RaftHost,
  DEFAULT_TICK_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  type RaftHostOptions,
  type ReadKind,
  type HostState,
  type HostStatus,
  type PeerProgress,
  type LeaderInfo,
  type AppliedBatch,
  type Applied,
  type HostObserver,
  type UserSnapshot,
  RESTORE_IN_PROGRESS,
} from './raft-host.ts';
