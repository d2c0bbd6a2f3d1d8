// The shapes of the /v1 responses the UI reads (Consul's JSON, fields the pages use).
export type CheckStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

export interface HealthCheck {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: CheckStatus;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly Type: string;
}

export interface AgentService {
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[] | null;
  readonly Address: string;
  readonly Port: number;
  readonly Meta: Readonly<Record<string, string>> | null;
}

export interface ServiceEntry {
  readonly Node: { readonly Node: string; readonly Address: string };
  readonly Service: AgentService;
  readonly Checks: readonly HealthCheck[];
}

export interface CatalogNode {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly Meta: Readonly<Record<string, string>> | null;
}

export interface NodeServices {
  readonly Node: CatalogNode;
  readonly Services: Readonly<Record<string, AgentService>>;
}

export interface KvEntry {
  readonly Key: string;
  readonly Value: string | null;
  readonly Flags: number;
  readonly Session?: string;
  readonly LockIndex: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export interface Session {
  readonly ID: string;
  readonly Name: string;
  readonly Node: string;
  readonly Behavior: string;
  readonly TTL: string;
  readonly LockDelay: number;
  readonly NodeChecks: readonly string[] | null;
  readonly ServiceChecks: readonly { readonly ID: string }[] | null;
  readonly CreateIndex: number;
}

export interface AclLink {
  readonly ID: string;
  readonly Name: string;
}

export interface AclToken {
  readonly AccessorID: string;
  readonly Description: string;
  readonly Policies?: readonly AclLink[] | null;
  readonly Roles?: readonly AclLink[] | null;
  readonly Local: boolean;
  readonly CreateTime: string;
}

export interface AclPolicy {
  readonly ID: string;
  readonly Name: string;
  readonly Description: string;
  readonly Datacenters?: readonly string[] | null;
}

export interface AclRole {
  readonly ID: string;
  readonly Name: string;
  readonly Description: string;
  readonly Policies?: readonly AclLink[] | null;
}

export interface RaftServer {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Leader: boolean;
  readonly Voter: boolean;
  readonly LastIndex?: number;
}

export interface AutopilotServer {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly SerfStatus: string;
  readonly Leader: boolean;
  readonly Voter: boolean;
  readonly Healthy: boolean;
  readonly LastContact: string;
  readonly LastTerm: number;
  readonly LastIndex: number;
  readonly StableSince: string;
}

export interface AutopilotHealth {
  readonly Healthy: boolean;
  readonly FailureTolerance: number;
  readonly Servers: readonly AutopilotServer[];
}
