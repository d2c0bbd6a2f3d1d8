// The routes harness with the real ACL system switched on: the resolver over the real SQLite
// state, the leader's write admission in front of the single-node applier (exactly what the
// command gateway runs on a leader), the leader's ACL initialization, the expired-token reaper
// on a manual clock, and a bootstrap-reset directory. Requests carry tokens as clients do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { CancelTimer, Clock } from '../../consensus/host/clock.ts';
import { initializeAcls } from '../../app/acl/acl-init.ts';
import { AgentTokens } from '../../app/acl/agent-tokens.ts';
import { SERVER_CALLER, tokenCaller, WriteAdmission, type Caller } from '../../app/acl/admission.ts';
import { bootstrapResetFile } from '../../app/acl/bootstrap-reset.ts';
import { AclResolver } from '../../app/acl/resolver.ts';
import { AclTokenReaper } from '../../app/leader/acl-token-reaper.ts';
import type { AclServices } from '../../routes/acl/acl-services.ts';
import { HttpError } from '../../routes/lib/errors.ts';
import type { ApplyOutcome, Services } from '../../routes/services.ts';
import { AclStore } from '../../storage/acl-store.ts';
import type { Command } from '../../storage/commands.ts';
import { DATACENTER, NODE_NAME, startRoutesHarness, type HarnessOptions, type RoutesHarness } from '../support/routes-harness.ts';

/** A clock that moves only when told to; timers fire in order as it passes them. */
export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(private ms = Date.UTC(2024, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  wallNow(): number {
    return this.ms;
  }
  setTimer(ms: number, fn: () => void): CancelTimer {
    const timer = { at: this.ms + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }
  /** Moves time forward, firing every timer that comes due (at most this many, as a bound). */
  advance(ms: number): void {
    this.ms += ms;
    for (let fired = 0; fired < 1000; fired++) {
      const due = this.timers.filter((t) => t.live && t.at <= this.ms).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      due.live = false;
      due.fn();
    }
    throw new Error('ManualClock: timers keep re-arming at the current time');
  }
}

export interface AclHarnessOptions extends HarnessOptions {
  readonly defaultPolicy?: 'allow' | 'deny';
  readonly enableKeyListPolicy?: boolean;
  readonly defaultToken?: string;
  readonly initialManagement?: string;
  /** Where the agent's tokens persist (acl.enable_token_persistence); absent: memory only. */
  readonly tokensFile?: string;
}

export interface AclHarness extends RoutesHarness {
  readonly acl: AclServices;
  readonly aclStore: AclStore;
  readonly resolver: AclResolver;
  readonly agentTokens: AgentTokens;
  readonly clock: ManualClock;
  readonly reaper: AclTokenReaper;
  /** Where <data-dir>/acl-bootstrap-reset lives. */
  readonly dataDir: string;
  /** Applies a command as the leader would for this caller (no HTTP). */
  applyAs(command: Command, caller: Caller): unknown;
  /** Bootstraps over HTTP and returns the management secret. */
  bootstrap(): Promise<string>;
  /** A request carrying `token` in X-Consul-Token. */
  as(token: string, path: string, init?: RequestInit): Promise<Response>;
}

const silent = pino({ level: 'silent' });

export async function startAclHarness(options: AclHarnessOptions = {}): Promise<AclHarness> {
  const h = startRoutesHarness(options);
  const clock = new ManualClock();
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-acl-'));
  const aclStore = new AclStore(h.state.db.sqlite);
  const resolver = new AclResolver({
    store: aclStore, hub: h.state.hub, defaultPolicy: options.defaultPolicy ?? 'allow', defaultToken: options.defaultToken ?? '',
    agentRecoveryToken: '', datacenter: DATACENTER, nodeName: NODE_NAME, now: () => clock.wallNow(),
  });
  // The agent's tokens as a server keeps them (PUT /v1/agent/token), feeding the resolver.
  const agentTokens = new AgentTokens({
    config: { initialManagement: '', agent: '', default: options.defaultToken ?? '', agentRecovery: '' },
    persistPath: options.tokensFile ?? null, logger: silent,
  });
  agentTokens.onChange(() => resolver.useAgentTokens(agentTokens.get('default'), agentTokens.get('agent_recovery')));
  const acl: AclServices = {
    defaultPolicy: options.defaultPolicy ?? 'allow', downPolicy: 'extend-cache', enableKeyListPolicy: options.enableKeyListPolicy ?? false,
    get defaultToken() {
      return agentTokens.get('default');
    },
    agentTokens, resolve: (s) => resolver.resolve(s), store: aclStore, now: () => clock.wallNow(),
  };
  let ids = 0;
  const uuid = (): string => `${(++ids).toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;
  const admission = new WriteAdmission({
    acl: { resolver, store: aclStore, reset: bootstrapResetFile(dataDir, silent) }, state: h.state.store, now: () => clock.wallNow(), uuid,
  });
  const applyAs = (command: Command, caller: Caller): ApplyOutcome => {
    const admitted = admission.admit(command, caller);
    if (admitted.kind === 'refuse') throw new HttpError(admitted.status, admitted.message);
    if (admitted.kind === 'answer') return { index: h.state.fsm.applied().index, result: admitted.result };
    return h.applier.apply(admitted.command);
  };
  // The ACL-enabled parts of Services, installed on the harness's own object (the app reads it per request).
  const services = h.services as { -readonly [K in keyof Services]: Services[K] };
  services.acl = acl;
  services.apply = (async (command: Command, token: string) => applyAs(command, tokenCaller(token))) as Services['apply'];
  const renew = services.renewSession.bind(services);
  services.renewSession = async (id, token) => {
    const refusal = admission.renewRefusal(id, tokenCaller(token));
    if (refusal !== null) throw new HttpError(refusal.status, refusal.message);
    return renew(id, token);
  };
  await initializeAcls({
    store: aclStore, initialManagement: options.initialManagement ?? '', now: () => clock.wallNow(), uuid,
    apply: async (c) => applyAs(c, SERVER_CALLER).result, log: () => {},
  });
  const reaper = new AclTokenReaper({
    clock, store: aclStore, hub: h.state.hub,
    reap: async (accessorIds, nowMs) => void applyAs({ type: 'acl.token-reap', accessorIds, nowMs }, SERVER_CALLER),
    onError: (err) => h.reported.push(err),
  });
  const as = (token: string, path: string, init: RequestInit = {}): Promise<Response> =>
    h.request(path, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), 'X-Consul-Token': token } });
  const closeRoutes = h.close;
  return Object.assign(h, {
    acl, aclStore, resolver, agentTokens, clock, reaper, dataDir, applyAs, as,
    async bootstrap() {
      const res = await h.request('/v1/acl/bootstrap', { method: 'PUT' });
      if (res.status !== 200) throw new Error(`bootstrap failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { SecretID: string }).SecretID;
    },
    close() {
      reaper.stop();
      resolver.close();
      closeRoutes();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
