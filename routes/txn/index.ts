import { createRouter } from '../create-router.ts';
import { TxnRequestSchema } from '../schemas/txn.ts';
import * as handlers from './txn.handlers.ts';
import * as routes from './txn.routes.ts';

const router = createRouter();
// The body is decoded by the handler (size limits, Go's decoding), so the route refers to it by $ref.
router.openAPIRegistry.register('TxnRequest', TxnRequestSchema);

export const txnRouter = router.openapi(routes.txn, handlers.txn);
