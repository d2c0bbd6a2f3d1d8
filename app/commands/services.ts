// `cairn services register|deregister` (Consul's `consul services`): register services with the
// agent from flags or from JSON definition files ({"service": {…}} or {"services": [{…}]}, the
// agent's configuration format, JSON or HCL), and deregister them by ID or by the same files.
import type { FlagSpec } from '../flags.ts';
import { dispatch, EXIT_ERROR, fail, parseCommand, processIo, reportErrors, type Io } from './http-api.ts';
import { definitionsFromFile, field, type Definition } from './service-definitions.ts';

export async function servicesCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  return dispatch(argv, 'Usage: cairn services <subcommand> [options] [FILE...]\n\n  Registers and deregisters services with the agent.', {
    register: { synopsis: 'Registers services with the agent', run: register },
    deregister: { synopsis: 'Deregisters services from the agent', run: deregister },
  }, io);
}

const REGISTER_FLAGS: Readonly<Record<string, FlagSpec>> = {
  address: { kind: 'string', usage: 'Address of the service (default: the node\'s).' },
  id: { kind: 'string', usage: 'ID of the service (default: its name).' },
  meta: { kind: 'list', usage: 'key=value metadata; repeatable.' },
  name: { kind: 'string', usage: 'Name of the service (registers from flags instead of files).' },
  port: { kind: 'int', usage: 'Port of the service.' },
  tag: { kind: 'list', usage: 'A tag; repeatable.' },
};

function fromFlags(f: Record<string, unknown>): Definition | string {
  const meta: Record<string, string> = {};
  for (const kv of (f['meta'] as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) return `Invalid -meta "${kv}": expected key=value`;
    meta[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return {
    Name: f['name'],
    ...(typeof f['id'] === 'string' ? { ID: f['id'] } : {}),
    ...(typeof f['address'] === 'string' ? { Address: f['address'] } : {}),
    ...(typeof f['port'] === 'number' ? { Port: f['port'] } : {}),
    ...(Array.isArray(f['tag']) ? { Tags: f['tag'] } : {}),
    ...(Object.keys(meta).length > 0 ? { Meta: meta } : {}),
  };
}

async function register(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, REGISTER_FLAGS, 'Usage: cairn services register [options] [FILE...]\n\n  Registers the services defined in FILEs (JSON), or one service from -name and the other flags.', io);
  if (typeof parsed === 'number') return parsed;
  const f = parsed.flags;
  if (typeof f['name'] === 'string' && parsed.args.length > 0) return fail(io, 'Error! Cannot specify both -name and files');
  if (typeof f['name'] !== 'string' && parsed.args.length === 0) return fail(io, 'Error! Missing -name or FILE argument');
  let defs: Definition[];
  try {
    const flagged = typeof f['name'] === 'string' ? fromFlags(f) : undefined;
    if (typeof flagged === 'string') return fail(io, flagged);
    defs = flagged !== undefined ? [flagged] : parsed.args.flatMap(definitionsFromFile);
  } catch (err) {
    io.err(`Error! ${(err as Error).message}\n`);
    return EXIT_ERROR;
  }
  return reportErrors(io, 'registering service', async () => {
    for (const def of defs) {
      await parsed.api.request('PUT', '/v1/agent/service/register', { body: JSON.stringify(def) });
      io.out(`Registered service: ${String(field(def, 'name'))}\n`);
    }
    return 0;
  });
}

async function deregister(argv: readonly string[], io: Io): Promise<number> {
  const specs: Record<string, FlagSpec> = { id: { kind: 'string', usage: 'ID of the service to deregister (instead of files).' } };
  const parsed = parseCommand(argv, specs, 'Usage: cairn services deregister [options] [FILE...]\n\n  Deregisters the service -id, or the services defined in FILEs (by their ID, else name).', io);
  if (typeof parsed === 'number') return parsed;
  const id = parsed.flags['id'];
  if (typeof id === 'string' && parsed.args.length > 0) return fail(io, 'Error! Cannot specify both -id and files');
  if (typeof id !== 'string' && parsed.args.length === 0) return fail(io, 'Error! Missing -id or FILE argument');
  let ids: string[];
  try {
    ids = typeof id === 'string' ? [id] : parsed.args.flatMap(definitionsFromFile).map((d) => String(field(d, 'id') ?? field(d, 'name')));
  } catch (err) {
    io.err(`Error! ${(err as Error).message}\n`);
    return EXIT_ERROR;
  }
  return reportErrors(io, 'deregistering service', async () => {
    for (const one of ids) {
      await parsed.api.request('PUT', `/v1/agent/service/deregister/${encodeURIComponent(one)}`);
      io.out(`Deregistered service: ${one}\n`);
    }
    return 0;
  });
}
