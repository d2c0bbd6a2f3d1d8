// Consul's KV JSON (consul-api.md §2): DirEntry with base64 values and uint64 Flags.
import { z } from '@hono/zod-openapi';
import type { KvEntryWire } from '../../storage/commands.ts';
import type { DirEntry } from '../../storage/types.ts';
import { U64 } from './common.ts';

export const DirEntrySchema = z
  .object({
    LockIndex: z.number().int().openapi({ description: 'Successful acquisitions by a new holder.' }),
    Key: z.string(),
    Flags: U64,
    Value: z.string().nullable().openapi({ description: 'Standard base64; null for an empty value.', format: 'byte' }),
    Session: z.string().optional().openapi({ description: 'The lock holder; omitted when unlocked.' }),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('DirEntry');
export type DirEntryJson = z.output<typeof DirEntrySchema>;

const base64OrNull = (bytes: Uint8Array | null): string | null =>
  bytes === null || bytes.byteLength === 0 ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function dirEntry(e: { key: string; flags: string; lockIndex: number; session: string | null; createIndex: number; modifyIndex: number }, value: string | null): DirEntryJson {
  return {
    LockIndex: e.lockIndex,
    Key: e.key,
    Flags: BigInt(e.flags),
    Value: value,
    Session: e.session === null || e.session === '' ? undefined : e.session,
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  };
}

export const toDirEntryJson = (e: DirEntry): DirEntryJson => dirEntry(e, base64OrNull(e.value));

/** A txn result's KV entry: the value already travels as base64 (null when empty or not returned). */
export const wireToDirEntryJson = (e: KvEntryWire): DirEntryJson => dirEntry(e, e.value === '' ? null : e.value);
