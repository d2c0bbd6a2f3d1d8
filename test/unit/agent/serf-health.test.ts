// The leader's serf-health loop over a real store: contact ages become serfHealth changes
// (only on change), a stalled leader marks nobody failed, a missing server node is registered
// by asking the server its name, and a server that left the configuration is deregistered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostStatus } from '../../../consensus/host/raft-host.ts';
import { SerfHealthLoop } from '../../../app/leader/serf-health.ts';
import { selfRegistration } from '../../../app/self-registration.ts';
import type { Command } from '../../../storage/commands.ts';
import { openState, type State } from '../../../storage/open-state.ts';
import { SingleNodeApplier } from '../../support/single-node-applier.ts';
import { ManualClock, settle } from './support.ts';

const LEADER = { id: 'aaaaaaaa-0000-4000-8000-000000000001', address: '127.0.0.1:8301', name: 's1' };
const PEER = { id: 'bbbbbbbb-0000-4000-8000-000000000002', address: '127.0.0.1:8302', name: 's2' };
const GONE = { id: 'cccccccc-0000-4000-8000-000000000003', address: '127.0.0.1:8303', name: 's3' };

let dir: string;
let state: State;
let applier: SingleNodeApplier;
let clock: ManualClock;
let contact: number | null;
let servers: { id: string; address: string }[];
let proposed: Command[];
let hellos: string[];

const register = (s: { id: string; address: string; name: string }) =>
  applier.apply(selfRegistration({ nodeId: s.id, nodeName: s.name, address: '127.0.0.1', datacenter: 'dc1', serverPort: Number(s.address.split(':')[1]), version: '1.21.0' }));

function loop(): SerfHealthLoop {
  return new SerfHealthLoop({
    selfId: LEADER.id,
    version: '1.21.0',
    status: () => ({
      role: 'leader',
      configuration: { servers: servers.map((s) => ({ ...s, suffrage: 0 })) },
      progress: servers.filter((s) => s.id !== LEADER.id).map((s) => ({ id: s.id, lastContactMs: contact })),
    }) as unknown as HostStatus,
    state: state.store,
    apply: async (command) => {
      proposed.push(command);
      return applier.apply(command).result;
    },
    hello: async (address) => {
      hellos.push(address);
      return { nodeName: PEER.name, datacenter: 'dc1' };
    },
    clock,
    logger: pino({ level: 'silent' }),
  });
}

const serf = (node: string) => state.store.nodeChecks(node).checks.find((c) => c.checkId === 'serfHealth');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-serf-'));
  state = openState(join(dir, 'state.db'));
  applier = new SingleNodeApplier(state.fsm);
  clock = new ManualClock();
  contact = 100;
  servers = [LEADER, PEER];
  proposed = [];
  hellos = [];
  register(LEADER);
});

afterEach(() => {
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serf health on the leader', () => {
  it('marks a silent server critical, then passing again; writes only on change', async () => {
    register(PEER);
    const l = loop();
    await l.reconcile();
    expect(proposed).toEqual([]);
    contact = 6_000;
    await l.reconcile();
    expect(serf(PEER.name)).toMatchObject({ status: 'critical', output: 'Agent not live or unreachable' });
    await l.reconcile();
    expect(proposed).toHaveLength(1);
    contact = 50;
    await l.reconcile();
    expect(serf(PEER.name)).toMatchObject({ status: 'passing', output: 'Agent alive and reachable' });
  });

  it('a server never heard from in this term is alive during the grace period, failed after it', async () => {
    register(PEER);
    contact = null;
    const l = loop();
    l.start();
    await clock.advance(2_000);
    expect(serf(PEER.name)!.status).toBe('passing');
    await clock.advance(4_000);
    await settle();
    expect(serf(PEER.name)!.status).toBe('critical');
    l.stop();
  });

  it('after its own event loop stalled, the leader marks nobody failed that round', async () => {
    register(PEER);
    const l = loop();
    l.start();
    contact = 9_000;
    // The loop's timer fires 10 s late (the leader's event loop stalled): that round holds back.
    clock.jump(10_000);
    await clock.advance(0);
    expect(serf(PEER.name)!.status).toBe('passing');
    await clock.advance(500);
    await settle();
    expect(serf(PEER.name)!.status).toBe('critical');
    l.stop();
  });

  it('registers a live server the catalog lacks, asking it for its name', async () => {
    await loop().reconcile();
    expect(hellos).toEqual([PEER.address]);
    expect(state.store.nodeById(PEER.id)).toMatchObject({ node: PEER.name, address: '127.0.0.1' });
    expect(state.store.nodeServices(PEER.name).services.map((s) => [s.id, s.port])).toEqual([['consul', 8302]]);
  });

  it('deregisters a server node whose ID left the configuration', async () => {
    register(PEER);
    register(GONE);
    await loop().reconcile();
    expect(state.store.nodeGet(GONE.name).node).toBeNull();
    expect(state.store.nodeGet(PEER.name).node).not.toBeNull();
  });
});
