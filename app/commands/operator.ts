// `cairn operator raft list-peers|remove-peer|transfer-leader` and `cairn operator autopilot
// get-config|set-config|state` (Consul's `consul operator`), over the HTTP API.
import type { FlagSpec } from '../flags.ts';
import { columns, dispatch, parseCommand, processIo, reportErrors, type Io } from './http-api.ts';

interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  ProtocolVersion: string;
  Voter: boolean;
  LastIndex: number;
}

interface AutopilotConfig {
  CleanupDeadServers: boolean;
  LastContactThreshold: string;
  MaxTrailingLogs: number;
  MinQuorum: number;
  ServerStabilizationTime: string;
  RedundancyZoneTag: string;
  DisableUpgradeMigration: boolean;
  UpgradeVersionTag: string;
  CreateIndex: number;
  ModifyIndex: number;
}

interface AutopilotState {
  Healthy: boolean;
  FailureTolerance: number;
  OptimisticFailureTolerance: number;
  Leader: string;
  Voters: string[];
  Servers: Record<string, { ID: string; Name: string; Address: string; NodeStatus: string; LastContact: string; LastTerm: number; LastIndex: number; Healthy: boolean; StableSince: string; Status: string }>;
}

export async function operatorCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  return dispatch(argv, 'Usage: cairn operator <subcommand> <subcommand> [options]\n\n  Cluster-level tools for operators.', {
    autopilot: {
      synopsis: 'Reads and changes the autopilot configuration and state',
      run: (rest, i) => dispatch(rest, 'Usage: cairn operator autopilot <subcommand> [options]', {
        'get-config': { synopsis: 'Prints the autopilot configuration', run: getConfig },
        'set-config': { synopsis: 'Changes the autopilot configuration', run: setConfig },
        state: { synopsis: "Prints autopilot's view of the servers", run: state },
      }, i),
    },
    raft: {
      synopsis: 'Reads and changes the Raft configuration',
      run: (rest, i) => dispatch(rest, 'Usage: cairn operator raft <subcommand> [options]', {
        'list-peers': { synopsis: 'Lists the servers in the Raft configuration', run: listPeers },
        'remove-peer': { synopsis: 'Removes a server from the Raft configuration', run: removePeer },
        'transfer-leader': { synopsis: 'Hands Raft leadership to another server', run: transferLeader },
      }, i),
    },
  }, io);
}

async function listPeers(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn operator raft list-peers [options]\n\n  Lists the servers in the Raft configuration.', io);
  if (typeof parsed === 'number') return parsed;
  return reportErrors(io, 'getting peers', async () => {
    const config = await parsed.api.json<{ Servers: RaftServer[]; Index: number }>('GET', '/v1/operator/raft/configuration');
    const leader = config.Servers.find((s) => s.Leader);
    const rows = [['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol', 'Commit Index', 'Trails Leader By']];
    for (const s of config.Servers) {
      const trails = leader === undefined || s.Leader ? '-' : `${Math.max(0, leader.LastIndex - s.LastIndex)} commits`;
      rows.push([s.Node, s.ID, s.Address, s.Leader ? 'leader' : 'follower', String(s.Voter), s.ProtocolVersion, String(s.LastIndex), trails]);
    }
    io.out(columns(rows));
    return 0;
  });
}

async function removePeer(argv: readonly string[], io: Io): Promise<number> {
  const specs: Record<string, FlagSpec> = {
    id: { kind: 'string', usage: 'The ID of the server to remove.' },
    address: { kind: 'string', usage: 'The "ip:port" cluster address of the server to remove.' },
  };
  const parsed = parseCommand(argv, specs, 'Usage: cairn operator raft remove-peer [options]\n\n  Removes a server from the Raft configuration.', io);
  if (typeof parsed === 'number') return parsed;
  const id = parsed.flags['id'];
  const address = parsed.flags['address'];
  if ((typeof id === 'string') === (typeof address === 'string')) {
    io.err('Error removing peer: Must specify either -id or -address\n');
    return 1;
  }
  return reportErrors(io, 'removing peer', async () => {
    const params: Record<string, string> = typeof id === 'string' ? { id } : { address: address as string };
    await parsed.api.request('DELETE', '/v1/operator/raft/peer', { params });
    io.out(typeof id === 'string' ? `Removed peer with id "${id}"\n` : `Removed peer with address "${address as string}"\n`);
    return 0;
  });
}

async function transferLeader(argv: readonly string[], io: Io): Promise<number> {
  const specs: Record<string, FlagSpec> = { id: { kind: 'string', usage: 'The ID of the server to hand leadership to (default: the most up-to-date voter).' } };
  const parsed = parseCommand(argv, specs, 'Usage: cairn operator raft transfer-leader [options]\n\n  Hands Raft leadership to another server.', io);
  if (typeof parsed === 'number') return parsed;
  return reportErrors(io, 'transferring leadership', async () => {
    const id = parsed.flags['id'];
    const result = await parsed.api.json<{ Success: boolean }>('POST', '/v1/operator/raft/transfer-leader', { params: typeof id === 'string' ? { id } : {} });
    io.out(result.Success ? 'Success\n' : 'Leadership was not transferred\n');
    return result.Success ? 0 : 1;
  });
}

function formatConfig(c: AutopilotConfig): string {
  return [
    `CleanupDeadServers = ${c.CleanupDeadServers}`,
    `LastContactThreshold = ${c.LastContactThreshold}`,
    `MaxTrailingLogs = ${c.MaxTrailingLogs}`,
    `MinQuorum = ${c.MinQuorum}`,
    `ServerStabilizationTime = ${c.ServerStabilizationTime}`,
    `RedundancyZoneTag = ${JSON.stringify(c.RedundancyZoneTag)}`,
    `DisableUpgradeMigration = ${c.DisableUpgradeMigration}`,
    `UpgradeVersionTag = ${JSON.stringify(c.UpgradeVersionTag)}`,
    '',
  ].join('\n');
}

async function getConfig(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn operator autopilot get-config [options]\n\n  Prints the autopilot configuration.', io);
  if (typeof parsed === 'number') return parsed;
  return reportErrors(io, 'querying Autopilot configuration', async () => {
    io.out(formatConfig(await parsed.api.json<AutopilotConfig>('GET', '/v1/operator/autopilot/configuration')));
    return 0;
  });
}

const SET_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'cleanup-dead-servers': { kind: 'bool', usage: 'Remove failed servers automatically (-cleanup-dead-servers=false to stop).' },
  'last-contact-threshold': { kind: 'string', usage: 'Go duration: a server is unhealthy after this long without contact.' },
  'max-trailing-logs': { kind: 'int', usage: 'A server trailing the leader by more entries is unhealthy.' },
  'min-quorum': { kind: 'int', usage: 'Never remove voters below this many.' },
  'server-stabilization-time': { kind: 'string', usage: 'Go duration a new server must be healthy before it votes.' },
};

async function setConfig(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, SET_FLAGS, 'Usage: cairn operator autopilot set-config [options]\n\n  Changes the autopilot configuration (atomically: check-and-set on its ModifyIndex).', io);
  if (typeof parsed === 'number') return parsed;
  const f = parsed.flags;
  const cleanup = f['cleanup-dead-servers'];
  return reportErrors(io, 'setting Autopilot configuration', async () => {
    const current = await parsed.api.json<AutopilotConfig>('GET', '/v1/operator/autopilot/configuration');
    const next = {
      ...current,
      ...(typeof cleanup === 'boolean' ? { CleanupDeadServers: cleanup } : {}),
      ...(typeof f['last-contact-threshold'] === 'string' ? { LastContactThreshold: f['last-contact-threshold'] } : {}),
      ...(typeof f['max-trailing-logs'] === 'number' ? { MaxTrailingLogs: f['max-trailing-logs'] } : {}),
      ...(typeof f['min-quorum'] === 'number' ? { MinQuorum: f['min-quorum'] } : {}),
      ...(typeof f['server-stabilization-time'] === 'string' ? { ServerStabilizationTime: f['server-stabilization-time'] } : {}),
    };
    const written = await parsed.api.json<boolean>('PUT', '/v1/operator/autopilot/configuration', {
      params: { cas: String(current.ModifyIndex) },
      body: JSON.stringify(next),
    });
    io.out(written ? 'Configuration updated!\n' : 'Configuration could not be atomically updated, please try again\n');
    return written ? 0 : 1;
  });
}

async function state(argv: readonly string[], io: Io): Promise<number> {
  const specs: Record<string, FlagSpec> = { format: { kind: 'string', usage: 'Output format: "pretty" (default) or "json".' } };
  const parsed = parseCommand(argv, specs, "Usage: cairn operator autopilot state [options]\n\n  Prints autopilot's view of the servers.", io);
  if (typeof parsed === 'number') return parsed;
  return reportErrors(io, 'querying Autopilot state', async () => {
    const s = await parsed.api.json<AutopilotState>('GET', '/v1/operator/autopilot/state');
    if (parsed.flags['format'] === 'json') {
      io.out(`${JSON.stringify(s, null, 4)}\n`);
      return 0;
    }
    io.out(columns([['Healthy:', String(s.Healthy)], ['Failure Tolerance:', String(s.FailureTolerance)], ['Optimistic Failure Tolerance:', String(s.OptimisticFailureTolerance)], ['Leader:', s.Leader], ['Voters:', s.Voters.join(', ')]]));
    const rows = [['ID', 'Name', 'Address', 'Status', 'Healthy', 'Node Status', 'Last Contact', 'Last Term', 'Last Index', 'Stable Since']];
    for (const v of Object.values(s.Servers)) rows.push([v.ID, v.Name, v.Address, v.Status, String(v.Healthy), v.NodeStatus, v.LastContact, String(v.LastTerm), String(v.LastIndex), v.StableSince]);
    io.out(`\n${columns(rows)}`);
    return 0;
  });
}
