// PUT /v1/txn (consul-api.md §4): up to 128 KV/Node/Service/Check ops applied atomically, or
// served as a read when every op is a read.
import { createRoute } from '@hono/zod-openapi';
import { commonErrors, ReadMetaHeaders, ReadQuery, tooLarge } from '../schemas/common.ts';
import { TxnResponseSchema } from '../schemas/txn.ts';

export const txn = createRoute({
  method: 'put',
  path: '/txn',
  tags: ['txn'],
  summary: 'Apply a transaction',
  request: {
    query: ReadQuery,
    body: {
      required: true,
      description: 'A JSON array of ops, each with one of KV, Node, Service or Check; keys match case-insensitively.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/TxnRequest' } } },
    },
  },
  responses: {
    200: {
      description: 'Committed (or read). Read-only transactions also carry the query meta fields and leader headers.',
      headers: ReadMetaHeaders.partial(),
      content: { 'application/json': { schema: TxnResponseSchema } },
    },
    409: {
      description: 'Rolled back: Results is null and Errors lists every failing op.',
      content: { 'application/json': { schema: TxnResponseSchema } },
    },
    413: tooLarge,
    ...commonErrors,
  },
});
export type TxnRoute = typeof txn;
