// `cairn watch -type TYPE [options] [HANDLER...]` (Consul's `consul watch`): a blocking-query
// loop over one view (a key, a key prefix, the services, the nodes, a service's healthy
// instances, checks). Without a handler the first result is printed as JSON and the command
// exits; with one, the handler runs (through a shell) with the JSON on stdin and CONSUL_INDEX
// in its environment every time the result changes, until SIGINT/SIGTERM.
import type { FlagSpec, FlagValues } from '../flags.ts';
import { startChild, exited } from './child-process.ts';
import { describeError, EXIT_ERROR, fail, kvPath, parseCommand, pause, processIo, toJson, type HttpApi, type Io } from './http-api.ts';

/** Each blocking read waits at most this long, then is re-issued (the server clamps at 10 min). */
const BLOCK_WAIT = '5m';
/** Backoff after failed reads: doubles from the first to the cap (Consul's watch plan: 5 s, 20 s max). */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 20_000;

export interface View {
  readonly path: string;
  readonly params: Record<string, string>;
  /** Repeated ?tag= filters (all must match). */
  readonly tags?: readonly string[];
  /** The watched value from the response body (a key watch yields the entry itself, or null). */
  readonly shape: (body: unknown) => unknown;
}

const str = (v: FlagValues[string] | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The query for a watch type and its flags, or a usage error. */
export function viewFor(type: string, f: FlagValues): View | string {
  const same = (body: unknown): unknown => body;
  switch (type) {
    case 'key': {
      const key = str(f['key']);
      return key === undefined ? 'Must specify a single key to watch' : { path: kvPath(key), params: {}, shape: (b) => (Array.isArray(b) ? (b[0] ?? null) : null) };
    }
    case 'keyprefix': {
      const prefix = str(f['prefix']);
      return prefix === undefined ? 'Must specify a key prefix to watch' : { path: kvPath(prefix), params: { recurse: '' }, shape: (b) => b ?? [] };
    }
    case 'services':
      return { path: '/v1/catalog/services', params: {}, shape: same };
    case 'nodes':
      return { path: '/v1/catalog/nodes', params: {}, shape: same };
    case 'service': {
      const service = str(f['service']);
      if (service === undefined) return 'Must specify a single service to watch';
      const params: Record<string, string> = f['passingonly'] === true ? { passing: '' } : {};
      const tags = Array.isArray(f['tag']) ? f['tag'] : [];
      return { path: `/v1/health/service/${encodeURIComponent(service)}`, params, tags, shape: same };
    }
    case 'checks': {
      const service = str(f['service']);
      const state = str(f['state']);
      if (service !== undefined && state !== undefined) return 'Cannot specify service and state';
      if (service !== undefined) return { path: `/v1/health/checks/${encodeURIComponent(service)}`, params: {}, shape: same };
      return { path: `/v1/health/state/${encodeURIComponent(state ?? 'any')}`, params: {}, shape: same };
    }
    default:
      return `Unsupported watch type: ${type} (supported: key, keyprefix, services, nodes, service, checks)`;
  }
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  type: { kind: 'string', usage: 'What to watch: key, keyprefix, services, nodes, service or checks.' },
  key: { kind: 'string', usage: 'The key (type key).' },
  prefix: { kind: 'string', usage: 'The key prefix (type keyprefix).' },
  service: { kind: 'string', usage: 'The service (types service and checks).' },
  tag: { kind: 'list', usage: 'Only instances with this tag (type service); repeatable.' },
  passingonly: { kind: 'bool', usage: 'Only instances whose checks all pass (type service).' },
  state: { kind: 'string', usage: 'Only checks in this state (type checks; default any).' },
  shell: { kind: 'bool', usage: 'Run the handler through a shell (default true).' },
};

const USAGE = `Usage: cairn watch [options] [HANDLER...]

  Watches a view of the data for changes. Without HANDLER the current value is printed as JSON
  and the command exits. With HANDLER it runs every time the value changes, with the JSON on
  stdin and CONSUL_INDEX set, until interrupted.`;

export async function watchCommand(argv: readonly string[], io: Io = processIo, stop?: AbortSignal): Promise<number> {
  const parsed = parseCommand(argv, FLAGS, USAGE, io);
  if (typeof parsed === 'number') return parsed;
  const type = str(parsed.flags['type']);
  if (type === undefined) return fail(io, 'Watch type must be specified');
  const view = viewFor(type, parsed.flags);
  if (typeof view === 'string') return fail(io, view);
  if (parsed.args.length === 0) {
    try {
      const { data } = await fetchView(parsed.api, view, 0, stop);
      io.out(`${toJson(view.shape(data), 4)}\n`);
      return 0;
    } catch (err) {
      io.err(`Error querying Consul agent: ${describeError(err)}\n`);
      return EXIT_ERROR;
    }
  }
  const shutdown = new AbortController();
  const onSignal = (): void => shutdown.abort();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    await watchLoop(parsed.api, view, stop === undefined ? shutdown.signal : AbortSignal.any([stop, shutdown.signal]), async (json, index) => {
      const child = startChild({ args: parsed.args, shell: parsed.flags['shell'] !== false, env: { ...io.env, CONSUL_INDEX: String(index) }, stdin: 'pipe' });
      child.stdin?.on('error', () => undefined).end(json);
      const code = await exited(child);
      if (code !== 0) io.err(`Error executing handler: exit status ${code}\n`);
    }, io);
    return 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function fetchView(api: HttpApi, view: View, index: number, signal: AbortSignal | undefined): Promise<{ data: unknown; index: number }> {
  const query = new URLSearchParams({ ...view.params, ...(index > 0 ? { index: String(index), wait: BLOCK_WAIT } : {}) });
  for (const t of view.tags ?? []) query.append('tag', t);
  const path = `${view.path}${query.size > 0 ? `?${query.toString()}` : ''}`;
  return api.read<unknown>(path, { allow: [404], ...(signal === undefined ? {} : { signal }) });
}

/**
 * Consul's watch plan: block on the last index; when the index moves and the value differs,
 * hand it over; an index that goes backwards (restore, reaped tombstones) restarts from 0;
 * errors back off exponentially up to the cap.
 */
async function watchLoop(api: HttpApi, view: View, signal: AbortSignal, handle: (json: string, index: number) => Promise<void>, io: Io): Promise<void> {
  let index = 0;
  let last: string | undefined;
  let backoff = RETRY_FIRST_MS;
  while (!signal.aborted) {
    let result: { data: unknown; index: number };
    try {
      result = await fetchView(api, view, index, signal);
      backoff = RETRY_FIRST_MS;
    } catch (err) {
      if (signal.aborted) return;
      io.err(`Watch error: ${describeError(err)} (retrying in ${backoff} ms)\n`);
      await pause(backoff, signal);
      backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      continue;
    }
    if (result.index === index) continue;
    index = result.index < index ? 0 : result.index;
    const json = `${toJson(view.shape(result.data), 4)}\n`;
    if (json === last) continue;
    last = json;
    await handle(json, result.index);
  }
}
