// The vocabulary of the Raft core: identifiers, log entries, persistent state, cluster
// configuration and the messages nodes exchange. Everything here crosses a boundary (the
// disk through the driver, the wire through the codec), so numeric enums are explicit and
// are never renumbered, and messages are a discriminated union rather than one struct with
// optional fields.

declare const nodeIdBrand: unique symbol;
declare const termBrand: unique symbol;
declare const indexBrand: unique symbol;

/** A server's stable identity (the node UUID). Opaque to the core; compared as a string. */
export type NodeId = string & { readonly [nodeIdBrand]: true };
/** A Raft term: a safe non-negative integer, 0 before any election. */
export type Term = number & { readonly [termBrand]: true };
/** A log position: a safe non-negative integer; 0 means "before the first entry". */
export type Index = number & { readonly [indexBrand]: true };

export function nodeId(value: string): NodeId {
  if (value.length === 0) throw new Error('node id must not be empty');
  return value as NodeId;
}

export function term(value: number): Term {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`invalid term ${value}`);
  return value as Term;
}

export function index(value: number): Index {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`invalid index ${value}`);
  return value as Index;
}

/** Term and index of the position before any entry. */
export const ZERO_TERM = 0 as Term;
export const ZERO_INDEX = 0 as Index;

/**
 * What a log entry carries. The numbers reach disk and the wire: never renumber them.
 * 0 is deliberately invalid so a zeroed record cannot decode as a real entry.
 */
export const EntryType = {
  /** An FSM command proposed by a client. */
  Command: 1,
  /** Appended by every new leader so it can commit an entry of its own term. */
  Noop: 2,
  /** Proposed by the driver to learn when everything before it has been applied. */
  Barrier: 3,
  /** The full new cluster configuration (see membership.ts for the encoding). */
  Configuration: 4,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export function isEntryType(value: number): value is EntryType {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

export interface Entry {
  readonly index: Index;
  readonly term: Term;
  readonly type: EntryType;
  /** Command bytes, the encoded configuration, or empty. Never copied by the core. */
  readonly data: Uint8Array;
}

/**
 * The state that must be on disk before this node tells anyone about it. `commit` may lag
 * on disk (persisting it is an optimisation for restart), `term` and `vote` may not.
 */
export interface HardState {
  readonly term: Term;
  /** Who this node voted for in `term`, or null. */
  readonly vote: NodeId | null;
  readonly commit: Index;
}

/** How a server takes part in the cluster. Reaches disk and the wire: never renumber. */
export const ServerSuffrage = {
  /** Votes in elections and counts towards the commit quorum. */
  Voter: 1,
  /** Receives the log but neither votes nor counts towards a quorum. */
  Nonvoter: 2,
} as const;
export type ServerSuffrage = (typeof ServerSuffrage)[keyof typeof ServerSuffrage];

export interface Server {
  readonly id: NodeId;
  /** The cluster "host:port" the transport dials; opaque to the core. */
  readonly address: string;
  readonly suffrage: ServerSuffrage;
}

/** A cluster configuration. Servers are kept sorted by id so encodings are canonical. */
export interface Configuration {
  readonly servers: readonly Server[];
}

/** Describes the state a snapshot captures: everything up to and including `index`. */
export interface SnapshotMeta {
  readonly index: Index;
  readonly term: Term;
  /** The configuration in force at `index` (the latest configuration entry at or before it). */
  readonly configuration: Configuration;
  /** Index of the entry that introduced `configuration` (0 for an empty configuration). */
  readonly configurationIndex: Index;
}

export const EMPTY_CONFIGURATION: Configuration = Object.freeze({ servers: Object.freeze([]) });

export const EMPTY_SNAPSHOT: SnapshotMeta = Object.freeze({
  index: ZERO_INDEX,
  term: ZERO_TERM,
  configuration: EMPTY_CONFIGURATION,
  configurationIndex: ZERO_INDEX,
});

/** A single-server membership change (Raft dissertation §4.1). */
export type ConfChange =
  | { readonly type: 'addVoter'; readonly id: NodeId; readonly address: string }
  | { readonly type: 'addNonvoter'; readonly id: NodeId; readonly address: string }
  | { readonly type: 'promote'; readonly id: NodeId }
  | { readonly type: 'demote'; readonly id: NodeId }
  | { readonly type: 'remove'; readonly id: NodeId };

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

// ---------------------------------------------------------------------------------------------
// Messages. Every message has from/to/term. Pre-vote requests carry the term the sender would
// campaign in (its term + 1) without having adopted it.

interface MessageHeader {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

/** RequestVote / pre-vote (§5.2, dissertation §9.6). */
export interface VoteRequest extends MessageHeader {
  readonly type: 'vote' | 'preVote';
  readonly lastLogIndex: Index;
  readonly lastLogTerm: Term;
  /** Set when campaigning because of TimeoutNow: voters ignore their leader lease. */
  readonly transfer: boolean;
}

export interface VoteResponse extends MessageHeader {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}

/** AppendEntries (§5.3). An empty `entries` only advances the follower's commit index. */
export interface AppendRequest extends MessageHeader {
  readonly type: 'append';
  readonly prevLogIndex: Index;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: Index;
}

/**
 * Answer to `append` and to a completed snapshot install. On success `index` is the last
 * index known to match the leader. On reject `index` is the rejected prevLogIndex and
 * (hintIndex, hintTerm) is the follower's last entry at or below it whose term is at most
 * the leader's prevLogTerm, which lets the leader skip a whole term per round trip.
 */
export interface AppendResponse extends MessageHeader {
  readonly type: 'appendResp';
  readonly index: Index;
  readonly reject: boolean;
  readonly hintIndex: Index;
  readonly hintTerm: Term;
}

/** Leader liveness; `context` is the newest pending ReadIndex context, if any. */
export interface Heartbeat extends MessageHeader {
  readonly type: 'heartbeat';
  readonly commit: Index;
  readonly context: string | null;
}

export interface HeartbeatResponse extends MessageHeader {
  readonly type: 'heartbeatResp';
  readonly context: string | null;
}

/**
 * One chunk of an InstallSnapshot stream. The leader's core emits a single one with
 * offset 0, empty data and done=false, meaning "stream snapshot `meta` to `to`"; the
 * driver then sends the real chunks with the same header. The receiving driver stores the
 * chunk bytes and steps every chunk into its core, which ignores the bytes and acts on the
 * chunk with done=true.
 */
export interface SnapshotChunk extends MessageHeader {
  readonly type: 'snapshot';
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}

/** Leadership transfer: the target starts an election at once, ignoring leases. */
export interface TimeoutNow extends MessageHeader {
  readonly type: 'timeoutNow';
}

/** A follower forwarding a linearizable read to the leader. */
export interface ReadIndexRequest extends MessageHeader {
  readonly type: 'readIndex';
  readonly context: string;
}

/** The leader's answer: the read may be served once the follower has applied `index`. */
export interface ReadIndexResponse extends MessageHeader {
  readonly type: 'readIndexResp';
  readonly context: string;
  readonly index: Index;
}

/** A follower forwarding a transferLeadership() call to the leader. */
export interface TransferLeadership extends MessageHeader {
  readonly type: 'transferLeader';
  readonly target: NodeId;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | SnapshotChunk
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse
  | TransferLeadership;

export type MessageType = Message['type'];

/** A linearizable read that may be served once the local FSM has applied `index`. */
export interface ReadState {
  readonly context: string;
  readonly index: Index;
}
