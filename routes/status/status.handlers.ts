import type { AppRouteHandler } from '../create-router.ts';
import { sendJson } from '../lib/respond.ts';
import { requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import type { LeaderRoute, PeersRoute } from './status.routes.ts';

export const leader: AppRouteHandler<LeaderRoute> = (c) => {
  requireQueryOptions(c);
  requireLocalDatacenter(c);
  return sendJson(c, c.var.services.raftStatus().leader);
};

export const peers: AppRouteHandler<PeersRoute> = (c) => {
  requireQueryOptions(c);
  requireLocalDatacenter(c);
  return sendJson(c, [...c.var.services.raftStatus().peers]);
};
