// `cairn catalog services|nodes|datacenters` (Consul's `consul catalog`): catalog listings in
// Consul's CLI layout, from /v1/catalog/*.
import type { FlagSpec } from '../flags.ts';
import { columns, dispatch, parseCommand, processIo, reportErrors, fail, type Io } from './http-api.ts';

interface CatalogNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
}

export async function catalogCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  return dispatch(argv, 'Usage: cairn catalog <subcommand> [options]\n\n  Lists the datacenters, nodes and services of the catalog.', {
    datacenters: { synopsis: 'Lists all known datacenters', run: datacenters },
    nodes: { synopsis: 'Lists all nodes in the given datacenter', run: nodes },
    services: { synopsis: 'Lists all registered services in a datacenter', run: services },
  }, io);
}

const sorted = (values: Iterable<string>): string[] => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const pairs = (map: Record<string, string> | null): string => sorted(Object.entries(map ?? {}).map(([k, v]) => `${k}=${v}`)).join(', ');

/** Repeatable -node-meta key=value flags as Consul's query parameters. */
function nodeMeta(values: unknown): URLSearchParams {
  const params = new URLSearchParams();
  for (const kv of Array.isArray(values) ? (values as string[]) : []) params.append('node-meta', kv.includes('=') ? kv.replace('=', ':') : kv);
  return params;
}

async function datacenters(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn catalog datacenters [options]\n\n  Lists all known datacenters.', io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.args.length > 0) return fail(io, 'Too many arguments (expected 0)');
  return reportErrors(io, 'listing datacenters', async () => {
    for (const dc of await parsed.api.json<string[]>('GET', '/v1/catalog/datacenters')) io.out(`${dc}\n`);
    return 0;
  });
}

const NODES_FLAGS: Readonly<Record<string, FlagSpec>> = {
  detailed: { kind: 'bool', usage: 'Print full node IDs, tagged addresses and metadata.' },
  filter: { kind: 'string', usage: 'A filter expression over the nodes (Consul\'s filter syntax).' },
  near: { kind: 'string', usage: 'Sort by round-trip time from this node ("_agent" for this agent).' },
  'node-meta': { kind: 'list', usage: 'key=value: only nodes with this metadata; repeatable.' },
  service: { kind: 'string', usage: 'Only nodes that run this service.' },
};

async function nodes(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, NODES_FLAGS, 'Usage: cairn catalog nodes [options]\n\n  Lists the nodes of the catalog.', io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.args.length > 0) return fail(io, 'Too many arguments (expected 0)');
  const f = parsed.flags;
  return reportErrors(io, 'listing nodes', async () => {
    const params = Object.fromEntries(nodeMeta(f['node-meta']));
    if (typeof f['near'] === 'string') params['near'] = f['near'];
    if (typeof f['filter'] === 'string') params['filter'] = f['filter'];
    const list =
      typeof f['service'] === 'string'
        ? dedupeNodes(await parsed.api.json<(CatalogNode & { Node: string; NodeMeta: Record<string, string> | null })[]>('GET', `/v1/catalog/service/${encodeURIComponent(f['service'])}`, { params }))
        : await parsed.api.json<CatalogNode[]>('GET', '/v1/catalog/nodes', { params });
    if (list.length === 0) {
      io.err('No nodes match the given query - try expanding your search.\n');
      return 0;
    }
    const detail = f['detailed'] === true;
    const rows = [detail ? ['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta'] : ['Node', 'ID', 'Address', 'DC']];
    for (const n of list) {
      const base = [n.Node, detail ? n.ID : n.ID.slice(0, 8), n.Address, n.Datacenter];
      rows.push(detail ? [...base, pairs(n.TaggedAddresses), pairs(n.Meta)] : base);
    }
    io.out(columns(rows));
    return 0;
  });
}

/** Service instances flattened with their node: one row per node. */
function dedupeNodes(instances: readonly (CatalogNode & { NodeMeta: Record<string, string> | null })[]): CatalogNode[] {
  const byName = new Map<string, CatalogNode>();
  for (const i of instances) byName.set(i.Node, { ID: i.ID, Node: i.Node, Address: i.Address, Datacenter: i.Datacenter, TaggedAddresses: i.TaggedAddresses, Meta: i.NodeMeta });
  return [...byName.values()];
}

const SERVICES_FLAGS: Readonly<Record<string, FlagSpec>> = {
  node: { kind: 'string', usage: 'Only services registered on this node.' },
  'node-meta': { kind: 'list', usage: 'key=value: only services on nodes with this metadata; repeatable.' },
  tags: { kind: 'bool', usage: 'Print each service\'s tags.' },
};

async function services(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, SERVICES_FLAGS, 'Usage: cairn catalog services [options]\n\n  Lists the services of the catalog.', io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.args.length > 0) return fail(io, 'Too many arguments (expected 0)');
  const f = parsed.flags;
  return reportErrors(io, 'listing services', async () => {
    let byName: Record<string, string[]>;
    if (typeof f['node'] === 'string') {
      const node = await parsed.api.json<{ Services: Record<string, { Service: string; Tags: string[] | null }> } | null>('GET', `/v1/catalog/node/${encodeURIComponent(f['node'])}`);
      byName = {};
      for (const s of Object.values(node?.Services ?? {})) byName[s.Service] = [...new Set([...(byName[s.Service] ?? []), ...(s.Tags ?? [])])];
    } else {
      byName = await parsed.api.json<Record<string, string[]>>('GET', '/v1/catalog/services', { params: Object.fromEntries(nodeMeta(f['node-meta'])) });
    }
    const names = sorted(Object.keys(byName));
    if (names.length === 0) {
      io.err('No services match the given query - try expanding your search.\n');
      return 0;
    }
    if (f['tags'] === true) io.out(columns(names.map((n) => [n, sorted(byName[n] ?? []).join(',')])));
    else io.out(names.map((n) => `${n}\n`).join(''));
    return 0;
  });
}
