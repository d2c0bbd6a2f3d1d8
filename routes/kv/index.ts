import { createRouter } from '../create-router.ts';
import * as handlers from './kv.handlers.ts';
import * as routes from './kv.routes.ts';

// Registration order is the order Consul lists the methods in Allow: GET, PUT, DELETE.
export const kvRouter = createRouter().openapi(routes.get, handlers.get).openapi(routes.put, handlers.put).openapi(routes.del, handlers.del);
