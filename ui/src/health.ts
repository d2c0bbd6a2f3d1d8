// Health at a glance: checks counted by status, and the worst status wins (Consul's order).
import type { CheckStatus, HealthCheck } from './types.ts';

export interface HealthCounts {
  passing: number;
  warning: number;
  critical: number;
}

const SEVERITY: Readonly<Record<CheckStatus, number>> = { passing: 0, warning: 1, maintenance: 2, critical: 2 };

export function worstStatus(checks: readonly HealthCheck[]): CheckStatus {
  let worst: CheckStatus = 'passing';
  for (const check of checks) if (SEVERITY[check.Status] > SEVERITY[worst]) worst = check.Status;
  return worst;
}

function count(checks: readonly HealthCheck[]): HealthCounts {
  const counts: HealthCounts = { passing: 0, warning: 0, critical: 0 };
  for (const check of checks) counts[check.Status === 'maintenance' ? 'critical' : check.Status] += 1;
  return counts;
}

/** Service checks grouped by service name; node-level checks (no ServiceID) by node. */
export function countsByService(checks: readonly HealthCheck[]): Map<string, HealthCounts> {
  const groups = new Map<string, HealthCheck[]>();
  for (const check of checks) {
    if (check.ServiceID === '') continue;
    const group = groups.get(check.ServiceName) ?? [];
    group.push(check);
    groups.set(check.ServiceName, group);
  }
  return new Map([...groups].map(([name, group]) => [name, count(group)]));
}

export function countsByNode(checks: readonly HealthCheck[]): Map<string, HealthCounts> {
  const groups = new Map<string, HealthCheck[]>();
  for (const check of checks) {
    const group = groups.get(check.Node) ?? [];
    group.push(check);
    groups.set(check.Node, group);
  }
  return new Map([...groups].map(([name, group]) => [name, count(group)]));
}
