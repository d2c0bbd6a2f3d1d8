// /v1/acl/polic* handlers. Reads need acl:read (checked again on every blocking wake); writes
// go to the leader, which checks acl:write, the name rules, uniqueness, the rules text and the
// built-in policies' protections before Raft.
import type { Context } from 'hono';
import type { AclPolicyRow } from '../../storage/acl-entries.ts';
import { aclWatchFor, type AclPolicyResult } from '../../storage/acl-store.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { badRequest, HttpError } from '../lib/errors.ts';
import { serveQuery } from '../lib/read.ts';
import { sendJson } from '../lib/respond.ts';
import { requireDefaultTenancy, requireQueryOptions } from '../lib/rpc.ts';
import { applyAcl, requireAclEnabled, ACL_BODY_MAX_BYTES } from './acl-requests.ts';
import type { PolicyByNameRoute, PolicyCreateRoute, PolicyDeleteRoute, PolicyListRoute, PolicyReadRoute, PolicyUpdateRoute } from './acl.routes.ts';
import { requireAcl } from './enforce.ts';
import { queryUnescape } from './query-unescape.ts';
import { PolicyBodySchema, toPolicyJson, toPolicyStubJson, type PolicyBody } from './schemas.ts';
import { aclBodyLimit, readStrictJson } from './strict-json.ts';

type Ctx = Context<AppEnv>;

const decodePolicy = (c: Ctx): Promise<PolicyBody> =>
  readStrictJson(c, PolicyBodySchema, { limit: aclBodyLimit(ACL_BODY_MAX_BYTES), errorPrefix: 'Policy decoding failed: ', goType: 'structs.ACLPolicy' });

async function writePolicy(c: Ctx, id: string, body: PolicyBody) {
  const acl = requireAclEnabled(c);
  const { id: written } = await applyAcl(c, {
    type: 'acl.policy-set',
    policy: { id, name: body.Name ?? '', description: body.Description ?? '', rules: body.Rules ?? '', datacenters: body.Datacenters ?? null, hash: '' },
  });
  const policy = acl.store.policyGet(written).policy;
  if (policy === null) throw new HttpError(500, 'Failed to retrieve the policy after insertion');
  return sendJson(c, toPolicyJson(policy));
}

export const create: AppRouteHandler<PolicyCreateRoute> = async (c) => {
  requireAclEnabled(c);
  requireDefaultTenancy(c);
  const body = await decodePolicy(c);
  if ((body.ID ?? '') !== '') throw badRequest('Cannot specify the ID when creating a new policy');
  return writePolicy(c, '', body);
};

export const update: AppRouteHandler<PolicyUpdateRoute> = async (c) => {
  requireAclEnabled(c);
  requireDefaultTenancy(c);
  const path = c.req.param('id') ?? '';
  const body = await decodePolicy(c);
  const id = body.ID ?? '';
  if (id !== '' && id !== path) throw badRequest('Policy ID in URL and payload do not match');
  return writePolicy(c, path, body);
};

/** A blocking read of one policy, re-checking acl:read on every wake; 404 when absent. */
async function readOne(c: Ctx, run: () => AclPolicyResult) {
  requireAcl(c, 'aclRead');
  const out = await serveQuery(c, {
    watch: aclWatchFor.policies(),
    run: () => {
      requireAcl(c, 'aclRead');
      return run();
    },
  });
  if (out.policy === null) throw new HttpError(404, 'Requested policy does not exist: ACL not found');
  return sendJson(c, toPolicyJson(out.policy));
}

export const read: AppRouteHandler<PolicyReadRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  const id = c.req.param('id') ?? '';
  if (id === '') throw badRequest('Missing policy ID');
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  return readOne(c, () => acl.store.policyGet(id));
};

export const byName: AppRouteHandler<PolicyByNameRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  const raw = c.req.param('name') ?? '';
  if (raw === '') throw badRequest('Missing policy Name');
  const name = queryUnescape(raw);
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  return readOne(c, () => acl.store.policyGetByName(name));
};

export const del: AppRouteHandler<PolicyDeleteRoute> = async (c) => {
  requireAclEnabled(c);
  const id = c.req.param('id') ?? '';
  if (id === '') throw badRequest('Missing policy ID');
  requireDefaultTenancy(c);
  await applyAcl(c, { type: 'acl.policy-delete', id });
  return sendJson(c, true);
};

export const list: AppRouteHandler<PolicyListRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  requireQueryOptions(c);
  requireDefaultTenancy(c);
  requireAcl(c, 'aclRead');
  const out = await serveQuery(c, {
    watch: aclWatchFor.policies(),
    run: () => {
      requireAcl(c, 'aclRead');
      return acl.store.policyList();
    },
  });
  return sendJson(c, out.policies.map((p: AclPolicyRow) => toPolicyStubJson(p)));
};
