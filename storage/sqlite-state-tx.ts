// The StateTx handle over the apply connection: every statement prepared once, values decoded
// from base64 straight into BLOBs, JSON columns written as given. Used only inside the FSM's
// batch transaction (and, read-only, by the txn fast path).
import type Database from 'better-sqlite3';
import type { KvEntryWire } from './commands.ts';
import type { EventRow, KvMeta, KvPut, SettingRow, StateTx } from './apply/state-tx.ts';
import { SqliteAclTx } from './acl-tx.ts';
import type { Sqlite } from './db.ts';
import {
  CHECK_COLUMNS, COORDINATE_COLUMNS, EVENT_COLUMNS, KV_COLUMNS, NODE_COLUMNS, SERVICE_COLUMNS, SESSION_COLUMNS, checkParams, nodeParams,
  prefixUpperBound, serviceParams, sessionParams, toCheck, toCoordinate, toNode, toService, toSession,
} from './rows.ts';
import type { CheckRow, CoordinateRow, KvRow, NodeRow, ServiceRow, SessionRow } from './rows.ts';
import type { CheckEntry, CoordinateEntry, NodeEntry, ServiceEntry, SessionEntry } from './types.ts';

type Stmt = Database.Statement;

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Sqlite) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    kvMeta: p('SELECT key, flags, lock_index, session, create_index, modify_index FROM kvs WHERE key = ?'),
    kvEntry: p(`SELECT ${KV_COLUMNS} FROM kvs WHERE key = ?`),
    kvTreeAll: p(`SELECT ${KV_COLUMNS} FROM kvs ORDER BY key`),
    kvTreeFrom: p(`SELECT ${KV_COLUMNS} FROM kvs WHERE key >= ? ORDER BY key`),
    kvTreeRange: p(`SELECT ${KV_COLUMNS} FROM kvs WHERE key >= ? AND key < ? ORDER BY key`),
    kvPut: p(`INSERT INTO kvs (${KV_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, flags = excluded.flags, lock_index = excluded.lock_index,
        session = excluded.session, modify_index = excluded.modify_index
      WHERE kvs.value IS NOT excluded.value OR kvs.flags IS NOT excluded.flags
        OR kvs.lock_index IS NOT excluded.lock_index OR kvs.session IS NOT excluded.session`),
    kvRelease: p('UPDATE kvs SET session = NULL, modify_index = ? WHERE key = ?'),
    kvDelete: p('DELETE FROM kvs WHERE key = ?'),
    kvDeleteAll: p('DELETE FROM kvs'),
    kvDeleteFrom: p('DELETE FROM kvs WHERE key >= ?'),
    kvDeleteRange: p('DELETE FROM kvs WHERE key >= ? AND key < ?'),
    kvHeldBy: p('SELECT key FROM kvs WHERE session = ? ORDER BY key').pluck(),
    tombPut: p('INSERT INTO tombstones (key, raft_index) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET raft_index = excluded.raft_index'),
    tombReap: p('DELETE FROM tombstones WHERE raft_index <= ?'),
    sessGet: p(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`),
    sessInsert: p(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    sessCheckInsert: p('INSERT INTO session_checks (session, node, check_id) VALUES (?, ?, ?)'),
    sessChecksDelete: p('DELETE FROM session_checks WHERE session = ?'),
    sessDelete: p('DELETE FROM sessions WHERE id = ?'),
    sessOfNode: p('SELECT id FROM sessions WHERE node = ? ORDER BY id').pluck(),
    sessOfCheck: p('SELECT session FROM session_checks WHERE node = ? AND check_id = ? ORDER BY session').pluck(),
    nodeGet: p(`SELECT ${NODE_COLUMNS} FROM nodes WHERE node = ?`),
    nodeById: p(`SELECT ${NODE_COLUMNS} FROM nodes WHERE id = ? AND id <> ''`),
    nodeList: p(`SELECT ${NODE_COLUMNS} FROM nodes ORDER BY node`),
    nodePut: p(`INSERT INTO nodes (${NODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (node) DO UPDATE SET node = excluded.node, id = excluded.id, address = excluded.address,
        datacenter = excluded.datacenter, tagged_addresses = excluded.tagged_addresses, meta = excluded.meta,
        modify_index = excluded.modify_index`),
    nodeDelete: p('DELETE FROM nodes WHERE node = ?'),
    svcGet: p(`SELECT ${SERVICE_COLUMNS} FROM services WHERE node = ? AND service_id = ?`),
    svcOfNode: p(`SELECT ${SERVICE_COLUMNS} FROM services WHERE node = ? ORDER BY service_id`),
    svcPut: p(`INSERT INTO services (${SERVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (node, service_id) DO UPDATE SET service_id = excluded.service_id, service_name = excluded.service_name,
        kind = excluded.kind, tags = excluded.tags, address = excluded.address, tagged_addresses = excluded.tagged_addresses,
        meta = excluded.meta, port = excluded.port, socket_path = excluded.socket_path, weights = excluded.weights,
        enable_tag_override = excluded.enable_tag_override, extra = excluded.extra, modify_index = excluded.modify_index`),
    svcDelete: p('DELETE FROM services WHERE node = ? AND service_id = ?'),
    chkGet: p(`SELECT ${CHECK_COLUMNS} FROM checks WHERE node = ? AND check_id = ?`),
    chkOfNode: p(`SELECT ${CHECK_COLUMNS} FROM checks WHERE node = ? ORDER BY check_id`),
    chkOfService: p(`SELECT ${CHECK_COLUMNS} FROM checks WHERE node = ? AND service_id = ? ORDER BY check_id`),
    chkPut: p(`INSERT INTO checks (${CHECK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (node, check_id) DO UPDATE SET check_id = excluded.check_id, name = excluded.name, status = excluded.status,
        notes = excluded.notes, output = excluded.output, service_id = excluded.service_id, service_name = excluded.service_name,
        service_tags = excluded.service_tags, type = excluded.type, interval = excluded.interval, timeout = excluded.timeout,
        exposed_port = excluded.exposed_port, definition = excluded.definition, modify_index = excluded.modify_index`),
    chkDelete: p('DELETE FROM checks WHERE node = ? AND check_id = ?'),
    evtMaxLtime: p('SELECT max(ltime) FROM events').pluck(),
    evtInsert: p(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    evtTrim: p('DELETE FROM events WHERE ltime <= ?'),
    coordGet: p(`SELECT ${COORDINATE_COLUMNS} FROM coordinates WHERE node = ? AND segment = ?`),
    coordPut: p(`INSERT INTO coordinates (${COORDINATE_COLUMNS}) VALUES (?, ?, ?, ?)
      ON CONFLICT (node, segment) DO UPDATE SET coord = excluded.coord, modify_index = excluded.modify_index`),
    coordDeleteNode: p('DELETE FROM coordinates WHERE node = ?'),
    settingGet: p('SELECT name, value, create_index AS createIndex, modify_index AS modifyIndex FROM settings WHERE name = ?'),
    settingPut: p(`INSERT INTO settings (name, value, create_index, modify_index) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, modify_index = excluded.modify_index`),
  };
}

export class SqliteStateTx implements StateTx {
  index = 0;
  readonly acl: SqliteAclTx;
  private savepoints = 0;
  private readonly s: Statements;

  constructor(private readonly db: Sqlite) {
    this.s = prepareStatements(db);
    this.acl = new SqliteAclTx(db);
  }

  kvGet(key: string): KvMeta | undefined {
    const r = this.s.kvMeta.get(key) as Omit<KvRow, 'value'> | undefined;
    return r && { key: r.key, flags: r.flags, lockIndex: r.lock_index, session: r.session, createIndex: r.create_index, modifyIndex: r.modify_index };
  }

  kvEntry(key: string): KvEntryWire | undefined {
    const r = this.s.kvEntry.get(key) as KvRow | undefined;
    return r && toWire(r);
  }

  kvTree(prefix: string): KvEntryWire[] {
    const hi = prefixUpperBound(prefix);
    const rows = (prefix === '' ? this.s.kvTreeAll.all() : hi === null ? this.s.kvTreeFrom.all(prefix) : this.s.kvTreeRange.all(prefix, hi)) as KvRow[];
    return rows.map(toWire);
  }

  kvPut(e: KvPut): boolean {
    const value = e.value === null ? null : Buffer.from(e.value, 'base64');
    const info = this.s.kvPut.run(e.key, value !== null && value.length === 0 ? null : value, e.flags, e.lockIndex, e.session, e.createIndex, e.modifyIndex);
    return info.changes > 0;
  }

  kvRelease(key: string): void {
    assertChanged(this.s.kvRelease.run(this.index, key), `release ${key}`);
  }

  kvDelete(key: string): boolean {
    return this.s.kvDelete.run(key).changes > 0;
  }

  kvDeletePrefix(prefix: string): number {
    const hi = prefixUpperBound(prefix);
    const st = prefix === '' ? this.s.kvDeleteAll.run() : hi === null ? this.s.kvDeleteFrom.run(prefix) : this.s.kvDeleteRange.run(prefix, hi);
    return st.changes;
  }

  kvKeysHeldBy(session: string): string[] {
    return this.s.kvHeldBy.all(session) as string[];
  }

  tombstonePut(key: string): void {
    this.s.tombPut.run(key, this.index);
  }

  tombstoneReap(upTo: number): number {
    return this.s.tombReap.run(upTo).changes;
  }

  sessionGet(id: string): SessionEntry | undefined {
    const r = this.s.sessGet.get(id) as SessionRow | undefined;
    return r && toSession(r);
  }

  sessionInsert(session: SessionEntry, checkIds: readonly string[]): void {
    this.s.sessInsert.run(...sessionParams(session));
    for (const id of checkIds) this.s.sessCheckInsert.run(session.id, session.node, id);
  }

  sessionDelete(id: string): void {
    this.s.sessChecksDelete.run(id);
    assertChanged(this.s.sessDelete.run(id), `delete session ${id}`);
  }

  sessionsOfNode(node: string): string[] {
    return this.s.sessOfNode.all(node) as string[];
  }

  sessionsOfCheck(node: string, checkId: string): string[] {
    return this.s.sessOfCheck.all(node, checkId) as string[];
  }

  nodeGet(name: string): NodeEntry | undefined {
    const r = this.s.nodeGet.get(name) as NodeRow | undefined;
    return r && toNode(r);
  }

  nodeGetById(id: string): NodeEntry | undefined {
    const r = this.s.nodeById.get(id) as NodeRow | undefined;
    return r && toNode(r);
  }

  nodeList(): NodeEntry[] {
    return (this.s.nodeList.all() as NodeRow[]).map(toNode);
  }

  nodePut(node: NodeEntry): void {
    this.s.nodePut.run(...nodeParams(node));
  }

  nodeDelete(name: string): void {
    assertChanged(this.s.nodeDelete.run(name), `delete node ${name}`);
  }

  serviceGet(node: string, serviceId: string): ServiceEntry | undefined {
    const r = this.s.svcGet.get(node, serviceId) as ServiceRow | undefined;
    return r && toService(r);
  }

  servicesOfNode(node: string): ServiceEntry[] {
    return (this.s.svcOfNode.all(node) as ServiceRow[]).map(toService);
  }

  servicePut(service: ServiceEntry): void {
    this.s.svcPut.run(...serviceParams(service));
  }

  serviceDelete(node: string, serviceId: string): void {
    assertChanged(this.s.svcDelete.run(node, serviceId), `delete service ${node}/${serviceId}`);
  }

  checkGet(node: string, checkId: string): CheckEntry | undefined {
    const r = this.s.chkGet.get(node, checkId) as CheckRow | undefined;
    return r && toCheck(r);
  }

  checksOfNode(node: string): CheckEntry[] {
    return (this.s.chkOfNode.all(node) as CheckRow[]).map(toCheck);
  }

  checksOfService(node: string, serviceId: string): CheckEntry[] {
    return (this.s.chkOfService.all(node, serviceId) as CheckRow[]).map(toCheck);
  }

  checkPut(check: CheckEntry): void {
    this.s.chkPut.run(...checkParams(check));
  }

  checkDelete(node: string, checkId: string): void {
    assertChanged(this.s.chkDelete.run(node, checkId), `delete check ${node}/${checkId}`);
  }

  eventMaxLtime(): number {
    return (this.s.evtMaxLtime.get() as number | null) ?? 0;
  }

  eventInsert(e: EventRow): void {
    const payload = e.payload === null ? null : Buffer.from(e.payload, 'base64');
    this.s.evtInsert.run(
      e.ltime, e.id, e.name, payload !== null && payload.length === 0 ? null : payload, e.nodeFilter, e.serviceFilter, e.tagFilter, e.version, e.raftIndex,
    );
  }

  eventTrim(upTo: number): number {
    return this.s.evtTrim.run(upTo).changes;
  }

  coordinateGet(node: string, segment: string): CoordinateEntry | undefined {
    const r = this.s.coordGet.get(node, segment) as CoordinateRow | undefined;
    return r && toCoordinate(r);
  }

  coordinatePut(c: CoordinateEntry): void {
    this.s.coordPut.run(c.node, c.segment, JSON.stringify(c.coord), c.modifyIndex);
  }

  coordinatesDeleteNode(node: string): void {
    this.s.coordDeleteNode.run(node);
  }

  settingGet(name: string): SettingRow | undefined {
    return this.s.settingGet.get(name) as SettingRow | undefined;
  }

  settingPut(row: SettingRow): void {
    this.s.settingPut.run(row.name, row.value, row.createIndex, row.modifyIndex);
  }

  atomically<T>(fn: () => T, keep: (result: T) => boolean): T {
    const name = `sp${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      this.db.exec(keep(result) ? `RELEASE ${name}` : `ROLLBACK TO ${name}; RELEASE ${name}`);
      return result;
    } catch (err) {
      // A throw is a bug or an IO failure: undo this level and let the batch transaction fail.
      this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw err;
    } finally {
      this.savepoints--;
    }
  }
}

function toWire(r: KvRow): KvEntryWire {
  return {
    key: r.key,
    value: r.value === null || r.value.length === 0 ? null : r.value.toString('base64'),
    flags: r.flags,
    lockIndex: r.lock_index,
    session: r.session,
    createIndex: r.create_index,
    modifyIndex: r.modify_index,
  };
}

function assertChanged(info: Database.RunResult, what: string): void {
  if (info.changes !== 1) throw new Error(`state tx: ${what} changed ${info.changes} rows, expected 1`);
}
