// `cairn members` (Consul's `consul members`): the cluster's members from /v1/agent/members —
// here the servers of the Raft configuration with the liveness the leader observes.
import type { FlagSpec } from '../flags.ts';
import { columns, parseCommand, processIo, reportErrors, type Io } from './http-api.ts';

interface Member {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
  ProtocolCur: number;
}

/** serf's member statuses, as Consul prints them. */
const STATUS = ['none', 'alive', 'leaving', 'left', 'failed'];

const SPECS: Readonly<Record<string, FlagSpec>> = {
  detailed: { kind: 'bool', usage: 'Print every tag of each member.' },
  status: { kind: 'string', usage: 'Only members whose status matches this regular expression.' },
};

export async function membersCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseCommand(argv, SPECS, 'Usage: cairn members [options]\n\n  Lists the members of the cluster.', io);
  if (typeof parsed === 'number') return parsed;
  const pattern = typeof parsed.flags['status'] === 'string' ? new RegExp(parsed.flags['status']) : undefined;
  return reportErrors(io, 'retrieving members', async () => {
    const members = (await parsed.api.json<Member[]>('GET', '/v1/agent/members'))
      .map((m) => ({ ...m, status: STATUS[m.Status] ?? 'unknown' }))
      .filter((m) => pattern === undefined || pattern.test(m.status))
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    if (parsed.flags['detailed'] === true) {
      const rows = [['Node', 'Address', 'Status', 'Tags']];
      for (const m of members) rows.push([m.Name, `${m.Addr}:${m.Port}`, m.status, Object.entries(m.Tags).sort().map(([k, v]) => `${k}=${v}`).join(',')]);
      io.out(columns(rows));
      return 0;
    }
    const rows = [['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment']];
    for (const m of members) {
      const type = m.Tags['role'] === 'consul' ? 'server' : 'client';
      rows.push([m.Name, `${m.Addr}:${m.Port}`, m.status, type, (m.Tags['build'] ?? '').split(':')[0] ?? '', String(m.ProtocolCur), m.Tags['dc'] ?? '', 'default', '<all>']);
    }
    io.out(columns(rows));
    return 0;
  });
}
