// Consul's agent JSON (consul-api.md §6): AgentService (api.AgentService as buildAgentService
// fills it), the agent's HealthCheck map, serf Members and agent/self.
import { z } from '@hono/zod-openapi';
import type { AgentCheck, AgentMember } from '../agent/agent-api.ts';
import type { ServiceSpec } from '../../storage/commands.ts';
import { healthCheckJson, type HealthCheckJson } from './catalog.ts';

const StringMap = z.record(z.string(), z.string());

export const AgentServiceSchema = z
  .object({
    Kind: z.string().optional(),
    ID: z.string(),
    Service: z.string(),
    Tags: z.array(z.string()),
    Meta: StringMap,
    Port: z.number().int(),
    Address: z.string(),
    SocketPath: z.string().optional(),
    TaggedAddresses: z.record(z.string(), z.object({ Address: z.string(), Port: z.number().int() })).optional(),
    Weights: z.object({ Passing: z.number().int(), Warning: z.number().int() }),
    EnableTagOverride: z.boolean(),
    ContentHash: z.string().optional().openapi({ description: 'Only on /v1/agent/service/⟨id⟩.' }),
    Proxy: z.record(z.string(), z.unknown()).optional(),
    Connect: z.record(z.string(), z.unknown()).optional(),
    Datacenter: z.string(),
  })
  .openapi('AgentService');
export type AgentServiceJson = z.output<typeof AgentServiceSchema>;

export const MemberSchema = z
  .object({
    Name: z.string(),
    Addr: z.string(),
    Port: z.number().int(),
    Tags: StringMap,
    Status: z.number().int().openapi({ description: '0 none, 1 alive, 2 leaving, 3 left, 4 failed.' }),
    ProtocolMin: z.number().int(),
    ProtocolMax: z.number().int(),
    ProtocolCur: z.number().int(),
    DelegateMin: z.number().int(),
    DelegateMax: z.number().int(),
    DelegateCur: z.number().int(),
  })
  .openapi('Member');

export const CoordinateSchema = z
  .object({ Vec: z.array(z.number()), Error: z.number(), Adjustment: z.number(), Height: z.number() })
  .openapi('Coordinate');

export const AgentSelfSchema = z
  .object({
    Config: z.record(z.string(), z.unknown()),
    DebugConfig: z.record(z.string(), z.unknown()),
    Coord: CoordinateSchema.nullable(),
    Member: MemberSchema,
    Stats: z.record(z.string(), StringMap),
    Meta: StringMap,
  })
  .openapi('AgentSelf');

export const ServiceChecksInfoSchema = z
  .object({
    AggregatedStatus: z.string(),
    Service: AgentServiceSchema.nullable(),
    Checks: z.array(z.record(z.string(), z.unknown())).nullable(),
  })
  .openapi('AgentServiceChecksInfo');

/** api.AgentService as Consul's buildAgentService fills it for a typical local service. */
export function agentServiceJson(s: ServiceSpec, datacenter: string): AgentServiceJson {
  const connect = s.extra?.['Connect'] as Record<string, unknown> | undefined;
  const proxy = s.extra?.['Proxy'] as Record<string, unknown> | undefined;
  const tagged = s.taggedAddresses === null || Object.keys(s.taggedAddresses).length === 0 ? undefined : { ...s.taggedAddresses };
  return {
    Kind: s.kind === '' ? undefined : s.kind,
    ID: s.id,
    Service: s.service,
    Tags: s.tags === null ? [] : [...s.tags],
    Meta: s.meta === null ? {} : { ...s.meta },
    Port: s.port,
    Address: s.address,
    SocketPath: s.socketPath === '' ? undefined : s.socketPath,
    TaggedAddresses: tagged,
    Weights: { Passing: s.weights.Passing > 0 ? s.weights.Passing : 1, Warning: s.weights.Warning },
    EnableTagOverride: s.enableTagOverride,
    // Consul attaches Proxy only to proxies and gateways, Connect only when native.
    Proxy: s.kind !== '' && proxy !== undefined ? { ...proxy } : undefined,
    Connect: connect?.['Native'] === true ? { Native: true } : undefined,
    Datacenter: datacenter,
  };
}

/** structs.HealthCheck of a local check: no Raft indexes yet (0), ServiceTags [] not null. */
export const agentCheckJson = (c: AgentCheck): HealthCheckJson => healthCheckJson({ ...c, createIndex: 0, modifyIndex: 0 });

export const memberJson = (m: AgentMember): z.output<typeof MemberSchema> => ({ ...m, Tags: { ...m.Tags } });

/** FNV-1a 64-bit over the JSON, as hex (Consul hashes the AgentService with hashstructure). */
export function contentHash(json: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(json, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16);
}
