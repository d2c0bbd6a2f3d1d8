// /v1/acl/role* handlers: reads need acl:read (re-checked on every blocking wake); writes go to
// the leader, which checks acl:write, names, links and identities before Raft.
import type { Context } from 'hono';
import { aclWatchFor, type AclRoleResult } from '../../storage/acl-store.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { badRequest, HttpError } from '../lib/errors.ts';
import { serveQuery } from '../lib/read.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireQueryOptions } from '../lib/rpc.ts';
import { applyAcl, linkSpecs, nodeIdentities, requireAclEnabled, serviceIdentities, ACL_BODY_MAX_BYTES } from './acl-requests.ts';
import type { RoleByNameRoute, RoleCreateRoute, RoleDeleteRoute, RoleListRoute, RoleReadRoute, RoleUpdateRoute } from './acl.routes.ts';
import { requireAcl } from './enforce.ts';
import { RoleBodySchema, toRoleJson } from './schemas.ts';
import { aclBodyLimit, readStrictJson } from './strict-json.ts';

type Ctx = Context<AppEnv>;

/** Create (path ID "") or update; Consul's ACLRoleWrite serves both. */
async function writeRole(c: Ctx, path: string) {
  const acl = requireAclEnabled(c);
  requireDefaultTenancy(c);
  const body = await readStrictJson(c, RoleBodySchema, {
    limit: aclBodyLimit(ACL_BODY_MAX_BYTES),
    errorPrefix: 'Role decoding failed: ',
    goType: 'structs.ACLRole',
  });
  const id = body.ID ?? '';
  if (id !== '' && id !== path) throw badRequest('Role ID in URL and payload do not match');
  const { id: written } = await applyAcl(c, {
    type: 'acl.role-set',
    role: {
      id: path, name: body.Name ?? '', description: body.Description ?? '', policies: linkSpecs(body.Policies),
      serviceIdentities: serviceIdentities(body.ServiceIdentities), nodeIdentities: nodeIdentities(body.NodeIdentities), hash: '',
    },
  });
  const role = acl.store.roleGet(written).role;
  if (role === null) throw new HttpError(500, 'Failed to retrieve the role after insertion');
  return sendJson(c, toRoleJson(role));
}

export const create: AppRouteHandler<RoleCreateRoute> = async (c) => {
  requireAclEnabled(c);
  return writeRole(c, '');
};

export const update: AppRouteHandler<RoleUpdateRoute> = async (c) => {
  requireAclEnabled(c);
  return writeRole(c, c.req.param('id') ?? '');
};

async function readOne(c: Ctx, run: () => AclRoleResult) {
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  requireAcl(c, 'aclRead');
  const out = await serveQuery(c, {
    watch: aclWatchFor.roles(),
    run: () => {
      requireAcl(c, 'aclRead');
      return run();
    },
  });
  if (out.role === null) throw new HttpError(404, 'Requested role does not exist: ACL not found');
  return sendJson(c, toRoleJson(out.role));
}

export const read: AppRouteHandler<RoleReadRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  const id = c.req.param('id') ?? '';
  if (id === '') throw badRequest('Missing role ID');
  return readOne(c, () => acl.store.roleGet(id));
};

export const byName: AppRouteHandler<RoleByNameRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  const name = c.req.param('name') ?? '';
  if (name === '') throw badRequest('Missing role Name');
  return readOne(c, () => acl.store.roleGetByName(name));
};

export const del: AppRouteHandler<RoleDeleteRoute> = async (c) => {
  requireAclEnabled(c);
  const id = c.req.param('id') ?? '';
  if (id === '') throw badRequest('Missing role ID');
  requireDefaultTenancy(c);
  await applyAcl(c, { type: 'acl.role-delete', id });
  return sendJson(c, true);
};

export const list: AppRouteHandler<RoleListRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  const policy = new URL(c.req.url).searchParams.get('policy') ?? '';
  requireAcl(c, 'aclRead');
  const out = await serveQuery(c, {
    watch: aclWatchFor.roles(),
    run: () => {
      requireAcl(c, 'aclRead');
      return acl.store.roleList(policy);
    },
  });
  return sendJson(c, out.roles.map(toRoleJson));
};
