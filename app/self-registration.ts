// Every server keeps its own node in the catalog: the node with its address, a passing
// serfHealth check ("Agent alive and reachable") and the `consul` service on the cluster port,
// as a Consul server does. Sessions created without explicit checks depend on it (Consul
// answers "Missing node registration" otherwise). The server syncs it whenever a leader is
// known and the catalog differs from what it should be (anti-entropy), through Raft.
import type { CheckSpec, Command } from '../storage/commands.ts';
import type { StateReads } from '../storage/state-store.ts';

export interface SelfNode {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly address: string;
  readonly datacenter: string;
  readonly serverPort: number;
  readonly version: string;
}

export function serfHealthCheck(node: string, status: CheckSpec['status'] = 'passing'): CheckSpec {
  return {
    node,
    checkId: 'serfHealth',
    name: 'Serf Health Status',
    status,
    notes: '',
    output: status === 'passing' ? 'Agent alive and reachable' : 'Agent not live or unreachable',
    serviceId: '',
    type: '',
    interval: '',
    timeout: '',
    exposedPort: 0,
    definition: {},
  };
}

export function selfRegistration(self: SelfNode): Command {
  return {
    type: 'catalog.register',
    node: {
      id: self.nodeId,
      node: self.nodeName,
      address: self.address,
      datacenter: self.datacenter,
      taggedAddresses: { lan: self.address, lan_ipv4: self.address, wan: self.address, wan_ipv4: self.address },
      meta: { 'consul-network-segment': '' },
    },
    skipNodeUpdate: false,
    service: {
      kind: '',
      id: 'consul',
      service: 'consul',
      tags: [],
      address: '',
      taggedAddresses: null,
      meta: { raft_version: '3', serf_protocol_current: '2', serf_protocol_max: '5', serf_protocol_min: '2', version: self.version },
      port: self.serverPort,
      socketPath: '',
      weights: { Passing: 1, Warning: 1 },
      enableTagOverride: false,
      extra: null,
    },
    checks: [serfHealthCheck(self.nodeName)],
  };
}

/** True when the catalog already holds this server's node, passing serfHealth and consul service. */
export function isRegistered(state: StateReads, self: SelfNode): boolean {
  const node = state.nodeGet(self.nodeName).node;
  if (node === null || node.address !== self.address || node.id !== self.nodeId) return false;
  const serf = state.nodeChecks(self.nodeName).checks.find((c) => c.checkId === 'serfHealth');
  if (serf === undefined || serf.status !== 'passing') return false;
  const services = state.nodeServices(self.nodeName);
  return services.services.some((s) => s.id === 'consul' && s.port === self.serverPort);
}
