// User events. Consul gossips them; Cairn replicates them through Raft into a ring of the
// newest 256 (storage), and each server lists the events that pass its own filters (its node
// name, its local services and tags), as a Consul agent only keeps the events it processed.
import type { Context } from 'hono';
import { PERMISSION_DENIED } from '../../storage/acl/index.ts';
import { MAX_EVENTS } from '../../storage/commands.ts';
import { watchFor } from '../../storage/state-store.ts';
import type { EventEntry } from '../../storage/types.ts';
import { blockingQuery } from '../../storage/blocking-query.ts';
import type { AppRouteHandler } from '../create-router.ts';
import type { AppEnv } from '../env.ts';
import { aclWatchKeys, filterByAcl, resolveToken, writeToken } from '../acl/enforce.ts';
import { compileRegex } from '../filter/re2/index.ts';
import { readBodyLimited, declaredLength } from '../lib/body.ts';
import { badRequest, HttpError, internalError } from '../lib/errors.ts';
import { sendJson } from '../lib/respond.ts';
import { requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import { userEventJson } from '../schemas/event.ts';
import type { FireRoute, ListRoute } from './event.routes.ts';

type Ctx = Context<AppEnv>;

/** serf's default UserEventSizeLimit: name plus encoded event, before encoding. */
export const USER_EVENT_SIZE_LIMIT = 512;
/** Consul prefixes user event names on the serf layer. */
const SERF_NAME_PREFIX = 'consul:event:';
/** Consul's userEventMaxVersion. */
const EVENT_VERSION = 1;
const sizeError = () => internalError(`user event exceeds configured limit of ${USER_EVENT_SIZE_LIMIT} bytes before encoding`);

/** msgpack lengths of a string (str8/16) and of bytes (bin8/16), as go-codec writes them. */
const strSize = (n: number): number => (n < 32 ? 1 : n < 256 ? 2 : 3) + n;
const binSize = (n: number): number => (n < 256 ? 2 : 3) + n;
const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Bytes serf counts for a user event: the prefixed name plus the msgpack-encoded UserEvent. */
export function userEventSize(e: { name: string; payload: number; nodeFilter: string; serviceFilter: string; tagFilter: string }): number {
  let encoded = 1; // fixmap header
  encoded += strSize(2) + strSize(36); // "ID": uuid
  encoded += strSize(1) + strSize(utf8(e.name)); // "n"
  if (e.payload > 0) encoded += strSize(1) + binSize(e.payload); // "p"
  for (const f of [e.nodeFilter, e.serviceFilter, e.tagFilter]) if (f !== '') encoded += strSize(2) + strSize(utf8(f));
  encoded += strSize(1) + 1; // "v": positive fixint
  return utf8(SERF_NAME_PREFIX + e.name) + encoded;
}

/** Consul's validateUserEventParams (500s). */
function validateFilters(node: string, service: string, tag: string): void {
  if (tag !== '' && service === '') throw internalError('Cannot provide tag filter without service filter');
  for (const [what, pattern] of [['node', node], ['service', service], ['tag', tag]] as const) {
    if (pattern === '') continue;
    const compiled = compileRegex(pattern);
    if (!compiled.ok) throw internalError(`Invalid ${what} filter: ${compiled.error}`);
  }
}

export const fire: AppRouteHandler<FireRoute> = async (c) => {
  requireLocalDatacenter(c);
  const name = c.req.valid('param').name;
  if (name === '') throw badRequest('Missing name');
  const q = new URL(c.req.url).searchParams;
  const [nodeFilter, serviceFilter, tagFilter] = [q.get('node') ?? '', q.get('service') ?? '', q.get('tag') ?? ''];
  const payload = (declaredLength(c) ?? 0) > 0
    ? await readBodyLimited(c, { maxBytes: USER_EVENT_SIZE_LIMIT, declaredTooLarge: sizeError, streamedTooLarge: sizeError })
    : new Uint8Array(0);
  validateFilters(nodeFilter, serviceFilter, tagFilter);
  if (userEventSize({ name, payload: payload.byteLength, nodeFilter, serviceFilter, tagFilter }) > USER_EVENT_SIZE_LIMIT) throw sizeError();
  const services = c.var.services;
  const event = {
    id: services.uuid(), name, payload: payload.byteLength === 0 ? null : Buffer.from(payload).toString('base64'), nodeFilter, serviceFilter, tagFilter, version: EVENT_VERSION,
  };
  // The leader checks event:write; Consul's HTTP layer answers its refusal with the bare text.
  await services.apply({ type: 'event.fire', event }, writeToken(c)).catch((err: unknown) => {
    if (err instanceof HttpError && err.status === 403 && err.message.startsWith(PERMISSION_DENIED)) throw new HttpError(403, PERMISSION_DENIED);
    throw err;
  });
  return sendJson(c, { ID: event.id, Name: name, Payload: event.payload, NodeFilter: nodeFilter, ServiceFilter: serviceFilter, TagFilter: tagFilter, Version: EVENT_VERSION, LTime: 0 });
};

/** Consul's shouldProcessUserEvent: node name, then a local service (and tag) matching. */
function processedHere(c: Ctx, e: EventEntry): boolean {
  const { info, agent } = c.var.services;
  const test = (pattern: string, input: string): boolean => {
    const compiled = compileRegex(pattern);
    return compiled.ok && compiled.test(input);
  };
  if (e.nodeFilter !== '' && !test(e.nodeFilter, info.nodeName)) return false;
  if (e.serviceFilter === '') return true;
  return agent.services().some((s) => test(e.serviceFilter, s.service) && (e.tagFilter === '' || (s.tags ?? []).some((t) => test(e.tagFilter, t))));
}

/** uuidToUint64: the high and low 64 bits of the UUID, XORed. */
export function uuidIndex(uuid: string): bigint {
  const hex = uuid.replace(/-/g, '');
  return BigInt(`0x${hex.slice(0, 16)}`) ^ BigInt(`0x${hex.slice(16, 32)}`);
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const options = requireQueryOptions(c);
  // Consul resolves the token before the (agent-local) blocking loop.
  resolveToken(c);
  const name = new URL(c.req.url).searchParams.get('name') ?? '';
  const services = c.var.services;
  const run = () => {
    const named = services.state.eventList().events.filter((e) => (name === '' || e.name === name) && processedHere(c, e)).slice(-MAX_EVENTS);
    // ACLs filter after the name filter, as Consul does (the header then says only what ACLs hid).
    const all = filterByAcl(c, named, (a, e) => a.eventRead(e.name));
    const last = all[all.length - 1];
    const index = last === undefined ? 1n : uuidIndex(last.id);
    // The index is not monotonic, so Consul blocks only while it equals the client's.
    return { events: all, uuidIndex: index, index: options.minIndex > 0n && index === options.minIndex ? 0 : 1 };
  };
  // storage's loop returns once result.index passes minIndex: here index is 1 when the uuid
  // index differs from the client's (return now) and 0 while it is equal (keep waiting).
  const out = await blockingQuery(services.watches, {
    minIndex: options.minIndex > 0n ? 0.5 : 0,
    waitMs: options.waitMs,
    // The request's token too: deleting it mid-wait ends the wait, and the re-run refuses.
    watch: [...watchFor.eventList(), ...aclWatchKeys(c)],
    run,
    signal: c.req.raw.signal,
    timer: services.waitTimer,
  });
  c.header('X-Consul-Index', out.uuidIndex.toString());
  return sendJson(c, out.events.map(userEventJson));
};
