// /v1/operator/usage counts (Consul's state/usage.go ServiceUsage): distinct service names,
// instances, Connect instances by kind, and billable instances (neither Connect proxies or
// gateways nor Consul's own "consul" service).
import type { ServiceInstancesResult } from '../../storage/state-store.ts';

export interface UsageCounts {
  readonly Services: number;
  readonly ServiceInstances: number;
  readonly ConnectServiceInstances: Record<string, number>;
  readonly BillableServiceInstances: number;
}

const CONNECT_KINDS = ['connect-proxy', 'ingress-gateway', 'mesh-gateway', 'terminating-gateway', 'api-gateway'] as const;

export function usageOf(result: ServiceInstancesResult): { index: number; counts: UsageCounts } {
  const names = new Set<string>();
  const connect: Record<string, number> = { 'connect-native': 0 };
  for (const kind of CONNECT_KINDS) connect[kind] = 0;
  let billable = 0;
  for (const { service } of result.instances) {
    names.add(service.service);
    if (service.kind !== '' && service.kind in connect) connect[service.kind] = (connect[service.kind] ?? 0) + 1;
    const native = (service.extra?.['Connect'] as { Native?: unknown } | undefined)?.Native === true;
    if (native) connect['connect-native'] = (connect['connect-native'] ?? 0) + 1;
    if (service.kind === '' && service.service !== 'consul') billable++;
  }
  return {
    index: result.index,
    counts: { Services: names.size, ServiceInstances: result.instances.length, ConnectServiceInstances: connect, BillableServiceInstances: billable },
  };
}
