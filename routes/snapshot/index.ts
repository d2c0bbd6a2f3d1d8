import { createRouter } from '../create-router.ts';
import * as handlers from './snapshot.handlers.ts';
import * as routes from './snapshot.routes.ts';

export const snapshotRouter = createRouter().openapi(routes.save, handlers.save).openapi(routes.restore, handlers.restore);
