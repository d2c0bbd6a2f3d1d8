// The ACL system of one server, wired from acl.* configuration: the resolver (token →
// authorizer, cached and kept current by the change feed), the HTTP layer's AclServices, the
// leader's write admission, and the leader duties (built-in objects, the initial management
// token, reaping expired tokens). With acl.enabled = false only a pass-through admission exists.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../consensus/host/clock.ts';
import type { AclServices } from '../../routes/acl/acl-services.ts';
import { AclStore } from '../../storage/acl-store.ts';
import { MAX_REAP_BATCH, type Command } from '../../storage/commands.ts';
import type { State } from '../../storage/open-state.ts';
import type { AgentConfig } from '../config.ts';
import { AclTokenReaper } from '../leader/acl-token-reaper.ts';
import type { Logger } from '../logger.ts';
import { initializeAcls } from './acl-init.ts';
import { agentTokensFor } from './agent-tokens.ts';
import { WriteAdmission } from './admission.ts';
import { bootstrapResetFile } from './bootstrap-reset.ts';
import { AclResolver } from './resolver.ts';

export interface AclSystemOptions {
  readonly config: AgentConfig['acl'];
  readonly state: State;
  readonly dataDir: string;
  readonly datacenter: string;
  readonly nodeName: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface AclSystem {
  /** What Services.acl is; undefined with ACLs disabled. */
  readonly services: AclServices | undefined;
  /** The leader's check of every client write (and completion of ACL requests). */
  readonly admission: WriteAdmission;
  /** On winning an election: `apply` proposes as the server itself and resolves with the result. */
  leaderStart(apply: (command: Command) => Promise<unknown>): void;
  leaderStop(): void;
  close(): void;
}

export function createAclSystem(o: AclSystemOptions): AclSystem {
  const now = (): number => o.clock.wallNow();
  if (!o.config.enabled) {
    return {
      services: undefined,
      admission: new WriteAdmission({ acl: null, state: o.state.store, now, uuid: randomUUID }),
      leaderStart: () => {},
      leaderStop: () => {},
      close: () => {},
    };
  }
  const log = o.logger.child({ component: 'acl' });
  const store = new AclStore(o.state.db.sqlite);
  const tokens = agentTokensFor(o.config, o.dataDir, log);
  const resolver = new AclResolver({
    store,
    hub: o.state.hub,
    defaultPolicy: o.config.defaultPolicy,
    defaultToken: tokens.get('default'),
    agentRecoveryToken: tokens.get('agent_recovery'),
    datacenter: o.datacenter,
    nodeName: o.nodeName,
    now,
  });
  const unsubscribe = tokens.onChange((name) => {
    if (name === 'default' || name === 'agent_recovery') resolver.useAgentTokens(tokens.get('default'), tokens.get('agent_recovery'));
  });
  const services: AclServices = {
    defaultPolicy: o.config.defaultPolicy,
    downPolicy: o.config.downPolicy,
    enableKeyListPolicy: o.config.enableKeyListPolicy,
    get defaultToken() {
      return tokens.get('default');
    },
    agentTokens: tokens,
    resolve: (secret) => resolver.resolve(secret),
    store,
    now,
  };
  const admission = new WriteAdmission({ acl: { resolver, store, reset: bootstrapResetFile(o.dataDir, log) }, state: o.state.store, now, uuid: randomUUID });
  let reaper: AclTokenReaper | null = null;
  return {
    services,
    admission,
    leaderStart(apply) {
      void initializeAcls({ store, initialManagement: o.config.tokens.initialManagement, now, uuid: randomUUID, apply, log: (m) => log.info(m) }).catch((err) =>
        log.warn({ err }, 'ACL initialization failed; it runs again on the next leadership'),
      );
      reaper = new AclTokenReaper({
        clock: o.clock,
        store,
        hub: o.state.hub,
        reap: async (accessorIds, nowMs) => {
          const result = (await apply({ type: 'acl.token-reap', accessorIds: accessorIds.slice(0, MAX_REAP_BATCH), nowMs })) as { reaped: number };
          if (result.reaped > 0) log.info({ reaped: result.reaped }, 'reaped expired ACL tokens');
        },
        onError: (err) => log.warn({ err }, 'reaping expired ACL tokens failed; retrying'),
      });
      reaper.start();
    },
    leaderStop() {
      reaper?.stop();
      reaper = null;
    },
    close() {
      reaper?.stop();
      unsubscribe();
      resolver.close();
    },
  };
}
