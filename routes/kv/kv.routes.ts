// /v1/kv/⟨key⟩ (consul-api.md §2). The key is the rest of the path after /v1/kv/, slashes
// included ("{key{.*}}" is Hono's regex parameter; the OpenAPI document shows it as {key}).
import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, jsonContent, QueryMetaHeaders, ReadQuery, tooLarge } from '../schemas/common.ts';
import { DirEntrySchema } from '../schemas/kv.ts';

const flag = (description: string) => z.string().optional().openapi({ description });

const KeyParam = z.object({
  key: z.string().openapi({ description: 'The key: everything after /v1/kv/, may contain "/"; "" only with recurse/keys.' }),
});

const path = '/kv/{key{.*}}';

export const get = createRoute({
  method: 'get',
  path,
  tags: ['kv'],
  summary: 'Read a key, a prefix (recurse) or the keys under a prefix (keys)',
  request: {
    params: KeyParam,
    query: ReadQuery.extend({
      recurse: flag('Presence flag: return every entry under the key as a prefix.'),
      keys: flag('Presence flag: return only the key names under the prefix (wins over recurse).'),
      separator: flag('With keys: collapse keys to the text up to and including the first separator after the prefix.'),
      seperator: flag('Legacy spelling of separator.'),
      raw: flag('Presence flag: return the single key\'s bytes as the body.'),
    }),
  },
  responses: {
    200: {
      description: 'Entries (always an array, one element for a single key), or key names with ?keys; raw bytes with ?raw.',
      headers: QueryMetaHeaders,
      content: {
        'application/json': { schema: z.union([z.array(DirEntrySchema), z.array(z.string())]) },
        'text/plain': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    404: { description: 'No such key or nothing under the prefix: empty body, index headers set.', headers: QueryMetaHeaders },
    ...commonErrors,
  },
});
export type GetRoute = typeof get;

export const put = createRoute({
  method: 'put',
  path,
  tags: ['kv'],
  summary: 'Write a key (set, check-and-set, lock acquire or release)',
  request: {
    params: KeyParam,
    query: ReadQuery.extend({
      flags: flag('uint64 stored with the entry; a PUT without it resets Flags to 0.'),
      cas: flag('Check-and-set: 0 creates only if absent, otherwise the entry\'s ModifyIndex must match.'),
      acquire: flag('Session ID: acquire the lock and write the value.'),
      release: flag('Session ID: release the lock (held by this session) and write the value.'),
    }),
    body: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
  },
  responses: {
    200: jsonContent(z.boolean(), 'true when written; false when a cas, acquire or release did not apply.'),
    413: tooLarge,
    ...commonErrors,
  },
});
export type PutRoute = typeof put;

export const del = createRoute({
  method: 'delete',
  path,
  tags: ['kv'],
  summary: 'Delete a key, or every key under a prefix (recurse)',
  request: {
    params: KeyParam,
    query: ReadQuery.extend({
      recurse: flag('Presence flag: delete every key under the key as a prefix ("" = everything).'),
      cas: flag('Delete only if the entry\'s ModifyIndex equals this value.'),
    }),
  },
  responses: {
    200: jsonContent(z.boolean(), 'true, or the outcome of a cas delete.'),
    ...commonErrors,
  },
});
export type DeleteRoute = typeof del;
