import { createRouter } from '../create-router.ts';
import * as handlers from './event.handlers.ts';
import * as routes from './event.routes.ts';

export const eventRouter = createRouter().openapi(routes.fire, handlers.fire).openapi(routes.list, handlers.list);
