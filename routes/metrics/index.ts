import { createRouter } from '../create-router.ts';
import * as handlers from './metrics.handlers.ts';
import * as routes from './metrics.routes.ts';

export const metricsRouter = createRouter().openapi(routes.metrics, handlers.metrics);
