// The `cairn` command table: every verb, its one-line synopsis and the module that runs it. The
// binary (app/cli.ts) and the in-process tests dispatch through the same table.
import { CAIRN_VERSION, VERSION } from '../version.ts';
import { aclCommand } from './acl.ts';
import { agentCommand } from './agent.ts';
import { catalogCommand } from './catalog.ts';
import { type CommandRun, type Io, type Subcommand } from './http-api.ts';
import { infoCommand } from './info.ts';
import { kvCommand } from './kv.ts';
import { leaveCommand } from './leave.ts';
import { lockCommand } from './lock.ts';
import { membersCommand } from './members.ts';
import { operatorCommand } from './operator.ts';
import { servicesCommand } from './services.ts';
import { snapshotCommand } from './snapshot.ts';
import { watchCommand } from './watch.ts';

const version: CommandRun = async (_argv, io) => {
  io.out(`Cairn v${CAIRN_VERSION} (Consul API ${VERSION})\n`);
  return 0;
};

export const COMMANDS: Readonly<Record<string, Subcommand>> = {
  acl: { synopsis: "Interact with Cairn's ACLs", run: aclCommand },
  // The agent runs in this process with its own logging; it takes no Io.
  agent: { synopsis: 'Runs a Cairn server agent', run: (argv: readonly string[]) => agentCommand(argv) },
  catalog: { synopsis: 'Interact with the catalog', run: catalogCommand },
  info: { synopsis: 'Provides debugging information for operators', run: infoCommand },
  kv: { synopsis: 'Interact with the key-value store', run: kvCommand },
  leave: { synopsis: 'Gracefully leaves the cluster and shuts down', run: leaveCommand },
  lock: { synopsis: 'Execute a command holding a lock', run: lockCommand },
  members: { synopsis: 'Lists the members of the cluster', run: membersCommand },
  operator: { synopsis: 'Provides cluster-level tools for operators', run: operatorCommand },
  services: { synopsis: 'Interact with services', run: servicesCommand },
  snapshot: { synopsis: 'Saves, restores and inspects snapshots of the cluster state', run: snapshotCommand },
  version: { synopsis: 'Prints the version', run: version },
  watch: { synopsis: 'Watch for changes in Cairn', run: (argv, io) => watchCommand(argv, io) },
};

/** `cairn [--version] [--help] <command> [<args>]`. */
export async function runCairn(argv: readonly string[], io: Io): Promise<number> {
  const [name] = argv;
  if (name === '-v' || name === '-version' || name === '--version') return version([], io);
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `    ${n.padEnd(width)}    ${c.synopsis}`);
  const usage = `Usage: cairn [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n${lines.join('\n')}\n`;
  if (name === '-h' || name === '-help' || name === '--help') {
    io.out(usage);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command === undefined) {
    io.err(name === undefined ? usage : `Unknown command: ${name}\n\n${usage}`);
    return 1;
  }
  return command.run(argv.slice(1), io);
}
