// Shared pieces for the agent's unit tests: a manual clock, a real state store behind a
// single-node applier, and a LocalAgent wired to them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { LocalAgent, type AgentClusterOps, type LocalAgentOptions } from '../../../app/agent/agent.ts';
import type { Clock } from '../../../consensus/host/clock.ts';
import type { Command, NodeSpec } from '../../../storage/commands.ts';
import { openState, type State } from '../../../storage/open-state.ts';
import { SingleNodeApplier } from '../../support/single-node-applier.ts';

/** A manual clock: timers fire only when the test advances time. */
export class ManualClock implements Clock {
  private t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  /** Moves time forward without firing anything (a stalled event loop). */
  jump(ms: number): void {
    this.t += ms;
  }

  /** Moves time forward, firing due timers in order (and any they set that fall due). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    // Bounded: each pass fires at least one timer or stops; timers set in the past fire next pass.
    for (let guard = 0; guard < 10_000; guard++) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.t = Math.max(this.t, due.at);
      due.live = false;
      due.fn();
      await settle();
    }
    this.timers = this.timers.filter((x) => x.live);
    this.t = end;
    await settle();
  }
}

/** Lets pending promise chains (and a few event-loop turns of file IO) run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export const NODE = 'agent-node';
export const NODE_ID = '0f0f0f0f-0000-4000-8000-000000000001';
export const selfNode = (): NodeSpec => ({ id: NODE_ID, node: NODE, address: '127.0.0.1', datacenter: 'dc1', taggedAddresses: null, meta: null });

export const noCluster: AgentClusterOps = {
  members: () => [],
  localMember: () => ({ Name: NODE, Addr: '127.0.0.1', Port: 8300, Tags: {}, Status: 1, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4 }),
  coordinate: () => null,
  stats: () => ({}),
  debugConfig: () => ({}),
  host: () => ({}),
  join: async () => {},
  leave: async () => {},
  reload: async () => {},
  forceLeave: async () => {},
};

export interface AgentRig {
  readonly clock: ManualClock;
  readonly state: State;
  readonly applier: SingleNodeApplier;
  readonly dir: string;
  agent: LocalAgent;
  /** Commands proposed by the agent, in order. */
  readonly proposed: Command[];
  /** A fresh agent on the same data dir and store (a restart of the agent). */
  restart(): Promise<LocalAgent>;
  close(): Promise<void>;
}

export function agentRig(options: LocalAgentOptions = {}): AgentRig {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-agent-'));
  const clock = new ManualClock();
  const state = openState(join(dir, 'state.db'));
  const applier = new SingleNodeApplier(state.fsm);
  const proposed: Command[] = [];
  const make = (): LocalAgent =>
    new LocalAgent({
      nodeName: NODE, dataDir: dir, clock, random: () => 0.5, state: state.store, selfNode, cluster: noCluster, logger: pino({ level: 'silent' }), options,
      apply: async (command) => {
        proposed.push(command);
        return applier.apply(command).result;
      },
    });
  const rig: AgentRig = {
    clock, state, applier, dir, proposed, agent: make(),
    restart: async () => {
      await rig.agent.stop();
      rig.agent = make();
      rig.agent.start();
      await settle();
      return rig.agent;
    },
    close: async () => {
      await rig.agent.stop();
      state.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}
