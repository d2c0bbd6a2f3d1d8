// Operator handlers (Consul's agent/operator_endpoint.go), checking in its order: dc and
// parse(), the query parameters, the body, then the RPC (forwarded to the leader by app/).
import type { Context } from 'hono';
import { watchFor } from '../../storage/state-store.ts';
import { requireAcl, writeToken } from '../acl/enforce.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { badRequest, HttpError, internalError } from '../lib/errors.ts';
import { parseGoDuration } from '../lib/go-duration.ts';
import { parseUint64 } from '../lib/go-strconv.ts';
import { readJsonBody } from '../lib/json-body.ts';
import { serveQuery } from '../lib/read.ts';
import { sendJson } from '../lib/respond.ts';
import { requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import {
  AutopilotConfigBodySchema,
  toAutopilotConfigJson,
  toAutopilotHealthJson,
  toAutopilotStateJson,
  toRaftConfigurationJson,
  type AutopilotConfigBody,
} from '../schemas/operator.ts';
import type { AutopilotConfigInput, OperatorServices } from './operator-services.ts';
import type {
  AutopilotGetRoute,
  AutopilotHealthRoute,
  AutopilotPutRoute,
  AutopilotStateRoute,
  RaftConfigurationRoute,
  RaftPeerRoute,
  TransferLeaderRoute,
  UsageRoute,
} from './operator.routes.ts';
import { usageOf } from './usage.ts';

type Ctx = Context<AppEnv>;

/** A body bigger than this is not an autopilot configuration. */
const AUTOPILOT_BODY_LIMIT = 64 * 1024;

export function operatorServices(c: Ctx): OperatorServices {
  const operator = c.var.services.operator;
  if (operator === undefined) throw internalError('operator endpoints are not available on this server');
  return operator;
}

export const raftConfiguration: AppRouteHandler<RaftConfigurationRoute> = async (c) => {
  requireLocalDatacenter(c);
  const options = requireQueryOptions(c);
  requireAcl(c, 'operatorRead');
  const view = await operatorServices(c).raftConfiguration(options.consistency === 'stale', writeToken(c));
  return sendJson(c, toRaftConfigurationJson(view));
};

export const raftPeer: AppRouteHandler<RaftPeerRoute> = async (c) => {
  requireLocalDatacenter(c);
  const params = new URL(c.req.url).searchParams;
  const hasId = params.has('id');
  const hasAddress = params.has('address');
  if (!hasId && !hasAddress) throw badRequest("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
  if (hasId && hasAddress) throw badRequest('Must specify only one of ?id or ?address');
  requireAcl(c, 'operatorWrite');
  await operatorServices(c).removeRaftPeer(hasId ? { id: params.get('id') ?? '' } : { address: params.get('address') ?? '' }, writeToken(c));
  return c.body(null, 200);
};

export const transferLeader: AppRouteHandler<TransferLeaderRoute> = async (c) => {
  requireLocalDatacenter(c);
  const id = new URL(c.req.url).searchParams.get('id') ?? '';
  requireAcl(c, 'operatorWrite');
  await operatorServices(c).transferLeader(id === '' ? undefined : id, writeToken(c));
  return sendJson(c, { Success: true });
};

export const autopilotGet: AppRouteHandler<AutopilotGetRoute> = async (c) => {
  requireLocalDatacenter(c);
  const options = requireQueryOptions(c);
  requireAcl(c, 'operatorRead');
  await c.var.services.readBarrier(options.consistency);
  return sendJson(c, toAutopilotConfigJson(operatorServices(c).autopilotConfiguration()));
};

export const autopilotPut: AppRouteHandler<AutopilotPutRoute> = async (c) => {
  requireLocalDatacenter(c);
  const body = await readJsonBody(c, AutopilotConfigBodySchema, {
    limit: {
      maxBytes: AUTOPILOT_BODY_LIMIT,
      declaredTooLarge: (n) => new HttpError(413, `Request body(${n} bytes) too large, max size: ${AUTOPILOT_BODY_LIMIT} bytes.`),
      streamedTooLarge: () => new HttpError(413, `Request body too large, max size: ${AUTOPILOT_BODY_LIMIT} bytes.`),
    },
    errorPrefix: 'Error parsing autopilot config: ',
    goType: 'api.AutopilotConfiguration',
  });
  const config = autopilotInput(body);
  const params = new URL(c.req.url).searchParams;
  let cas: number | null = null;
  if (params.has('cas')) {
    const parsed = parseUint64(params.get('cas') ?? '');
    if (!parsed.ok) throw badRequest(`Error parsing cas value: ${parsed.error}`);
    cas = parsed.value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(parsed.value);
  }
  requireAcl(c, 'operatorWrite');
  const written = await operatorServices(c).setAutopilotConfiguration(config, cas, writeToken(c));
  return sendJson(c, cas === null ? true : written);
};

/** api.ReadableDuration's UnmarshalJSON: a quoted Go duration, or a number of nanoseconds. */
function durationNs(field: string, value: string | number | bigint | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'string') {
    const parsed = parseGoDuration(value);
    if (!parsed.ok) throw badRequest(`Error parsing autopilot config: ${parsed.error}`);
    if (parsed.ns < 0n) throw badRequest(`Error parsing autopilot config: ${field} must not be negative`);
    return Number(parsed.ns);
  }
  const ns = Math.trunc(Number(value));
  if (!(ns >= 0) || !Number.isSafeInteger(ns)) throw badRequest(`Error parsing autopilot config: ${field} out of range`);
  return ns;
}

function count(value: number | bigint | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

function autopilotInput(b: AutopilotConfigBody): AutopilotConfigInput {
  return {
    cleanupDeadServers: b.CleanupDeadServers ?? false,
    lastContactThresholdNs: durationNs('LastContactThreshold', b.LastContactThreshold),
    maxTrailingLogs: count(b.MaxTrailingLogs),
    minQuorum: count(b.MinQuorum),
    serverStabilizationTimeNs: durationNs('ServerStabilizationTime', b.ServerStabilizationTime),
    redundancyZoneTag: b.RedundancyZoneTag ?? '',
    disableUpgradeMigration: b.DisableUpgradeMigration ?? false,
    upgradeVersionTag: b.UpgradeVersionTag ?? '',
  };
}

export const autopilotHealth: AppRouteHandler<AutopilotHealthRoute> = async (c) => {
  requireLocalDatacenter(c);
  requireQueryOptions(c);
  requireAcl(c, 'operatorRead');
  const health = await operatorServices(c).autopilotHealth(writeToken(c));
  // Consul answers 429 with the same body when the cluster is not healthy.
  return sendJson(c, toAutopilotHealthJson(health), health.healthy ? 200 : (429 as 200));
};

export const autopilotState: AppRouteHandler<AutopilotStateRoute> = async (c) => {
  requireLocalDatacenter(c);
  requireQueryOptions(c);
  requireAcl(c, 'operatorRead');
  return sendJson(c, toAutopilotStateJson(await operatorServices(c).autopilotHealth(writeToken(c))));
};

export const usage: AppRouteHandler<UsageRoute> = async (c) => {
  const state = c.var.services.state;
  const result = await serveQuery(c, {
    watch: watchFor.allServiceInstances(),
    // Checked inside the run, so a blocking query re-checks the token on every wake.
    run: () => {
      requireAcl(c, 'operatorRead');
      return usageOf(state.allServiceInstances());
    },
  });
  const meta = c.var.services.readMeta();
  const options = requireQueryOptions(c);
  return sendJson(c, {
    Usage: { [c.var.services.info.datacenter]: result.counts },
    Index: Math.max(1, result.index),
    LastContact: meta.lastContactMs,
    KnownLeader: meta.knownLeader,
    ConsistencyLevel: options.consistency === 'stale' ? 'stale' : options.consistency === 'consistent' ? 'consistent' : 'leader',
    NotModified: false,
    Backend: 0,
    ResultsFilteredByACLs: false,
  });
};
