// `cairn info` (Consul's `consul info`): the agent's runtime statistics from /v1/agent/self,
// one section per subsystem, keys sorted.
import { parseCommand, processIo, reportErrors, fail, type Io } from './http-api.ts';

export async function infoCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn info [options]\n\n  Prints debugging information about the agent: Raft, the catalog, runtime and build.', io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.args.length > 0) return fail(io, 'This command takes no arguments');
  return reportErrors(io, 'querying agent info', async () => {
    const self = await parsed.api.json<{ Stats?: Record<string, Record<string, unknown>> }>('GET', '/v1/agent/self');
    const stats = self.Stats ?? {};
    for (const section of Object.keys(stats).sort()) {
      io.out(`${section}:\n`);
      const values = stats[section] ?? {};
      for (const key of Object.keys(values).sort()) io.out(`\t${key} = ${String(values[key])}\n`);
    }
    return 0;
  });
}
