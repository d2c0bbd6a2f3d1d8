// Test harness for storage: a real SQLite state (file in a temp dir, or :memory:) plus helpers
// that wrap commands into consecutive Raft entries, the way the driver hands them over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand } from '../../storage/commands.ts';
import type { CheckSpec, Command, CommandResult, NodeSpec, ServiceSpec, SessionSpec } from '../../storage/commands.ts';
import type { FsmEntry } from '../../storage/fsm.ts';
import { openState } from '../../storage/open-state.ts';
import type { State } from '../../storage/open-state.ts';
import type { FeedRow } from '../../storage/types.ts';

export interface Harness extends State {
  /** Applies each command as its own entry (one batch); returns the results. */
  applyAll(cmds: readonly Command[]): CommandResult[];
  /** Applies one command; returns its result. */
  apply<R = CommandResult>(cmd: Command): R;
  /** The index the next entry will get. */
  nextIndex(): number;
  /** Every change-feed row published so far, batch by batch. */
  readonly feed: FeedRow[][];
  readonly dir: string | null;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-storage-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function harness(path = ':memory:', term = 1): Harness {
  const feed: FeedRow[][] = [];
  const state = openState(path, { onCommit: (rows) => feed.push([...rows]) });
  const entries = (cmds: readonly Command[]): FsmEntry[] => {
    const start = state.fsm.applied().index + 1;
    return cmds.map((c, i) => ({ index: start + i, term, kind: 'command', data: encodeCommand(c) }));
  };
  return {
    ...state,
    feed,
    dir: null,
    applyAll: (cmds) => state.fsm.apply(entries(cmds)) as CommandResult[],
    apply: <R>(cmd: Command) => state.fsm.apply(entries([cmd]))[0] as R,
    nextIndex: () => state.fsm.applied().index + 1,
  };
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const text = (v: Uint8Array | null): string | null => (v === null ? null : Buffer.from(v).toString('utf8'));

export const SESSION_A = 'aaaaaaaa-0000-4000-8000-000000000001';
export const SESSION_B = 'bbbbbbbb-0000-4000-8000-000000000002';

export const kvSet = (key: string, value: string | null = null, flags = '0'): Command => ({ type: 'kv.set', key, value: value === null ? null : b64(value), flags });
export const kvCas = (key: string, index: number, value: string | null = null): Command => ({ type: 'kv.cas', key, value: value === null ? null : b64(value), flags: '0', index });
export const kvLock = (key: string, session: string, value: string | null = null): Command => ({ type: 'kv.lock', key, value: value === null ? null : b64(value), flags: '0', session });
export const kvUnlock = (key: string, session: string, value: string | null = null): Command => ({ type: 'kv.unlock', key, value: value === null ? null : b64(value), flags: '0', session });
export const kvDelete = (key: string): Command => ({ type: 'kv.delete', key });
export const kvDeleteTree = (prefix: string): Command => ({ type: 'kv.delete-tree', prefix });
export const kvDeleteCas = (key: string, index: number): Command => ({ type: 'kv.delete-cas', key, index });

export function nodeSpec(node: string, over: Partial<NodeSpec> = {}): NodeSpec {
  return { id: '', node, address: '127.0.0.1', datacenter: 'dc1', taggedAddresses: null, meta: null, ...over };
}

export function serviceSpec(service: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    kind: '', id: service, service, tags: null, address: '', taggedAddresses: null, meta: null, port: 0, socketPath: '',
    weights: { Passing: 1, Warning: 1 }, enableTagOverride: false, extra: null, ...over,
  };
}

export function checkSpec(node: string, checkId: string, over: Partial<CheckSpec> = {}): CheckSpec {
  return {
    node, checkId, name: checkId, status: 'passing', notes: '', output: '', serviceId: '', type: '', interval: '', timeout: '',
    exposedPort: 0, definition: {}, ...over,
  };
}

export function register(node: string, opts: { service?: ServiceSpec; checks?: CheckSpec[]; nodeOver?: Partial<NodeSpec>; skip?: boolean } = {}): Command {
  return {
    type: 'catalog.register',
    node: nodeSpec(node, opts.nodeOver),
    skipNodeUpdate: opts.skip ?? false,
    service: opts.service ?? null,
    checks: opts.checks ?? [],
  };
}

/** The server's self-registration: its node with a passing serfHealth and the consul service. */
export function selfRegister(node: string): Command {
  return register(node, {
    nodeOver: { id: '5a1b2c3d-0000-4000-8000-00000000abcd' },
    service: serviceSpec('consul', { port: 8300 }),
    checks: [checkSpec(node, 'serfHealth', { name: 'Serf Health Status', output: 'Agent alive and reachable' })],
  });
}

export function sessionCreate(id: string, node: string, over: Partial<SessionSpec> = {}): Command {
  return {
    type: 'session.create',
    session: { id, name: '', node, lockDelayNs: 15_000_000_000, behavior: 'release', ttl: '', nodeChecks: ['serfHealth'], serviceChecks: null, ...over },
  };
}
