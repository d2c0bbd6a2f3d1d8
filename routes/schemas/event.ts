// Consul's UserEvent JSON (consul-api.md §11.2): Payload in base64 (null when empty), Version 1.
import { z } from '@hono/zod-openapi';
import type { EventEntry } from '../../storage/types.ts';

export const UserEventSchema = z
  .object({
    ID: z.string().openapi({ format: 'uuid' }),
    Name: z.string(),
    Payload: z.string().nullable().openapi({ format: 'byte', description: 'Standard base64; null when empty.' }),
    NodeFilter: z.string(),
    ServiceFilter: z.string(),
    TagFilter: z.string(),
    Version: z.number().int(),
    LTime: z.number().int().openapi({ description: 'Lamport time; 0 in the fire response.' }),
  })
  .openapi('UserEvent');
export type UserEventJson = z.output<typeof UserEventSchema>;

export const userEventJson = (e: EventEntry): UserEventJson => ({
  ID: e.id,
  Name: e.name,
  Payload: e.payload === null || e.payload.byteLength === 0 ? null : Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength).toString('base64'),
  NodeFilter: e.nodeFilter,
  ServiceFilter: e.serviceFilter,
  TagFilter: e.tagFilter,
  Version: e.version,
  LTime: e.ltime,
});
