// An in-memory cluster of real RawNodes for tests: each node has a MemoryStorage and a tiny
// FSM (the list of applied command strings), and a driver loop that follows the Ready contract
// (install snapshot, persist, send, apply, advance). The network is an explicit FIFO queue that
// tests deliver, drop or partition step by step; nothing happens unless a test asks for it.

import {
  EntryType,
  MemoryStorage,
  RawNode,
  bootstrap,
  createRng,
  nodeId,
  ServerSuffrage,
  type Entry,
  type Message,
  type NodeId,
  type RaftOptions,
  type Ready,
  type ReadState,
  type SnapshotMeta,
  type Index,
  type Term,
} from '../../../consensus/raft/index.ts';

/** Rounds of process-ready + deliver before stabilize() gives up (a livelock is a failure). */
const MAX_STABILIZE_ROUNDS = 1000;

const text = new TextDecoder();
const bytes = new TextEncoder();

export interface TestNode {
  readonly id: NodeId;
  storage: MemoryStorage;
  node: RawNode;
  /** The FSM: command payloads applied, in order. */
  state: string[];
  appliedIndex: number;
  readStates: ReadState[];
  /** FSM states captured by snapshots, by snapshot index. */
  readonly snapshots: Map<number, string[]>;
  /** Take a snapshot whenever the core says one is due. */
  autoSnapshot: boolean;
}

export interface ClusterOptions {
  readonly voters: readonly string[];
  readonly nonvoters?: readonly string[];
  /** Nodes created empty (not bootstrapped), to be added by a membership change. */
  readonly fresh?: readonly string[];
  readonly config?: Omit<RaftOptions, 'id'>;
  readonly seed?: number;
  /**
   * Extra log per node after the bootstrap entry, as the term of each entry (commands named
   * "t<term>i<index>"). Every node's persisted term becomes the highest term in any log, as
   * if all had seen that term's leader.
   */
  readonly logs?: Readonly<Record<string, readonly number[]>>;
}

export function addressOf(id: string): string {
  return `127.0.0.1:${8300 + Number.parseInt(id, 36) % 1000}`;
}

export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered, in send order. */
  queue: Message[] = [];
  /** Links "from->to" that drop everything. */
  readonly cut = new Set<string>();
  readonly config: Omit<RaftOptions, 'id'>;
  private readonly seed: number;

  constructor(opts: ClusterOptions) {
    this.config = { electionTicks: 10, heartbeatTicks: 1, ...opts.config };
    this.seed = opts.seed ?? 1;
    const servers = [
      ...opts.voters.map((id) => ({ id: nodeId(id), address: addressOf(id), suffrage: ServerSuffrage.Voter })),
      ...(opts.nonvoters ?? []).map((id) => ({ id: nodeId(id), address: addressOf(id), suffrage: ServerSuffrage.Nonvoter })),
    ];
    const boot = bootstrap({ servers });
    const maxTerm = Math.max(1, ...Object.values(opts.logs ?? {}).flat());
    for (const s of servers) {
      const storage = new MemoryStorage();
      storage.append([boot.entry]);
      storage.setHardState({ ...boot.hardState, term: maxTerm as Term });
      const terms = opts.logs?.[s.id] ?? [];
      storage.append(terms.map((term, k) => command(term, k + 2, `t${term}i${k + 2}`)));
      this.start(s.id, storage, [], 0);
    }
    for (const id of opts.fresh ?? []) this.start(nodeId(id), new MemoryStorage(), [], 0);
  }

  /** (Re)starts a node over existing storage, as after a crash. */
  start(id: NodeId, storage: MemoryStorage, state: string[], applied: number): TestNode {
    const node = new RawNode({
      config: { ...this.config, id },
      storage,
      rng: createRng(this.seed).fork(id),
      applied: applied as Index,
    });
    const prev = this.nodes.get(id);
    const t: TestNode = {
      id,
      storage,
      node,
      state,
      appliedIndex: applied,
      readStates: [],
      snapshots: prev?.snapshots ?? new Map(),
      autoSnapshot: prev?.autoSnapshot ?? true,
    };
    this.nodes.set(id, t);
    return t;
  }

  /** Crash and restart: volatile state is lost, storage and the FSM's durable state survive. */
  restart(id: string): TestNode {
    const t = this.get(id);
    return this.start(t.id, t.storage, t.state, t.appliedIndex);
  }

  get(id: string): TestNode {
    const t = this.nodes.get(id as NodeId);
    if (!t) throw new Error(`no node ${id}`);
    return t;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()].sort();
  }

  tick(id: string, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }

  /** Performs one Ready of `id` following the contract; returns it (null if none). */
  processReady(id: string): Ready | null {
    const t = this.get(id);
    if (!t.node.hasReady()) return null;
    const rd = t.node.ready();
    if (rd.snapshot) this.install(t, rd.snapshot);
    t.storage.append(rd.entries);
    if (rd.hardState) t.storage.setHardState(rd.hardState);
    for (const m of [...rd.messages, ...rd.messagesAfterPersist]) this.queue.push(this.fillSnapshot(m));
    for (const e of rd.committedEntries) this.apply(t, e);
    t.readStates.push(...rd.readStates);
    if (rd.snapshotDue && t.autoSnapshot) this.snapshot(t);
    if (rd.compactTo !== null) t.storage.compact(rd.compactTo);
    t.node.advance(rd);
    return rd;
  }

  private apply(t: TestNode, e: Entry): void {
    if (e.index !== t.appliedIndex + 1) throw new Error(`${t.id} applies ${e.index} after ${t.appliedIndex}`);
    t.appliedIndex = e.index;
    if (e.type === EntryType.Command) t.state.push(text.decode(e.data));
  }

  /** Takes a snapshot of `t`'s FSM at its applied index, as the driver would. */
  snapshot(t: TestNode): SnapshotMeta {
    const meta = t.node.snapshotMetaAt(t.appliedIndex as Index);
    t.snapshots.set(meta.index, [...t.state]);
    t.storage.setSnapshot(meta);
    t.node.onSnapshotTaken(meta);
    return meta;
  }

  private install(t: TestNode, meta: SnapshotMeta): void {
    const state = this.receivedSnapshots.get(`${t.id}@${meta.index}`);
    if (!state) throw new Error(`${t.id} installs snapshot ${meta.index} it never received`);
    t.storage.applySnapshot(meta);
    t.state = [...state];
    t.appliedIndex = meta.index;
    t.snapshots.set(meta.index, [...state]);
  }

  /** Snapshot bytes that reached each node, keyed "id@index" (the driver's staging area). */
  private readonly receivedSnapshots = new Map<string, string[]>();

  /** The leader's driver turns a snapshot-send request into the stream's final chunk. */
  private fillSnapshot(m: Message): Message {
    if (m.type !== 'snapshot' || m.done) return m;
    const state = this.get(m.from).snapshots.get(m.meta.index);
    if (!state) throw new Error(`${m.from} has no snapshot at ${m.meta.index}`);
    return { ...m, data: bytes.encode(JSON.stringify(state)), done: true };
  }

  /** Delivers queued messages (optionally only those to `to`), dropping cut links and `drop`. */
  deliver(opts: { to?: readonly string[]; drop?: readonly string[] } = {}): Message[] {
    const delivered: Message[] = [];
    const keep: Message[] = [];
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) {
      if (opts.to && !opts.to.includes(m.to)) {
        keep.push(m);
        continue;
      }
      if (opts.drop?.includes(m.to)) continue;
      if (this.deliverOne(m)) delivered.push(m);
    }
    this.queue = [...keep, ...this.queue];
    return delivered;
  }

  /** Steps one message into its destination unless its link is cut; returns whether it was. */
  deliverOne(m: Message): boolean {
    if (this.cut.has(`${m.from}->${m.to}`) || !this.nodes.has(m.to)) return false;
    if (m.type === 'snapshot' && m.done) {
      this.receivedSnapshots.set(`${m.to}@${m.meta.index}`, JSON.parse(text.decode(m.data)) as string[]);
    }
    this.get(m.to).node.step(m);
    return true;
  }

  /** The leader's driver side of a message about to go on the wire (fills snapshot streams). */
  wire(m: Message): Message {
    return this.fillSnapshot(m);
  }

  /** Processes and delivers until nothing is left to do. */
  stabilize(ids: readonly string[] = this.ids()): void {
    for (let round = 0; round < MAX_STABILIZE_ROUNDS; round++) {
      let busy = false;
      for (const id of ids) if (this.processReady(id)) busy = true;
      if (this.queue.length > 0) {
        busy = true;
        this.deliver();
      }
      if (!busy) return;
    }
    throw new Error('cluster did not stabilize');
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: readonly string[], b: readonly string[]): void {
    for (const x of a) for (const y of b) {
      this.cut.add(`${x}->${y}`);
      this.cut.add(`${y}->${x}`);
    }
  }

  isolate(id: string): void {
    this.partition([id], this.ids().filter((x) => x !== id));
  }

  heal(): void {
    this.cut.clear();
  }

  leader(): TestNode | null {
    let best: TestNode | null = null;
    for (const id of this.ids()) {
      const t = this.get(id);
      const st = t.node.status();
      if (st.role === 'leader' && (!best || st.term > best.node.status().term)) best = t;
    }
    return best;
  }

  /** Elects `id`: campaign, then process and deliver until stable. */
  elect(id: string): void {
    const res = this.get(id).node.campaign();
    if (!res.ok) throw new Error(`campaign ${id}: ${res.error.code}`);
    this.stabilize();
    if (this.get(id).node.status().role !== 'leader') throw new Error(`${id} did not become leader`);
  }

  propose(id: string, data: string): Index {
    const res = this.get(id).node.propose(bytes.encode(data));
    if (!res.ok) throw new Error(`propose on ${id}: ${res.error.code}`);
    return res.index;
  }
}

export function command(term: number, index: number, data: string): Entry {
  return { term: term as Term, index: index as Index, type: EntryType.Command, data: bytes.encode(data) };
}

export function entriesOf(t: TestNode): Entry[] {
  const s = t.storage;
  const got = s.entries(s.firstIndex(), (s.lastIndex() + 1) as Index, Number.MAX_SAFE_INTEGER);
  if (!Array.isArray(got)) throw new Error(String(got));
  return [...(got as Entry[])];
}
