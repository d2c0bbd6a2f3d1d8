// Consul's session JSON (consul-api.md §3): LockDelay in integer nanoseconds, TTL echoed as
// submitted, NodeChecks/ServiceChecks null when unset.
import { z } from '@hono/zod-openapi';
import type { SessionEntry } from '../../storage/types.ts';

const ServiceCheckSchema = z.object({ ID: z.string(), Namespace: z.string() }).openapi('SessionServiceCheck');

export const SessionSchema = z
  .object({
    ID: z.string().openapi({ format: 'uuid' }),
    Name: z.string(),
    Node: z.string(),
    LockDelay: z.number().int().openapi({ description: 'Nanoseconds.' }),
    Behavior: z.enum(['release', 'delete']),
    TTL: z.string().openapi({ description: 'As submitted (e.g. "15.0s"); "" for none.' }),
    NodeChecks: z.array(z.string()).nullable(),
    ServiceChecks: z.array(ServiceCheckSchema).nullable(),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('Session');
export type SessionJson = z.output<typeof SessionSchema>;

export const toSessionJson = (s: SessionEntry): SessionJson => ({
  ID: s.id,
  Name: s.name,
  Node: s.node,
  LockDelay: s.lockDelayNs,
  Behavior: s.behavior,
  TTL: s.ttl,
  NodeChecks: s.nodeChecks === null ? null : [...s.nodeChecks],
  ServiceChecks: s.serviceChecks === null ? null : s.serviceChecks.map((c) => ({ ID: c.id, Namespace: c.namespace })),
  CreateIndex: s.createIndex,
  ModifyIndex: s.modifyIndex,
});

/**
 * The session create body as Go decodes it: any key case, unknown keys ignored. LockDelay is a
 * Go duration string or a number of nanoseconds (values under 1000 mean seconds); anything
 * else leaves it at 0, as Consul's Session.UnmarshalJSON does.
 */
export const SessionCreateBodySchema = z
  .object({
    Name: z.string().optional(),
    Node: z.string().optional(),
    LockDelay: z.unknown().optional().openapi({ description: 'Go duration string ("15s") or nanoseconds; values < 1000 are seconds.' }),
    Behavior: z.string().optional().openapi({ description: '"release" (default) or "delete".' }),
    TTL: z.string().optional().openapi({ description: 'Go duration between session_ttl_min (10s) and 24h; "" or "0" for none.' }),
    NodeChecks: z.array(z.string()).nullable().optional(),
    ServiceChecks: z.array(z.object({ ID: z.string(), Namespace: z.string().optional() })).nullable().optional(),
    Checks: z.array(z.string()).nullable().optional().openapi({ description: 'Legacy check list; [] removes the default serfHealth check.' }),
  })
  .openapi('SessionCreateRequest');
export type SessionCreateBody = z.output<typeof SessionCreateBodySchema>;

export const SessionCreatedSchema = z.object({ ID: z.string().openapi({ format: 'uuid' }) }).openapi('SessionCreated');
