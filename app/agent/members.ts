// /v1/agent/members without gossip: the members are the servers of the Raft configuration,
// named by their catalog nodes, and their liveness is what the leader recorded in each node's
// serfHealth check (critical → failed, Status 4). Every server answers the same, since the
// catalog is replicated. Tags follow what Consul servers advertise in serf.
import type { AgentMember } from '../../routes/agent/agent-api.ts';
import type { StateReads } from '../../storage/state-store.ts';

/** serf member statuses. */
export const MEMBER_ALIVE = 1;
export const MEMBER_FAILED = 4;

export interface ServerEntry {
  readonly id: string;
  /** Cluster address "ip:port". */
  readonly address: string;
}

export interface MembersContext {
  readonly servers: readonly ServerEntry[];
  readonly state: StateReads;
  readonly datacenter: string;
  readonly version: string;
  /** Names learned outside the catalog (this server's own, peers that answered a hello). */
  readonly knownNames?: ReadonlyMap<string, string>;
}

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return at === -1 ? { host: address, port: 0 } : { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

export function serverMember(ctx: MembersContext, server: ServerEntry, wan: boolean): AgentMember {
  const node = ctx.state.nodeById(server.id);
  const name = node?.node ?? ctx.knownNames?.get(server.id) ?? server.id;
  const serf = node === null ? undefined : ctx.state.nodeChecks(node.node).checks.find((c) => c.checkId === 'serfHealth');
  const { host, port } = splitAddress(server.address);
  return {
    Name: wan ? `${name}.${ctx.datacenter}` : name,
    Addr: host,
    Port: port,
    Tags: {
      role: 'consul',
      dc: ctx.datacenter,
      port: String(port),
      id: server.id,
      vsn: '2',
      vsn_min: '2',
      vsn_max: '3',
      raft_vsn: '3',
      build: `${ctx.version}:cairn`,
      segment: '',
    },
    Status: serf?.status === 'critical' ? MEMBER_FAILED : MEMBER_ALIVE,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

/** Every server of the configuration, sorted by name. */
export function serverMembers(ctx: MembersContext, wan: boolean): AgentMember[] {
  return ctx.servers.map((s) => serverMember(ctx, s, wan)).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}
