import { createRouter } from '../create-router.ts';
import * as handlers from './status.handlers.ts';
import * as routes from './status.routes.ts';

export const statusRouter = createRouter().openapi(routes.leader, handlers.leader).openapi(routes.peers, handlers.peers);
