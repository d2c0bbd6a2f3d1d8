// `cairn leave`: asks the local agent (its HTTP API) to leave the cluster gracefully and shut
// down, as `consul leave` does. The address and token come from the shared HTTP flags.
import { parseCommand, processIo, reportErrors, fail, type Io } from './http-api.ts';

/** A leave transfers leadership and changes the configuration: give it time, but not forever. */
const LEAVE_TIMEOUT_MS = 60_000;

export async function leaveCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn leave [options]\n\n  Causes the agent to gracefully leave the cluster and shut down.', io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.args.length > 0) return fail(io, 'This command takes no arguments');
  return reportErrors(io, 'leaving', async () => {
    await parsed.api.request('PUT', '/v1/agent/leave', { signal: AbortSignal.timeout(LEAVE_TIMEOUT_MS) });
    io.out('Graceful leave complete\n');
    return 0;
  });
}
