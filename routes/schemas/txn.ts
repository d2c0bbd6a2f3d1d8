// Consul's /v1/txn JSON (consul-api.md §4): the request ops as Go decodes them and the
// Results/Errors response, plus the catalog shapes a txn result can carry.
import { z } from '@hono/zod-openapi';
import type { TxnCheckWire, TxnNodeWire, TxnResultEntry, TxnServiceWire } from '../../storage/commands.ts';
import { MAX_UINT64 } from '../lib/go-strconv.ts';
import { CheckDefinitionBodySchema } from '../catalog/check-definition.ts';
import { healthCheckJson, nodeJson as catalogNodeJson, nodeServiceJson } from './catalog.ts';
import { DirEntrySchema, wireToDirEntryJson } from './kv.ts';

/** A JSON number Go can decode into uint64 (exact up to 2^64-1), as bigint. */
const GoUint64 = z
  .custom<number | bigint>(
    (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n && v <= MAX_UINT64),
    { message: 'uint64' },
  )
  .transform((v) => BigInt(v))
  .openapi({ type: 'integer', format: 'uint64' } as never);
const GoInt = z.number().int();
const StringMap = z.record(z.string(), z.string()).nullable();

const KvOpSchema = z.object({
  Verb: z.string().optional(),
  Key: z.string().optional(),
  Value: z.string().nullable().optional().openapi({ description: 'Standard base64.', format: 'byte' }),
  Flags: GoUint64.optional(),
  Index: GoUint64.optional(),
  Session: z.string().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
});

const NodeOpSchema = z.object({
  Verb: z.string().optional(),
  Node: z
    .object({
      ID: z.string().optional(),
      Node: z.string().optional(),
      Address: z.string().optional(),
      Datacenter: z.string().optional(),
      TaggedAddresses: StringMap.optional(),
      Meta: StringMap.optional(),
      ModifyIndex: GoUint64.optional(),
    })
    .optional(),
});

const ServiceOpSchema = z.object({
  Verb: z.string().optional(),
  Node: z.string().optional(),
  Service: z
    .object({
      ID: z.string().optional(),
      Service: z.string().optional(),
      Kind: z.string().optional(),
      Tags: z.array(z.string()).nullable().optional(),
      Address: z.string().optional(),
      TaggedAddresses: z.record(z.string(), z.object({ Address: z.string().optional(), Port: GoInt.optional() })).nullable().optional(),
      Meta: StringMap.optional(),
      Port: GoInt.optional(),
      SocketPath: z.string().optional(),
      Weights: z.object({ Passing: GoInt.optional(), Warning: GoInt.optional() }).nullable().optional(),
      EnableTagOverride: z.boolean().optional(),
      Proxy: z.record(z.string(), z.unknown()).nullable().optional(),
      Connect: z.record(z.string(), z.unknown()).nullable().optional(),
      ModifyIndex: GoUint64.optional(),
    })
    .optional(),
});

const CheckOpSchema = z.object({
  Verb: z.string().optional(),
  Check: z
    .object({
      Node: z.string().optional(),
      CheckID: z.string().optional(),
      Name: z.string().optional(),
      Status: z.string().optional(),
      Notes: z.string().optional(),
      Output: z.string().optional(),
      ServiceID: z.string().optional(),
      ServiceName: z.string().optional(),
      ServiceTags: z.array(z.string()).nullable().optional(),
      ExposedPort: GoInt.optional(),
      Definition: CheckDefinitionBodySchema.nullable().optional(),
      ModifyIndex: GoUint64.optional(),
    })
    .optional(),
});

const TxnOpSchema = z
  .object({ KV: KvOpSchema.nullable().optional(), Node: NodeOpSchema.nullable().optional(), Service: ServiceOpSchema.nullable().optional(), Check: CheckOpSchema.nullable().optional() })
  .openapi('TxnOp');
export const TxnRequestSchema = z.array(TxnOpSchema).openapi('TxnRequest');
export type TxnOpInput = z.output<typeof TxnOpSchema>;
export type KvOpInput = z.output<typeof KvOpSchema>;

const NodeSchema = z
  .object({
    ID: z.string(), Node: z.string(), Address: z.string(), Datacenter: z.string(),
    TaggedAddresses: StringMap, Meta: StringMap, CreateIndex: z.number().int(), ModifyIndex: z.number().int(),
  })
  .openapi('TxnNode');
const ServiceSchema = z.record(z.string(), z.unknown()).openapi('TxnService', { description: "Consul's NodeService." });
const CheckSchema = z.record(z.string(), z.unknown()).openapi('TxnCheck', { description: "Consul's HealthCheck." });

const TxnResultSchema = z
  .object({ KV: DirEntrySchema.optional(), Node: NodeSchema.optional(), Service: ServiceSchema.optional(), Check: CheckSchema.optional() })
  .openapi('TxnResult');
const TxnErrorSchema = z.object({ OpIndex: z.number().int(), What: z.string() }).openapi('TxnError');

export const TxnResponseSchema = z
  .object({
    Results: z.array(TxnResultSchema).nullable(),
    Errors: z.array(TxnErrorSchema).nullable(),
    Index: z.number().int().optional().openapi({ description: 'Read-only transactions only (embedded query meta).' }),
    LastContact: z.number().int().optional().openapi({ description: 'Nanoseconds; read-only transactions only.' }),
    KnownLeader: z.boolean().optional(),
    ConsistencyLevel: z.string().optional(),
    NotModified: z.boolean().optional(),
    Backend: z.number().int().optional(),
    ResultsFilteredByACLs: z.boolean().optional(),
  })
  .openapi('TxnResponse');

type JsonObject = Record<string, unknown>;
export type TxnResultJson = z.output<typeof TxnResultSchema>;
export type TxnErrorJson = { readonly OpIndex: number; readonly What: string };

/** Node, NodeService and HealthCheck render exactly as the catalog endpoints render them. */
const nodeJson = (n: TxnNodeWire): z.output<typeof NodeSchema> => catalogNodeJson(n);

/** structs.NodeService as Consul's txn result carries it (Tags kept null: no HTTP-layer normalising). */
const serviceJson = (s: TxnServiceWire): JsonObject => nodeServiceJson({ ...s, node: '' }, false);

const checkJson = (h: TxnCheckWire): JsonObject => healthCheckJson(h);

export function txnResultJson(r: TxnResultEntry): TxnResultJson {
  if ('KV' in r) return { KV: wireToDirEntryJson(r.KV) };
  if ('Node' in r) return { Node: nodeJson(r.Node) };
  if ('Service' in r) return { Service: serviceJson(r.Service) };
  return { Check: checkJson(r.Check) };
}

