// PUT /v1/acl/bootstrap and GET /v1/acl/replication. Bootstrap needs no token: the leader
// allows it once (or again with the reset index an operator wrote into
// <data-dir>/acl-bootstrap-reset) and answers Consul's 403 otherwise.
import { HttpError } from '../lib/errors.ts';
import { declaredLength } from '../lib/body.ts';
import { sendJson } from '../lib/respond.ts';
import { requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import type { AppRouteHandler } from '../create-router.ts';
import { applyAcl, requireAclEnabled, ACL_BODY_MAX_BYTES } from './acl-requests.ts';
import type { BootstrapRoute, ReplicationRoute } from './acl.routes.ts';
import { BootstrapBodySchema, toTokenJson } from './schemas.ts';
import { aclBodyLimit, readStrictJson } from './strict-json.ts';

export const bootstrap: AppRouteHandler<BootstrapRoute> = async (c) => {
  const acl = requireAclEnabled(c);
  // Consul reads the optional body only when Content-Length says there is one.
  const body =
    (declaredLength(c) ?? 0) > 0
      ? await readStrictJson(c, BootstrapBodySchema, { limit: aclBodyLimit(ACL_BODY_MAX_BYTES), errorPrefix: 'Request decoding failed: ', goType: 'api.BootstrapRequest' })
      : {};
  const { accessorId } = await applyAcl(c, {
    type: 'acl.bootstrap',
    resetIndex: 0,
    token: {
      accessorId: '', secretId: body.BootstrapSecret ?? '', description: '', policies: [], roles: [], serviceIdentities: null,
      nodeIdentities: null, local: false, expirationTime: null, expiresAtMs: null, createTime: '', hash: '',
    },
  });
  const token = acl.store.tokenGet(accessorId).token;
  if (token === null) throw new HttpError(500, 'Failed to retrieve the token after bootstrap');
  // Consul's aclBootstrapResponse embeds the token after a legacy ID (= the SecretID).
  return sendJson(c, { ID: token.secretId, ...toTokenJson(token, false) });
};

/** A single datacenter is its own primary: ACL replication never runs (Consul's answer there). */
export const replication: AppRouteHandler<ReplicationRoute> = async (c) => {
  requireAclEnabled(c);
  requireQueryOptions(c);
  requireLocalDatacenter(c);
  return sendJson(c, {
    Enabled: false,
    Running: false,
    SourceDatacenter: '',
    ReplicationType: '',
    ReplicatedIndex: 0,
    ReplicatedRoleIndex: 0,
    ReplicatedTokenIndex: 0,
    LastSuccess: '0001-01-01T00:00:00Z',
    LastError: '0001-01-01T00:00:00Z',
    LastErrorMessage: '',
  });
};
