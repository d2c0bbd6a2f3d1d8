// Propose-time validation of FSM commands. The appliers assume well-formed commands (right
// field types, canonical flags, known behaviours); a malformed command that reached the log
// would throw on every server at every replay, so everything that proposes (the HTTP layer,
// leader loops, a leader receiving a follower's forwarded command) runs this first. The HTTP
// layer answers Consul's own 400s before that; these messages are the backstop.
import type {
  AutopilotConfigSpec, CheckSpec, Command, CoordinateBatchUpdate, EventSpec, KvWrite, NodeSpec, ServiceSpec, SessionSpec, Txn, TxnOp,
} from './commands.ts';
import { validateAclCommand } from './acl-commands.ts';

const UINT64_MAX = 18446744073709551615n;
/** Consul caps a session's lock-delay at 60 s when it is applied (structs.MaxLockDelay). */
export const MAX_LOCK_DELAY_MS = 60_000;
/** Consul caps a transaction at 128 operations (txn endpoint maxTxnOps). */
export const MAX_TXN_OPS = 128;

/** Consul keeps the newest 256 user events (the agent's event ring). */
export const MAX_EVENTS = 256;
/** serf's coordinate dimensionality (DefaultConfig().Dimensionality). */
export const COORDINATE_DIMENSIONALITY = 8;
/** Coordinate updates per command: Consul's leader batches up to 128 per Raft entry by default. */
export const MAX_COORDINATE_BATCH = 128;

/** A canonical decimal uint64 ("0", "42"; no sign, no leading zeros, ≤ 2^64-1). */
export function isUint64Decimal(s: string): boolean {
  return typeof s === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(s) && BigInt(s) <= UINT64_MAX;
}

/** Consul's UUID shape (8-4-4-4-12 hex), as session and node IDs use. */
export function isUuid(s: string): boolean {
  return typeof s === 'string' && /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isIndex = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isObj = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const isB64OrNull = (v: unknown): boolean => v === null || (isStr(v) && v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v));
const isStrMapOrNull = (v: unknown): boolean => v === null || (isObj(v) && Object.values(v as object).every(isStr));
const isStrListOrNull = (v: unknown): boolean => v === null || (Array.isArray(v) && v.every(isStr));

/** Returns why `cmd` must not be proposed, or null. */
export function validateCommand(cmd: Command): string | null {
  if (!isObj(cmd)) return 'command is not an object';
  switch (cmd.type) {
    case 'kv.set':
      return kvWriteError(cmd);
    case 'kv.cas':
      return kvWriteError(cmd) ?? (isIndex(cmd.index) ? null : 'invalid cas index');
    case 'kv.lock':
    case 'kv.unlock':
      return kvWriteError(cmd) ?? (!isStr(cmd.session) || cmd.session === '' ? 'missing session' : null);
    case 'kv.delete':
      return !isStr(cmd.key) || cmd.key === '' ? 'Missing key name' : null;
    case 'kv.delete-tree':
      return isStr(cmd.prefix) ? null : 'invalid prefix';
    case 'kv.delete-cas':
      return !isStr(cmd.key) || cmd.key === '' ? 'Missing key name' : isIndex(cmd.index) ? null : 'invalid cas index';
    case 'kv.reap-tombstones':
      return isIndex(cmd.upTo) ? null : 'invalid reap index';
    case 'session.create':
      return isObj(cmd.session) ? sessionSpecError(cmd.session) : 'missing session';
    case 'session.destroy':
      return !isStr(cmd.id) || cmd.id === '' ? 'Missing session' : null;
    case 'catalog.register':
      return registerError(cmd.node, cmd.skipNodeUpdate, cmd.service, cmd.checks);
    case 'catalog.deregister':
      if (!isStr(cmd.node) || cmd.node === '') return 'Must provide node';
      return [cmd.serviceId, cmd.checkId].every((v) => v === null || isStr(v)) ? null : 'invalid deregister target';
    case 'event.fire':
      return isObj(cmd.event) ? eventSpecError(cmd.event) : 'missing event';
    case 'coordinate.batch-update':
      return coordinateBatchError(cmd);
    case 'autopilot.set-config':
      if (cmd.cas !== null && !isIndex(cmd.cas)) return 'invalid cas index';
      return isObj(cmd.config) ? autopilotConfigError(cmd.config) : 'missing autopilot configuration';
    case 'txn':
      return txnError(cmd);
    case 'acl.bootstrap':
    case 'acl.token-set':
    case 'acl.token-delete':
    case 'acl.token-reap':
    case 'acl.policy-set':
    case 'acl.policy-delete':
    case 'acl.role-set':
    case 'acl.role-delete':
    case 'acl.init':
      return validateAclCommand(cmd);
    default:
      return `unknown command type ${JSON.stringify((cmd as { type?: unknown }).type)}`;
  }
}

function autopilotConfigError(c: AutopilotConfigSpec): string | null {
  const counts = [c.lastContactThresholdNs, c.maxTrailingLogs, c.minQuorum, c.serverStabilizationTimeNs];
  if (!counts.every(isIndex)) return 'invalid autopilot configuration';
  const flags = [c.cleanupDeadServers, c.disableUpgradeMigration];
  if (!flags.every((b) => typeof b === 'boolean') || !isStr(c.redundancyZoneTag) || !isStr(c.upgradeVersionTag)) return 'invalid autopilot configuration';
  return null;
}

function kvWriteError(w: KvWrite): string | null {
  if (!isStr(w.key) || w.key === '') return 'Missing key name';
  if (!isB64OrNull(w.value)) return 'value is not base64';
  if (!isUint64Decimal(w.flags)) return `invalid flags "${String(w.flags)}"`;
  return null;
}

function sessionSpecError(s: SessionSpec): string | null {
  if (!isUuid(s.id)) return `invalid session ID "${String(s.id)}"`;
  if (!isStr(s.node) || s.node === '') return 'Must provide Node';
  if (s.behavior !== 'release' && s.behavior !== 'delete') return `Invalid Behavior setting '${String(s.behavior)}'`;
  if (!isIndex(s.lockDelayNs)) return 'invalid LockDelay';
  if (!isStr(s.name) || !isStr(s.ttl)) return 'invalid session name or TTL';
  if (!isStrListOrNull(s.nodeChecks)) return 'invalid NodeChecks';
  const sc = s.serviceChecks;
  if (sc !== null && !(Array.isArray(sc) && sc.every((c) => isObj(c) && isStr(c.id) && isStr(c.namespace)))) return 'invalid ServiceChecks';
  return null;
}

function registerError(node: NodeSpec, skip: boolean, service: ServiceSpec | null, checks: readonly CheckSpec[]): string | null {
  if (!isObj(node) || !isStr(node.node) || node.node === '') return 'Must provide node';
  if (nodeSpecError(node) !== null) return nodeSpecError(node);
  if (typeof skip !== 'boolean') return 'invalid SkipNodeUpdate';
  if (service !== null && serviceSpecError(service) !== null) return serviceSpecError(service);
  if (!Array.isArray(checks)) return 'invalid Checks';
  for (const c of checks) {
    const err = checkSpecError(c);
    if (err !== null) return err;
  }
  return null;
}

function nodeSpecError(n: NodeSpec): string | null {
  if (![n.id, n.node, n.address, n.datacenter].every(isStr)) return 'invalid node fields';
  if (n.id !== '' && !isUuid(n.id)) return `Bad node ID: "${n.id}"`;
  return isStrMapOrNull(n.taggedAddresses) && isStrMapOrNull(n.meta) ? null : 'invalid node maps';
}

function serviceSpecError(s: ServiceSpec): string | null {
  if (!isObj(s) || ![s.kind, s.id, s.service, s.address, s.socketPath].every(isStr)) return 'invalid service fields';
  if (s.id === '' || s.service === '') return 'Must provide service name (Service.Service) when service ID is provided';
  if (!isStrListOrNull(s.tags) || !isStrMapOrNull(s.meta)) return 'invalid service tags or meta';
  if (!Number.isSafeInteger(s.port) || typeof s.enableTagOverride !== 'boolean') return 'invalid service port';
  if (!isObj(s.weights) || !Number.isSafeInteger(s.weights.Passing) || !Number.isSafeInteger(s.weights.Warning)) return 'invalid service weights';
  if (s.taggedAddresses !== null && !isObj(s.taggedAddresses)) return 'invalid service tagged addresses';
  return s.extra === null || isObj(s.extra) ? null : 'invalid service extra';
}

const CHECK_STATUSES: ReadonlySet<unknown> = new Set(['passing', 'warning', 'critical', 'maintenance']);

function checkSpecError(c: CheckSpec): string | null {
  if (!isObj(c)) return 'invalid check';
  const strings = [c.node, c.checkId, c.name, c.notes, c.output, c.serviceId, c.type, c.interval, c.timeout];
  if (!strings.every(isStr) || c.checkId === '') return 'invalid check fields';
  if (!CHECK_STATUSES.has(c.status)) return `Invalid check status: "${String(c.status)}"`;
  return Number.isSafeInteger(c.exposedPort) && isObj(c.definition) ? null : 'invalid check fields';
}

function eventSpecError(e: EventSpec): string | null {
  if (!isUuid(e.id)) return `invalid event ID "${String(e.id)}"`;
  if (!isStr(e.name) || e.name === '') return 'User event missing name';
  if (![e.nodeFilter, e.serviceFilter, e.tagFilter].every(isStr)) return 'invalid event filters';
  if (!isB64OrNull(e.payload)) return 'payload is not base64';
  return Number.isSafeInteger(e.version) ? null : 'invalid event version';
}

const isFiniteNumber = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);

function coordinateBatchError(cmd: CoordinateBatchUpdate): string | null {
  if (!Array.isArray(cmd.updates) || cmd.updates.length > MAX_COORDINATE_BATCH) return 'invalid coordinate batch';
  for (const u of cmd.updates) {
    if (!isObj(u) || !isStr(u.node) || u.node === '' || !isStr(u.segment) || !isObj(u.coord)) return 'invalid coordinate update';
    const c = u.coord;
    const vec = Array.isArray(c.Vec) && c.Vec.length === COORDINATE_DIMENSIONALITY && c.Vec.every(isFiniteNumber);
    if (!vec || ![c.Error, c.Adjustment, c.Height].every(isFiniteNumber)) return 'invalid coordinate';
  }
  return null;
}

function txnError(cmd: Txn): string | null {
  if (!Array.isArray(cmd.ops)) return 'ops must be an array';
  if (cmd.ops.length > MAX_TXN_OPS) return `Transaction contains too many operations (${cmd.ops.length} > ${MAX_TXN_OPS})`;
  for (const op of cmd.ops) {
    const err = txnOpError(op);
    if (err !== null) return err;
  }
  return null;
}

/** Shapes only: unknown verbs and empty ops are left to the FSM, which reports them per op as Consul does. */
function txnOpError(op: TxnOp): string | null {
  if (!isObj(op)) return 'malformed txn operation';
  if ('KV' in op && op.KV !== undefined) {
    const kv = op.KV;
    const ok = isObj(kv) && isStr(kv.verb) && isStr(kv.key) && isB64OrNull(kv.value) && isUint64Decimal(kv.flags) && isIndex(kv.index) && isStr(kv.session);
    return ok ? null : 'malformed KV operation';
  }
  if ('Node' in op && op.Node !== undefined) {
    return isObj(op.Node) && isStr(op.Node.verb) && isIndex(op.Node.index) && isObj(op.Node.node) ? nodeSpecError(op.Node.node) : 'malformed Node operation';
  }
  if ('Service' in op && op.Service !== undefined) {
    const s = op.Service;
    if (!isObj(s) || !isStr(s.verb) || !isStr(s.node) || !isIndex(s.index) || !isObj(s.service)) return 'malformed Service operation';
    // Reads and deletes name the instance by ID only; writes store the whole NodeService.
    if (s.verb !== 'set' && s.verb !== 'cas') return isStr(s.service.id) ? null : 'malformed Service operation';
    return serviceSpecError(s.service);
  }
  if ('Check' in op && op.Check !== undefined) {
    const c = op.Check;
    return isObj(c) && isStr(c.verb) && isIndex(c.index) ? checkSpecError(c.check) : 'malformed Check operation';
  }
  return null;
}
