// A small datadriven runner (after etcd-io/raft's interaction tests): a script is a list of
// commands, one per line ('#' starts a comment); the transcript echoes each command followed by
// what it produced, and is compared against a golden file.
//
// Commands (ids are node ids; lists are comma-separated):
//   add-nodes voters=1,2,3 [nonvoters=4] [fresh=5] [seed=N] [<raft option>=value ...]
//   campaign ID | elect ID (campaign and settle quietly) | tick ID [N] | tick-heartbeat ID
//   tick-election ID
//   propose ID DATA | propose-conf-change ID TYPE TARGET | read-index ID CTX
//   transfer-leadership ID TARGET | snapshot ID | restart ID
//   process-ready [IDS] | deliver-msgs [to=IDS] [drop=IDS] | stabilize [IDS]
//   partition IDS IDS | isolate ID | heal
//   raft-log ID | status [IDS] | state ID | lease ID | progress ID

import { nodeId, type ConfChange, type RaftOptions } from '../../../consensus/raft/index.ts';
import { Cluster, addressOf, entriesOf } from './harness.ts';
import { formatConfiguration, formatEntries, formatMessage, formatReady } from './format.ts';

/** Ticks tick-election may spend waiting for a node to act (2 × the largest timeout). */
const TICK_ELECTION_BOUND = 2 * 100;

interface Command {
  readonly name: string;
  readonly args: string[];
  readonly kv: Map<string, string>;
}

function parse(line: string): Command {
  const [name = '', ...rest] = line.trim().split(/\s+/);
  const args: string[] = [];
  const kv = new Map<string, string>();
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    if (eq > 0) kv.set(tok.slice(0, eq), tok.slice(eq + 1));
    else args.push(tok);
  }
  return { name, args, kv };
}

const list = (v: string | undefined): string[] => (v ? v.split(',').filter(Boolean) : []);

function arg(cmd: Command, i: number): string {
  const v = cmd.args[i];
  if (v === undefined) throw new Error(`${cmd.name}: missing argument ${i + 1}`);
  return v;
}

function raftOptions(kv: Map<string, string>): Omit<RaftOptions, 'id'> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of kv) {
    if (['voters', 'nonvoters', 'fresh', 'seed'].includes(k)) continue;
    out[k] = v === 'true' ? true : v === 'false' ? false : Number(v);
  }
  return out as Omit<RaftOptions, 'id'>;
}

export function runScript(source: string): string {
  const out: string[] = [];
  let cluster: Cluster | null = null;
  const c = (): Cluster => {
    if (!cluster) throw new Error('add-nodes first');
    return cluster;
  };
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      out.push(raw);
      continue;
    }
    out.push(`> ${line}`);
    const cmd = parse(line);
    if (cmd.name === 'add-nodes') {
      cluster = new Cluster({
        voters: list(cmd.kv.get('voters')),
        nonvoters: list(cmd.kv.get('nonvoters')),
        fresh: list(cmd.kv.get('fresh')),
        seed: Number(cmd.kv.get('seed') ?? 1),
        config: raftOptions(cmd.kv),
      });
      for (const id of cluster.ids()) out.push(`  ${id}: ${summary(cluster, id)}`);
      continue;
    }
    out.push(...run(c(), cmd).map((l) => `  ${l}`));
  }
  return out.join('\n');
}

function summary(c: Cluster, id: string): string {
  const s = c.get(id).node.status();
  return `${s.role} term=${s.term} vote=${s.vote ?? '-'} leader=${s.leader ?? '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} conf${formatConfiguration(s.configuration)}`;
}

function processAll(c: Cluster, ids: string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const rd = c.processReady(id);
    if (rd) out.push(...formatReady(id, rd));
  }
  return out;
}

function run(c: Cluster, cmd: Command): string[] {
  const idsOr = (i: number): string[] => (cmd.args[i] ? list(cmd.args[i]) : c.ids());
  switch (cmd.name) {
    case 'campaign': {
      const res = c.get(arg(cmd, 0)).node.campaign();
      return res.ok ? [] : [`error: ${res.error.code}`];
    }
    case 'elect':
      c.elect(arg(cmd, 0));
      return c.ids().map((id) => `${id}: ${summary(c, id)}`);
    case 'tick':
      c.tick(arg(cmd, 0), Number(cmd.args[1] ?? 1));
      return [];
    case 'tick-heartbeat':
      c.tick(arg(cmd, 0), c.config.heartbeatTicks ?? 1);
      return [];
    case 'tick-election':
      return [`ticks: ${tickElection(c, arg(cmd, 0))}`];
    case 'propose': {
      const res = c.get(arg(cmd, 0)).node.propose(new TextEncoder().encode(arg(cmd, 1)));
      return [res.ok ? `proposed at ${res.term}/${res.index}` : `error: ${res.error.code}`];
    }
    case 'propose-conf-change': {
      const res = c.get(arg(cmd, 0)).node.proposeConfChange(confChange(arg(cmd, 1), arg(cmd, 2)));
      return [res.ok ? `proposed at ${res.term}/${res.index}` : `error: ${res.error.code}`];
    }
    case 'read-index': {
      const res = c.get(arg(cmd, 0)).node.readIndex(arg(cmd, 1));
      return res.ok ? [] : [`error: ${res.error.code}`];
    }
    case 'transfer-leadership': {
      const res = c.get(arg(cmd, 0)).node.transferLeadership(nodeId(arg(cmd, 1)));
      return res.ok ? [] : [`error: ${res.error.code}`];
    }
    case 'snapshot': {
      const meta = c.snapshot(c.get(arg(cmd, 0)));
      return [`snapshot ${meta.term}/${meta.index} conf${formatConfiguration(meta.configuration)}`];
    }
    case 'restart':
      c.restart(arg(cmd, 0));
      return [summary(c, arg(cmd, 0))];
    case 'process-ready':
      return processAll(c, idsOr(0));
    case 'deliver-msgs': {
      const to = cmd.kv.has('to') ? list(cmd.kv.get('to')) : undefined;
      const delivered = c.deliver({ ...(to ? { to } : {}), drop: list(cmd.kv.get('drop')) });
      return delivered.map(formatMessage);
    }
    case 'stabilize':
      return stabilize(c, idsOr(0));
    case 'partition':
      c.partition(list(arg(cmd, 0)), list(arg(cmd, 1)));
      return [];
    case 'isolate':
      c.isolate(arg(cmd, 0));
      return [];
    case 'heal':
      c.heal();
      return [];
    default:
      return inspect(c, cmd, idsOr);
  }
}

function inspect(c: Cluster, cmd: Command, idsOr: (i: number) => string[]): string[] {
  switch (cmd.name) {
    case 'raft-log':
      return [formatEntries(entriesOf(c.get(arg(cmd, 0))))];
    case 'status':
      return idsOr(0).map((id) => `${id}: ${summary(c, id)}`);
    case 'state':
      return [JSON.stringify(c.get(arg(cmd, 0)).state)];
    case 'lease':
      return [`lease valid: ${c.get(arg(cmd, 0)).node.leaseValid()}`];
    case 'progress':
      return (c.get(arg(cmd, 0)).node.status().progress ?? []).map(
        (p) => `${p.id}: ${p.state} match=${p.match} next=${p.next}${p.voter ? '' : ' nonvoter'}`,
      );
    default:
      throw new Error(`unknown command ${cmd.name}`);
  }
}

/** Ticks a follower until it acts (campaigns), or a leader for one election timeout. */
function tickElection(c: Cluster, id: string): number {
  const t = c.get(id);
  if (t.node.status().role === 'leader') {
    const n = c.config.electionTicks ?? 10;
    c.tick(id, n);
    return n;
  }
  for (let i = 1; i <= TICK_ELECTION_BOUND; i++) {
    t.node.tick();
    // Campaigning restarts the election timer.
    if (t.node.status().ticksSinceLeaderContact === 0) return i;
  }
  throw new Error(`${id} did not act within ${TICK_ELECTION_BOUND} ticks`);
}

function stabilize(c: Cluster, ids: string[]): string[] {
  const out: string[] = [];
  // Bounded like Cluster.stabilize: a script that livelocks fails instead of hanging.
  for (let round = 0; round < 1000; round++) {
    const readies = processAll(c, ids);
    const delivered = c.deliver().map((m) => `deliver: ${formatMessage(m)}`);
    if (readies.length === 0 && delivered.length === 0 && c.queue.length === 0) return out;
    out.push(...readies, ...delivered);
  }
  throw new Error('stabilize did not converge');
}

function confChange(type: string, target: string): ConfChange {
  const id = nodeId(target);
  switch (type) {
    case 'addVoter':
    case 'addNonvoter':
      return { type, id, address: addressOf(target) };
    case 'promote':
    case 'demote':
    case 'remove':
      return { type, id };
    default:
      throw new Error(`unknown conf change ${type}`);
  }
}
