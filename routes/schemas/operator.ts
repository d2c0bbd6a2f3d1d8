// Consul's operator JSON (consul-api.md §10): the Raft configuration, autopilot configuration
// (durations as Go duration strings out; strings or nanosecond numbers in, as api.ReadableDuration),
// autopilot health and state, and usage.
import { z } from '@hono/zod-openapi';
import { formatGoDuration } from '../lib/go-duration.ts';
import type { AutopilotConfigView, AutopilotHealthView, RaftConfigurationView, ServerHealthView } from '../operator/operator-services.ts';

export const RaftServerSchema = z
  .object({
    ID: z.string(),
    Node: z.string().openapi({ description: 'Catalog node with this server\'s ID, or "(unknown)".' }),
    Address: z.string().openapi({ example: '127.0.0.1:8300' }),
    Leader: z.boolean(),
    ProtocolVersion: z.string().openapi({ example: '3' }),
    Voter: z.boolean(),
    LastIndex: z.number().int(),
  })
  .openapi('RaftServer');

export const RaftConfigurationSchema = z
  .object({ Servers: z.array(RaftServerSchema), Index: z.number().int() })
  .openapi('RaftConfiguration');

export const toRaftConfigurationJson = (v: RaftConfigurationView): z.output<typeof RaftConfigurationSchema> => ({
  Servers: v.servers.map((s) => ({
    ID: s.id,
    Node: s.node,
    Address: s.address,
    Leader: s.leader,
    ProtocolVersion: '3',
    Voter: s.voter,
    LastIndex: s.lastIndex,
  })),
  Index: v.index,
});

const duration = (description: string) => z.string().openapi({ description, example: '10s' });

export const AutopilotConfigSchema = z
  .object({
    CleanupDeadServers: z.boolean(),
    LastContactThreshold: duration('Go duration.'),
    MaxTrailingLogs: z.number().int(),
    MinQuorum: z.number().int(),
    ServerStabilizationTime: duration('Go duration.'),
    RedundancyZoneTag: z.string(),
    DisableUpgradeMigration: z.boolean(),
    UpgradeVersionTag: z.string(),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('AutopilotConfiguration');

export const toAutopilotConfigJson = (c: AutopilotConfigView): z.output<typeof AutopilotConfigSchema> => ({
  CleanupDeadServers: c.cleanupDeadServers,
  LastContactThreshold: formatGoDuration(BigInt(c.lastContactThresholdNs)),
  MaxTrailingLogs: c.maxTrailingLogs,
  MinQuorum: c.minQuorum,
  ServerStabilizationTime: formatGoDuration(BigInt(c.serverStabilizationTimeNs)),
  RedundancyZoneTag: c.redundancyZoneTag,
  DisableUpgradeMigration: c.disableUpgradeMigration,
  UpgradeVersionTag: c.upgradeVersionTag,
  CreateIndex: c.createIndex,
  ModifyIndex: c.modifyIndex,
});

/** api.ReadableDuration on input: a Go duration string, or a number of nanoseconds. */
const durationIn = z
  .custom<string | number | bigint>((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint', { message: '*api.ReadableDuration' })
  .optional()
  .openapi({ type: 'string', description: 'Go duration string ("200ms") or nanoseconds.' } as never);

/** A Go unsigned integer field; `goType` names it in the type-mismatch text. */
const unsigned = (goType: string) =>
  z
    .custom<number | bigint>((v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n), { message: goType })
    .optional()
    .openapi({ type: 'integer', minimum: 0 } as never);

/** The PUT body as Go decodes api.AutopilotConfiguration: any key case, absent = zero value. */
export const AutopilotConfigBodySchema = z
  .object({
    CleanupDeadServers: z.boolean().optional(),
    LastContactThreshold: durationIn,
    MaxTrailingLogs: unsigned('uint64'),
    MinQuorum: unsigned('uint'),
    ServerStabilizationTime: durationIn,
    RedundancyZoneTag: z.string().optional(),
    DisableUpgradeMigration: z.boolean().optional(),
    UpgradeVersionTag: z.string().optional(),
  })
  .openapi('AutopilotConfigurationRequest');
export type AutopilotConfigBody = z.output<typeof AutopilotConfigBodySchema>;

const ServerHealthSchema = z
  .object({
    ID: z.string(),
    Name: z.string(),
    Address: z.string(),
    SerfStatus: z.string().openapi({ example: 'alive' }),
    Version: z.string(),
    Leader: z.boolean(),
    LastContact: duration('Since the leader last heard from it (Go duration).'),
    LastTerm: z.number().int(),
    LastIndex: z.number().int(),
    Healthy: z.boolean(),
    Voter: z.boolean(),
    StableSince: z.string().openapi({ description: 'RFC 3339 time health last changed.' }),
  })
  .openapi('AutopilotServerHealth');

export const AutopilotHealthSchema = z
  .object({ Healthy: z.boolean(), FailureTolerance: z.number().int(), Servers: z.array(ServerHealthSchema) })
  .openapi('AutopilotHealth');

const lastContact = (s: ServerHealthView): string => formatGoDuration(BigInt(s.lastContactNs ?? 0));
/** Go's time.Time JSON: RFC 3339 with nanoseconds (the millisecond clock gives at most 3 digits). */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.?0*Z$/, 'Z');

export const toAutopilotHealthJson = (h: AutopilotHealthView): z.output<typeof AutopilotHealthSchema> => ({
  Healthy: h.healthy,
  FailureTolerance: h.failureTolerance,
  Servers: h.servers.map((s) => ({
    ID: s.id,
    Name: s.name,
    Address: s.address,
    SerfStatus: s.serfStatus,
    Version: s.version,
    Leader: s.leader,
    LastContact: lastContact(s),
    LastTerm: s.lastTerm,
    LastIndex: s.lastIndex,
    Healthy: s.healthy,
    Voter: s.voter,
    StableSince: rfc3339(s.stableSinceMs),
  })),
});

const ServerStateSchema = z
  .object({
    ID: z.string(),
    Name: z.string(),
    Address: z.string(),
    NodeStatus: z.string(),
    Version: z.string(),
    LastContact: z.string(),
    LastTerm: z.number().int(),
    LastIndex: z.number().int(),
    Healthy: z.boolean(),
    StableSince: z.string(),
    ReadReplica: z.boolean(),
    Status: z.enum(['leader', 'voter', 'non-voter', 'staging']),
    Meta: z.record(z.string(), z.string()),
    NodeType: z.string(),
  })
  .openapi('AutopilotServerState');

export const AutopilotStateSchema = z
  .object({
    Healthy: z.boolean(),
    FailureTolerance: z.number().int(),
    OptimisticFailureTolerance: z.number().int(),
    Servers: z.record(z.string(), ServerStateSchema),
    Leader: z.string(),
    Voters: z.array(z.string()),
  })
  .openapi('AutopilotState');

export const toAutopilotStateJson = (h: AutopilotHealthView): z.output<typeof AutopilotStateSchema> => ({
  Healthy: h.healthy,
  FailureTolerance: h.failureTolerance,
  OptimisticFailureTolerance: h.optimisticFailureTolerance,
  Servers: Object.fromEntries(
    h.servers.map((s) => [
      s.id,
      {
        ID: s.id,
        Name: s.name,
        Address: s.address,
        NodeStatus: s.serfStatus,
        Version: s.version,
        LastContact: lastContact(s),
        LastTerm: s.lastTerm,
        LastIndex: s.lastIndex,
        Healthy: s.healthy,
        StableSince: rfc3339(s.stableSinceMs),
        ReadReplica: false,
        Status: s.status,
        Meta: { 'consul-network-segment': '' },
        NodeType: 'voter',
      },
    ]),
  ),
  Leader: h.leader,
  Voters: [...h.voters],
});

export const UsageSchema = z
  .object({
    Usage: z.record(
      z.string(),
      z.object({
        Services: z.number().int(),
        ServiceInstances: z.number().int(),
        ConnectServiceInstances: z.record(z.string(), z.number().int()),
        BillableServiceInstances: z.number().int(),
      }),
    ),
    Index: z.number().int(),
    LastContact: z.number().int(),
    KnownLeader: z.boolean(),
    ConsistencyLevel: z.string(),
    NotModified: z.boolean(),
    Backend: z.number().int(),
    ResultsFilteredByACLs: z.boolean(),
  })
  .openapi('OperatorUsage');

export const TransferLeaderSchema = z.object({ Success: z.boolean() }).openapi('TransferLeaderResponse');
