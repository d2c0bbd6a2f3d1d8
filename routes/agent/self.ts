// GET /v1/agent/self and /v1/agent/version bodies (consul-api.md §6.1–6.2). Config is Consul's
// stable subset plus SessionTTLMin in nanoseconds, which Patroni reads when a session TTL is
// refused (current Consul keeps it only in DebugConfig; adding it is harmless).
import type { Services } from '../services.ts';
import { memberJson } from '../schemas/agent.ts';

/** Consul's fallback build date (version.BuildDate when not stamped). */
export const BUILD_DATE = '1970-01-01T00:00:01Z';
const NS_PER_MS = 1_000_000;

export function selfJson(services: Services) {
  const { info, agent, limits } = services;
  const coord = agent.coordinate();
  return {
    Config: {
      Datacenter: info.datacenter,
      PrimaryDatacenter: info.datacenter,
      NodeName: info.nodeName,
      NodeID: info.nodeId,
      Revision: '',
      Server: true,
      Version: info.version,
      BuildDate: BUILD_DATE,
      SessionTTLMin: limits.sessionTtlMinMs * NS_PER_MS,
    },
    DebugConfig: { ...agent.debugConfig() },
    Coord: coord === null ? null : { Vec: [...coord.Vec], Error: coord.Error, Adjustment: coord.Adjustment, Height: coord.Height },
    Member: memberJson(agent.localMember()),
    Stats: Object.fromEntries(Object.entries(agent.stats()).map(([k, v]) => [k, { ...v }])),
    Meta: { 'consul-network-segment': '' },
  };
}

export const versionJson = (version: string) => ({ SHA: '', BuildDate: BUILD_DATE, HumanVersion: version, FIPS: '' });
