// SQL row ↔ typed entry mapping, shared by the apply handle and the read API. Maps and lists
// are stored as JSON text and parsed only when a row is returned.
import type { CheckEntry, CheckStatus, CoordinateEntry, DirEntry, EventEntry, NodeEntry, ServiceEntry, SessionEntry } from './types.ts';

export interface KvRow {
  key: string;
  value: Buffer | null;
  flags: string;
  lock_index: number;
  session: string | null;
  create_index: number;
  modify_index: number;
}
export const KV_COLUMNS = 'key, value, flags, lock_index, session, create_index, modify_index';
export const KV_META_COLUMNS = 'key, NULL AS value, flags, lock_index, session, create_index, modify_index';

export function toDirEntry(r: KvRow): DirEntry {
  return {
    key: r.key,
    // A zero-length BLOB is stored as NULL already; normalise defensively for restored data.
    value: r.value === null || r.value.length === 0 ? null : new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.length),
    flags: r.flags,
    lockIndex: r.lock_index,
    session: r.session,
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

export interface SessionRow {
  id: string;
  name: string;
  node: string;
  lock_delay_ns: number;
  behavior: 'release' | 'delete';
  ttl: string;
  node_checks: string | null;
  service_checks: string | null;
  create_index: number;
  modify_index: number;
}
export const SESSION_COLUMNS = 'id, name, node, lock_delay_ns, behavior, ttl, node_checks, service_checks, create_index, modify_index';

export function toSession(r: SessionRow): SessionEntry {
  return {
    id: r.id,
    name: r.name,
    node: r.node,
    lockDelayNs: r.lock_delay_ns,
    behavior: r.behavior,
    ttl: r.ttl,
    nodeChecks: parseJson(r.node_checks),
    serviceChecks: parseJson(r.service_checks),
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

export function sessionParams(s: SessionEntry): unknown[] {
  return [s.id, s.name, s.node, s.lockDelayNs, s.behavior, s.ttl, jsonOrNull(s.nodeChecks), jsonOrNull(s.serviceChecks), s.createIndex, s.modifyIndex];
}

export interface NodeRow {
  node: string;
  id: string;
  address: string;
  datacenter: string;
  tagged_addresses: string | null;
  meta: string | null;
  create_index: number;
  modify_index: number;
}
export const NODE_COLUMNS = 'node, id, address, datacenter, tagged_addresses, meta, create_index, modify_index';

export function toNode(r: NodeRow): NodeEntry {
  return {
    id: r.id,
    node: r.node,
    address: r.address,
    datacenter: r.datacenter,
    taggedAddresses: parseJson(r.tagged_addresses),
    meta: parseJson(r.meta),
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

export function nodeParams(n: NodeEntry): unknown[] {
  return [n.node, n.id, n.address, n.datacenter, jsonOrNull(n.taggedAddresses), jsonOrNull(n.meta), n.createIndex, n.modifyIndex];
}

export interface ServiceRow {
  node: string;
  service_id: string;
  service_name: string;
  kind: string;
  tags: string | null;
  address: string;
  tagged_addresses: string | null;
  meta: string | null;
  port: number;
  socket_path: string;
  weights: string;
  enable_tag_override: number;
  extra: string | null;
  create_index: number;
  modify_index: number;
}
export const SERVICE_COLUMNS =
  'node, service_id, service_name, kind, tags, address, tagged_addresses, meta, port, socket_path, weights, enable_tag_override, extra, create_index, modify_index';

export function toService(r: ServiceRow): ServiceEntry {
  return {
    node: r.node,
    kind: r.kind,
    id: r.service_id,
    service: r.service_name,
    tags: parseJson(r.tags),
    address: r.address,
    taggedAddresses: parseJson(r.tagged_addresses),
    meta: parseJson(r.meta),
    port: r.port,
    socketPath: r.socket_path,
    weights: JSON.parse(r.weights) as ServiceEntry['weights'],
    enableTagOverride: r.enable_tag_override !== 0,
    extra: parseJson(r.extra),
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

export function serviceParams(s: ServiceEntry): unknown[] {
  return [
    s.node, s.id, s.service, s.kind, jsonOrNull(s.tags), s.address, jsonOrNull(s.taggedAddresses), jsonOrNull(s.meta),
    s.port, s.socketPath, JSON.stringify(s.weights), s.enableTagOverride ? 1 : 0, jsonOrNull(s.extra), s.createIndex, s.modifyIndex,
  ];
}

export interface CheckRow {
  node: string;
  check_id: string;
  name: string;
  status: CheckStatus;
  notes: string;
  output: string;
  service_id: string;
  service_name: string;
  service_tags: string;
  type: string;
  interval: string;
  timeout: string;
  exposed_port: number;
  definition: string;
  create_index: number;
  modify_index: number;
}
export const CHECK_COLUMNS =
  'node, check_id, name, status, notes, output, service_id, service_name, service_tags, type, interval, timeout, exposed_port, definition, create_index, modify_index';

export function toCheck(r: CheckRow): CheckEntry {
  return {
    node: r.node,
    checkId: r.check_id,
    name: r.name,
    status: r.status,
    notes: r.notes,
    output: r.output,
    serviceId: r.service_id,
    serviceName: r.service_name,
    serviceTags: JSON.parse(r.service_tags) as string[],
    type: r.type,
    interval: r.interval,
    timeout: r.timeout,
    exposedPort: r.exposed_port,
    definition: JSON.parse(r.definition) as Record<string, unknown>,
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

export function checkParams(c: CheckEntry): unknown[] {
  return [
    c.node, c.checkId, c.name, c.status, c.notes, c.output, c.serviceId, c.serviceName, JSON.stringify(c.serviceTags),
    c.type, c.interval, c.timeout, c.exposedPort, JSON.stringify(c.definition), c.createIndex, c.modifyIndex,
  ];
}

export interface EventDbRow {
  ltime: number;
  id: string;
  name: string;
  payload: Buffer | null;
  node_filter: string;
  service_filter: string;
  tag_filter: string;
  version: number;
  raft_index: number;
}
export const EVENT_COLUMNS = 'ltime, id, name, payload, node_filter, service_filter, tag_filter, version, raft_index';

export function toEvent(r: EventDbRow): EventEntry {
  return {
    id: r.id,
    name: r.name,
    payload: r.payload === null || r.payload.length === 0 ? null : new Uint8Array(r.payload.buffer, r.payload.byteOffset, r.payload.length),
    nodeFilter: r.node_filter,
    serviceFilter: r.service_filter,
    tagFilter: r.tag_filter,
    version: r.version,
    ltime: r.ltime,
    raftIndex: r.raft_index,
  };
}

export interface CoordinateRow {
  node: string;
  segment: string;
  coord: string;
  modify_index: number;
}
export const COORDINATE_COLUMNS = 'node, segment, coord, modify_index';

export function toCoordinate(r: CoordinateRow): CoordinateEntry {
  return { node: r.node, segment: r.segment, coord: JSON.parse(r.coord) as CoordinateEntry['coord'], modifyIndex: r.modify_index };
}

function parseJson<T>(s: string | null): T | null {
  return s === null ? null : (JSON.parse(s) as T);
}

function jsonOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}

/** The exclusive upper bound of the keys starting with `prefix` (null: no bound), in SQLite's
 *  BINARY (UTF-8 byte = code point) order: the prefix with its last code point incremented. */
export function prefixUpperBound(prefix: string): string | null {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return cps.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}
