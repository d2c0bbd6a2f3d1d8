// The Hono environment every router shares: what middleware puts on the context.
import type { RequestAcl } from './middleware/acl.ts';
import type { RequestQuery } from './middleware/query-options.ts';
import type { Services } from './services.ts';

export interface AppEnv {
  Variables: {
    readonly services: Services;
    readonly query: RequestQuery;
    /** The request's ACL context (routes/middleware/acl.ts). */
    readonly acl: RequestAcl;
  };
}
