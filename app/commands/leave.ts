// `cairn leave`: asks the local agent (its HTTP API) to leave the cluster gracefully and shut
// down, as `consul leave` does. The address comes from -http-addr, else CONSUL_HTTP_ADDR, else
// 127.0.0.1:8500; a token from -token or CONSUL_HTTP_TOKEN.
import { formatUsage, parseFlags, type FlagSpec } from '../flags.ts';

const LEAVE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'http-addr': { kind: 'string', usage: 'Address of the agent\'s HTTP API (default: $CONSUL_HTTP_ADDR or 127.0.0.1:8500).' },
  token: { kind: 'string', usage: 'ACL token (default: $CONSUL_HTTP_TOKEN).' },
};
const DEFAULT_HTTP_ADDR = '127.0.0.1:8500';
/** A leave transfers leadership and changes the configuration: give it time, but not forever. */
const LEAVE_TIMEOUT_MS = 60_000;

export function leaveUsage(): string {
  return `Usage: cairn leave [options]\n\n  Causes the agent to gracefully leave the cluster and shut down.\n\nOptions:\n\n${formatUsage(LEAVE_FLAGS)}\n`;
}

/** The API base URL: a bare host:port means http, as the Consul CLI reads CONSUL_HTTP_ADDR. */
export function apiBase(addr: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(addr) ? addr : `http://${addr}`;
  return withScheme.replace(/\/+$/, '');
}

export async function leaveCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  if (argv.includes('-h') || argv.includes('-help') || argv.includes('--help')) {
    process.stdout.write(leaveUsage());
    return 0;
  }
  const parsed = parseFlags(argv, LEAVE_FLAGS);
  if (!parsed.ok || parsed.rest.length > 0) {
    process.stderr.write(`${parsed.ok ? 'This command takes no arguments' : parsed.error}\n\n${leaveUsage()}`);
    return 1;
  }
  const addr = (parsed.values['http-addr'] as string | undefined) || env['CONSUL_HTTP_ADDR'] || DEFAULT_HTTP_ADDR;
  const token = (parsed.values['token'] as string | undefined) || env['CONSUL_HTTP_TOKEN'] || '';
  try {
    const res = await fetch(`${apiBase(addr)}/v1/agent/leave`, {
      method: 'PUT',
      headers: token === '' ? {} : { 'X-Consul-Token': token },
      signal: AbortSignal.timeout(LEAVE_TIMEOUT_MS),
    });
    if (res.status !== 200) {
      process.stderr.write(`Error leaving: Unexpected response code: ${res.status} (${(await res.text()).trim()})\n`);
      return 1;
    }
  } catch (err) {
    process.stderr.write(`Error leaving: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write('Graceful leave complete\n');
  return 0;
}
