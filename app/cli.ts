#!/usr/bin/env -S node --import tsx
// The `cairn` command: finds the subcommand in the table and hands over. No logic lives here;
// each command is a module under app/commands/ (the same verbs as Consul's CLI).
import { agentCommand } from './commands/agent.ts';
import { leaveCommand } from './commands/leave.ts';
import { membersCommand } from './commands/members.ts';
import { operatorCommand } from './commands/operator.ts';
import { snapshotCommand } from './commands/snapshot.ts';
import { CAIRN_VERSION, VERSION } from './version.ts';

interface CommandEntry {
  readonly synopsis: string;
  readonly run: (argv: readonly string[]) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  agent: { synopsis: 'Runs a Cairn server agent', run: agentCommand },
  leave: { synopsis: 'Gracefully leaves the cluster and shuts down', run: (argv) => leaveCommand(argv) },
  members: { synopsis: 'Lists the members of the cluster', run: (argv) => membersCommand(argv) },
  operator: { synopsis: 'Provides cluster-level tools for operators', run: (argv) => operatorCommand(argv) },
  snapshot: { synopsis: 'Saves, restores and inspects snapshots of the cluster state', run: (argv) => snapshotCommand(argv) },
  version: {
    synopsis: 'Prints the version',
    run: async () => {
      process.stdout.write(`Cairn v${CAIRN_VERSION} (Consul API ${VERSION})\n`);
      return 0;
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `    ${name.padEnd(width)}    ${c.synopsis}`);
  return `Usage: cairn [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '-help' || name === '--help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '-v' || name === '-version' || name === '--version') return COMMANDS['version']!.run([]);
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`Unknown command: ${name}\n\n${usage()}`);
    return 1;
  }
  return command.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
