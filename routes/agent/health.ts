// The agent's service health endpoints (Consul's agentHealthService): a service's checks
// aggregated into one status, mapped to 200 passing / 429 warning / 503 critical.
import { z } from '@hono/zod-openapi';
import type { ServiceSpec } from '../../storage/commands.ts';
import { agentCheckJson, agentServiceJson, type AgentServiceJson } from '../schemas/agent.ts';
import type { HealthCheckJson } from '../schemas/catalog.ts';
import type { AgentCheck } from './agent-api.ts';

export const CheckUpdateBodySchema = z.object({ Status: z.string().optional(), Output: z.string().optional() }).openapi('AgentCheckUpdate');

export type Aggregated = 'passing' | 'warning' | 'critical' | 'maintenance';

const NODE_MAINT = '_node_maintenance';
const SERVICE_MAINT_PREFIX = '_service_maintenance:';

/** api.HealthChecks.AggregatedStatus: maintenance > critical > warning > passing. */
export function aggregate(checks: readonly Pick<AgentCheck, 'checkId' | 'status'>[]): Aggregated {
  let critical = false;
  let warning = false;
  for (const c of checks) {
    if (c.checkId === NODE_MAINT || c.checkId.startsWith(SERVICE_MAINT_PREFIX)) return 'maintenance';
    if (c.status === 'critical') critical = true;
    else if (c.status === 'warning') warning = true;
  }
  return critical ? 'critical' : warning ? 'warning' : 'passing';
}

/** The worst of several aggregated statuses (an empty list is passing). */
export function aggregatedStatus(statuses: readonly string[]): Aggregated {
  const order: readonly Aggregated[] = ['passing', 'warning', 'critical', 'maintenance'];
  let worst: Aggregated = 'passing';
  for (const s of statuses) if (order.indexOf(s as Aggregated) > order.indexOf(worst)) worst = s as Aggregated;
  return worst;
}

export const statusCode = (status: string): 200 | 429 | 503 => (status === 'passing' ? 200 : status === 'warning' ? 429 : 503);

export interface ServiceChecksInfo {
  readonly AggregatedStatus: Aggregated;
  readonly Service: AgentServiceJson;
  readonly Checks: HealthCheckJson[];
}

/** The service's own checks plus the node-level ones, as ChecksForService(…, true) gathers them. */
export function healthInfo(service: ServiceSpec, checks: readonly AgentCheck[], datacenter: string): ServiceChecksInfo {
  const mine = checks.filter((c) => c.serviceId === service.id || c.serviceId === '');
  return { AggregatedStatus: aggregate(mine), Service: agentServiceJson(service, datacenter), Checks: mine.map(agentCheckJson) };
}
