// `cairn acl bootstrap|token|policy|role` (Consul's `consul acl`): create, list, read, update and
// delete ACL objects over /v1/acl/*, printed as Consul prints them (or -format=json).
import type { FlagSpec, FlagValues } from '../flags.ts';
import { dispatch, fail, failWith, parseCommand, processIo, readData, type HttpApi, type Io, type Parsed } from './http-api.ts';

interface Link {
  ID: string;
  Name: string;
}
interface ServiceIdentity {
  ServiceName: string;
  Datacenters?: string[];
}
interface NodeIdentity {
  NodeName: string;
  Datacenter: string;
}
interface Token {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Local: boolean;
  CreateTime: string;
  ExpirationTime?: string;
  Policies?: Link[] | null;
  Roles?: Link[] | null;
  ServiceIdentities?: ServiceIdentity[] | null;
  NodeIdentities?: NodeIdentity[] | null;
}
interface Policy {
  ID: string;
  Name: string;
  Description: string;
  Datacenters?: string[] | null;
  Rules?: string;
}
interface Role {
  ID: string;
  Name: string;
  Description: string;
  Policies?: Link[] | null;
  ServiceIdentities?: ServiceIdentity[] | null;
  NodeIdentities?: NodeIdentity[] | null;
}

export async function aclCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  return dispatch(argv, 'Usage: cairn acl <subcommand> [options]\n\n  Manages the ACL system: bootstrap, tokens, policies and roles.', {
    bootstrap: { synopsis: 'Bootstraps the ACL system and prints the initial management token', run: bootstrap },
    token: { synopsis: 'Manages ACL tokens', run: (a, i) => dispatch(a, 'Usage: cairn acl token <subcommand> [options]', crud(TOKEN), i) },
    policy: { synopsis: 'Manages ACL policies', run: (a, i) => dispatch(a, 'Usage: cairn acl policy <subcommand> [options]', crud(POLICY), i) },
    role: { synopsis: 'Manages ACL roles', run: (a, i) => dispatch(a, 'Usage: cairn acl role <subcommand> [options]', crud(ROLE), i) },
  }, io);
}

const FORMAT: FlagSpec = { kind: 'string', usage: 'Output format: "pretty" (default) or "json".' };

const links = (label: string, list: Link[] | null | undefined): string[] => (list?.length ? [`${label}:`, ...list.map((l) => `   ${l.ID} - ${l.Name}`)] : []);
const identities = (t: { ServiceIdentities?: ServiceIdentity[] | null; NodeIdentities?: NodeIdentity[] | null }): string[] => [
  ...(t.ServiceIdentities?.length ? ['Service Identities:', ...t.ServiceIdentities.map((s) => `   ${s.ServiceName} (Datacenters: ${s.Datacenters?.length ? s.Datacenters.join(', ') : 'all'})`)] : []),
  ...(t.NodeIdentities?.length ? ['Node Identities:', ...t.NodeIdentities.map((n) => `   ${n.NodeName} (Datacenter: ${n.Datacenter})`)] : []),
];
/** Consul's pretty formatters pad labels to a fixed width: 18 for tokens, 14 for policies and roles. */
const line = (width: number) => (label: string, value: string): string => `${`${label}:`.padEnd(width)}${value}`;
const tokenLine = line(18);
const objectLine = line(14);

export function formatToken(t: Token, listed = false): string {
  return [
    tokenLine('AccessorID', t.AccessorID), tokenLine('SecretID', t.SecretID), tokenLine('Description', t.Description), tokenLine('Local', String(t.Local)),
    tokenLine('Create Time', t.CreateTime), ...(t.ExpirationTime ? [tokenLine('Expiration Time', t.ExpirationTime)] : []),
    ...(listed ? [tokenLine('Legacy', 'false')] : []),
    ...links('Policies', t.Policies), ...links('Roles', t.Roles), ...identities(t),
  ].join('\n');
}
export function formatPolicy(p: Policy): string {
  return [objectLine('ID', p.ID), objectLine('Name', p.Name), objectLine('Description', p.Description), objectLine('Datacenters', (p.Datacenters ?? []).join(', ')), 'Rules:', p.Rules ?? ''].join('\n');
}
export function formatRole(r: Role): string {
  return [objectLine('ID', r.ID), objectLine('Name', r.Name), objectLine('Description', r.Description), ...links('Policies', r.Policies), ...identities(r)].join('\n');
}
/** List entries: tokens in full with a blank line between; policies and roles under their name. */
const listEntry = {
  token: (t: Token) => `${formatToken(t, true)}\n`,
  policy: (p: Policy) => `${p.Name}:\n   ${objectLine('ID', p.ID)}\n   ${objectLine('Description', p.Description)}\n   ${objectLine('Datacenters', (p.Datacenters ?? []).join(', '))}\n`,
  role: (r: Role) => `${r.Name}:\n${[objectLine('ID', r.ID), objectLine('Description', r.Description), ...links('Policies', r.Policies), ...identities(r)].map((l) => `   ${l}\n`).join('')}`,
};

function print<T>(io: Io, flags: FlagValues, value: T, format: (v: T) => string): number {
  io.out(flags['format'] === 'json' ? `${JSON.stringify(value, null, 4)}\n` : `${format(value)}\n`);
  return 0;
}

async function bootstrap(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, { format: FORMAT }, 'Usage: cairn acl bootstrap [options]\n\n  Creates the initial management token (once per cluster) and prints it.', io);
  if (typeof parsed === 'number') return parsed;
  return failWith(io, 'Failed ACL bootstrapping', async () => print(io, parsed.flags, await parsed.api.json<Token>('PUT', '/v1/acl/bootstrap'), formatToken));
}

/** "web" or "web:dc1,dc2" (service identity); "node:dc1" (node identity). */
const serviceIdentity = (s: string): ServiceIdentity => {
  const [name = '', dcs] = s.split(':', 2);
  return { ServiceName: name, ...(dcs ? { Datacenters: dcs.split(',') } : {}) };
};
const nodeIdentity = (s: string): NodeIdentity => {
  const [name = '', dc = ''] = s.split(':', 2);
  return { NodeName: name, Datacenter: dc };
};
const list = (v: FlagValues[string] | undefined): string[] => (Array.isArray(v) ? v : []);

/** The links and identities flags of tokens and roles, as body fields (only those given). */
function linkFields(f: FlagValues): Record<string, unknown> {
  const policies = [...list(f['policy-id']).map((ID) => ({ ID })), ...list(f['policy-name']).map((Name) => ({ Name }))];
  const roles = [...list(f['role-id']).map((ID) => ({ ID })), ...list(f['role-name']).map((Name) => ({ Name }))];
  return {
    ...(policies.length > 0 ? { Policies: policies } : {}),
    ...(roles.length > 0 ? { Roles: roles } : {}),
    ...(list(f['service-identity']).length > 0 ? { ServiceIdentities: list(f['service-identity']).map(serviceIdentity) } : {}),
    ...(list(f['node-identity']).length > 0 ? { NodeIdentities: list(f['node-identity']).map(nodeIdentity) } : {}),
  };
}

const LINK_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'policy-id': { kind: 'list', usage: 'ID of a policy to link; repeatable.' },
  'policy-name': { kind: 'list', usage: 'Name of a policy to link; repeatable.' },
  'service-identity': { kind: 'list', usage: 'Service identity "NAME[:DC1,DC2]"; repeatable.' },
  'node-identity': { kind: 'list', usage: 'Node identity "NODE:DC"; repeatable.' },
};

/** What differs between tokens, policies and roles; the verbs are shared. */
interface Kind<T> {
  readonly noun: 'token' | 'policy' | 'role';
  readonly plural: string;
  readonly idField: 'AccessorID' | 'ID';
  readonly createFlags: Readonly<Record<string, FlagSpec>>;
  readonly body: (f: FlagValues, io: Io) => Promise<Record<string, unknown>>;
  readonly format: (value: T) => string;
  /** One entry of `list` (pretty format). */
  readonly listEntry: (value: T) => string;
  /** Read by name (policies and roles). */
  readonly byName: boolean;
}

const describe = (f: FlagValues): Record<string, unknown> => (typeof f['description'] === 'string' ? { Description: f['description'] } : {});

const TOKEN: Kind<Token> = {
  noun: 'token',
  plural: 'tokens',
  idField: 'AccessorID',
  createFlags: {
    ...LINK_FLAGS,
    description: { kind: 'string', usage: 'A description of the token.' },
    'role-id': { kind: 'list', usage: 'ID of a role to link; repeatable.' },
    'role-name': { kind: 'list', usage: 'Name of a role to link; repeatable.' },
    local: { kind: 'bool', usage: 'Create a datacenter-local token.' },
    'expires-ttl': { kind: 'string', usage: 'Go duration after which the token expires.' },
    accessor: { kind: 'string', usage: 'AccessorID to use instead of a generated one.' },
    secret: { kind: 'string', usage: 'SecretID to use instead of a generated one.' },
  },
  body: async (f) => ({
    ...describe(f),
    ...linkFields(f),
    ...(f['local'] === true ? { Local: true } : {}),
    ...(typeof f['expires-ttl'] === 'string' ? { ExpirationTTL: f['expires-ttl'] } : {}),
    ...(typeof f['accessor'] === 'string' ? { AccessorID: f['accessor'] } : {}),
    ...(typeof f['secret'] === 'string' ? { SecretID: f['secret'] } : {}),
  }),
  format: formatToken,
  listEntry: listEntry.token,
  byName: false,
};

const POLICY: Kind<Policy> = {
  noun: 'policy',
  plural: 'policies',
  idField: 'ID',
  createFlags: {
    name: { kind: 'string', usage: 'The policy\'s name.' },
    description: { kind: 'string', usage: 'A description of the policy.' },
    rules: { kind: 'string', usage: 'The rules (HCL or JSON); "@path" reads a file, "-" stdin.' },
    'valid-datacenter': { kind: 'list', usage: 'A datacenter the policy is valid in; repeatable (default: all).' },
  },
  body: async (f, io) => ({
    ...(typeof f['name'] === 'string' ? { Name: f['name'] } : {}),
    ...describe(f),
    ...(typeof f['rules'] === 'string' ? { Rules: (await readData(f['rules'], io)).toString('utf8') } : {}),
    ...(list(f['valid-datacenter']).length > 0 ? { Datacenters: list(f['valid-datacenter']) } : {}),
  }),
  format: formatPolicy,
  listEntry: listEntry.policy,
  byName: true,
};

const ROLE: Kind<Role> = {
  noun: 'role',
  plural: 'roles',
  idField: 'ID',
  createFlags: { ...LINK_FLAGS, name: { kind: 'string', usage: 'The role\'s name.' }, description: { kind: 'string', usage: 'A description of the role.' } },
  body: async (f) => ({ ...(typeof f['name'] === 'string' ? { Name: f['name'] } : {}), ...describe(f), ...linkFields(f) }),
  format: formatRole,
  listEntry: listEntry.role,
  byName: true,
};

const SELECT_FLAGS = (kind: Kind<never>): Record<string, FlagSpec> => ({
  id: { kind: 'string', usage: `The ${kind.noun}'s ${kind.idField}.` },
  ...(kind.byName ? { name: { kind: 'string', usage: `The ${kind.noun}'s name (instead of -id).` } } : {}),
});

/** GET one object by -id (or -name); a token may also be read with -self. */
async function readOne<T>(kind: Kind<T>, parsed: Parsed): Promise<T> {
  const f = parsed.flags;
  if (kind.noun === 'token' && f['self'] === true) return parsed.api.json<T>('GET', '/v1/acl/token/self');
  if (typeof f['id'] === 'string') return parsed.api.json<T>('GET', `/v1/acl/${kind.noun}/${encodeURIComponent(f['id'])}`, { params: f['expanded'] === true ? { expanded: '' } : {} });
  return parsed.api.json<T>('GET', `/v1/acl/${kind.noun}/name/${encodeURIComponent(String(f['name']))}`);
}

/** What the user named the object by (for error lines). */
const selector = (f: FlagValues): string => (typeof f['id'] === 'string' ? f['id'] : typeof f['name'] === 'string' ? f['name'] : 'self');

const hasSelector = (kind: Kind<never>, f: FlagValues): boolean => typeof f['id'] === 'string' || (kind.byName && typeof f['name'] === 'string') || (kind.noun === 'token' && f['self'] === true);

function crud<T>(kind: Kind<T>) {
  const k = kind as unknown as Kind<never>;
  const usage = (verb: string, what: string): string => `Usage: cairn acl ${kind.noun} ${verb} [options]\n\n  ${what}`;
  return {
    create: {
      synopsis: `Creates an ACL ${kind.noun}`,
      run: async (argv: readonly string[], io: Io) => {
        const parsed = parseCommand(argv, { ...kind.createFlags, format: FORMAT }, usage('create', `Creates a ${kind.noun}.`), io);
        if (typeof parsed === 'number') return parsed;
        if (kind.noun !== 'token' && typeof parsed.flags['name'] !== 'string') return fail(io, `Missing required '-name' flag`);
        return failWith(io, `Failed to create new ${kind.noun}`, async () =>
          print(io, parsed.flags, await parsed.api.json<T>('PUT', `/v1/acl/${kind.noun}`, { body: JSON.stringify(await kind.body(parsed.flags, io)) }), kind.format),
        );
      },
    },
    list: {
      synopsis: `Lists ACL ${kind.plural}`,
      run: async (argv: readonly string[], io: Io) => {
        const parsed = parseCommand(argv, { format: FORMAT }, usage('list', `Lists the ${kind.plural}.`), io);
        if (typeof parsed === 'number') return parsed;
        return failWith(io, `Failed to retrieve the ${kind.noun} list`, async () => {
          const items = await parsed.api.json<T[]>('GET', `/v1/acl/${kind.plural}`);
          if (parsed.flags['format'] === 'json') return print(io, parsed.flags, items, () => '');
          io.out(items.map(kind.listEntry).join(kind.noun === 'token' ? '\n' : ''));
          return 0;
        });
      },
    },
    read: {
      synopsis: `Reads an ACL ${kind.noun}`,
      run: async (argv: readonly string[], io: Io) => {
        const extra: Record<string, FlagSpec> = kind.noun === 'token'
          ? { self: { kind: 'bool', usage: 'Read the token the request is made with.' }, expanded: { kind: 'bool', usage: 'Include the resolved policies and roles.' } }
          : {};
        const parsed = parseCommand(argv, { ...SELECT_FLAGS(k), ...extra, format: FORMAT }, usage('read', `Reads one ${kind.noun}.`), io);
        if (typeof parsed === 'number') return parsed;
        if (!hasSelector(k, parsed.flags)) return fail(io, `Must specify the -id${kind.byName ? ' or -name' : ''} parameter`);
        return failWith(io, `Error reading ${kind.noun} ${JSON.stringify(selector(parsed.flags))}`, async () => print(io, parsed.flags, await readOne(kind, parsed), kind.format));
      },
    },
    update: {
      synopsis: `Updates an ACL ${kind.noun}`,
      run: async (argv: readonly string[], io: Io) => update(kind, argv, io),
    },
    delete: {
      synopsis: `Deletes an ACL ${kind.noun}`,
      run: async (argv: readonly string[], io: Io) => {
        const parsed = parseCommand(argv, SELECT_FLAGS(k), usage('delete', `Deletes one ${kind.noun}.`), io);
        if (typeof parsed === 'number') return parsed;
        if (!hasSelector(k, parsed.flags)) return fail(io, `Must specify the -id${kind.byName ? ' or -name' : ''} parameter`);
        return failWith(io, `Error deleting ${kind.noun} ${JSON.stringify(selector(parsed.flags))}`, async () => {
          const id = typeof parsed.flags['id'] === 'string' ? parsed.flags['id'] : await idOf(kind, parsed);
          await parsed.api.request('DELETE', `/v1/acl/${kind.noun}/${encodeURIComponent(id)}`);
          io.out(`${kind.noun[0]!.toUpperCase()}${kind.noun.slice(1)} "${id}" deleted successfully\n`);
          return 0;
        });
      },
    },
  };
}

const idOf = async <T>(kind: Kind<T>, parsed: Parsed): Promise<string> => String((await readOne(kind, parsed) as Record<string, unknown>)[kind.idField]);

/** Reads the object, applies the flags given (links replace the old ones), writes it back. */
async function update<T>(kind: Kind<T>, argv: readonly string[], io: Io): Promise<number> {
  const k = kind as unknown as Kind<never>;
  const parsed = parseCommand(argv, { ...kind.createFlags, ...SELECT_FLAGS(k), format: FORMAT }, `Usage: cairn acl ${kind.noun} update [options]\n\n  Updates one ${kind.noun}: the fields given replace the old ones.`, io);
  if (typeof parsed === 'number') return parsed;
  if (typeof parsed.flags['id'] !== 'string') return fail(io, 'Must specify the -id parameter');
  return failWith(io, `Failed to update ${kind.noun} ${String(parsed.flags['id'])}`, async () => {
    const current = (await readOne(kind, parsed)) as Record<string, unknown>;
    const next = { ...current, ...(await kind.body(parsed.flags, io)) };
    const id = String(current[kind.idField]);
    return print(io, parsed.flags, await putJson<T>(parsed.api, `/v1/acl/${kind.noun}/${encodeURIComponent(id)}`, next), kind.format);
  });
}

const putJson = <T>(api: HttpApi, path: string, body: unknown): Promise<T> => api.json<T>('PUT', path, { body: JSON.stringify(body) });
