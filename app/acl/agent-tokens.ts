// The agent's own ACL tokens (Consul's agent/token.Store): `default` (what a request without a
// token acts with, and what anti-entropy registers with when a registration carried none),
// `agent` (the agent's internal writes: anti-entropy deregistrations), `agent_recovery`,
// `replication`, `config_file_service_registration` and `dns`. They start from acl.tokens.* and
// change through PUT /v1/agent/token/<name>; with acl.enable_token_persistence the tokens set
// through the API are kept in <data-dir>/acl-tokens.json (Consul's file and keys) and win over
// the configuration on the next start. Secrets never reach a log line.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentTokenStore } from '../../routes/acl/acl-services.ts';
import type { AgentConfig } from '../config.ts';
import type { Logger } from '../logger.ts';

export const AGENT_TOKEN_NAMES = ['default', 'agent', 'agent_recovery', 'replication', 'config_file_service_registration', 'dns'] as const;
export type AgentTokenName = (typeof AGENT_TOKEN_NAMES)[number];

/** The names PUT /v1/agent/token/<name> accepts, with Consul's deprecated aliases. */
const PATH_NAMES: Readonly<Record<string, AgentTokenName>> = {
  default: 'default', acl_token: 'default',
  agent: 'agent', acl_agent_token: 'agent',
  agent_recovery: 'agent_recovery', agent_master: 'agent_recovery', acl_agent_master_token: 'agent_recovery',
  replication: 'replication', acl_replication_token: 'replication',
  config_file_service_registration: 'config_file_service_registration',
  dns: 'dns',
};

/** Consul's tokensPath, in the data dir. */
export const TOKENS_FILE = 'acl-tokens.json';

type Source = 'config' | 'api';
type Persisted = Partial<Record<AgentTokenName, string>>;
export type TokenChangeListener = (name: AgentTokenName) => void;

export interface AgentTokensOptions {
  readonly config: AgentConfig['acl']['tokens'];
  /** <data-dir>/acl-tokens.json when acl.enable_token_persistence is set, else null. */
  readonly persistPath: string | null;
  readonly logger: Pick<Logger, 'warn'>;
}

export class AgentTokens implements AgentTokenStore {
  private readonly tokens = new Map<AgentTokenName, { secret: string; source: Source }>();
  private readonly listeners = new Set<TokenChangeListener>();
  /** Writes of the file, one at a time, in the order the changes were made. */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly o: AgentTokensOptions) {
    const configured: Record<AgentTokenName, string> = {
      default: o.config.default, agent: o.config.agent, agent_recovery: o.config.agentRecovery,
      replication: '', config_file_service_registration: '', dns: '',
    };
    const persisted = o.persistPath === null ? {} : readPersisted(o.persistPath, o.logger);
    for (const name of AGENT_TOKEN_NAMES) {
      const saved = persisted[name] ?? '';
      if (saved !== '' && configured[name] !== '') {
        o.logger.warn(`"${name}" token present in both the configuration and persisted token store, using the persisted token`);
      }
      this.tokens.set(name, saved !== '' ? { secret: saved, source: 'api' } : { secret: configured[name], source: 'config' });
    }
  }

  /** A token's secret ("" when unset). */
  get(name: AgentTokenName): string {
    return this.tokens.get(name)?.secret ?? '';
  }

  /** Consul's AgentToken(): the agent token, else the default token. */
  agentToken(): string {
    return this.get('agent') || this.get('default');
  }

  onChange(listener: TokenChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * PUT /v1/agent/token/<name>: false for a name Consul does not know. The new value is in
   * force at once; with persistence the returned promise settles once the file is durable and
   * rejects with Consul's text when it could not be written.
   */
  async update(pathName: string, secret: string): Promise<boolean> {
    const name = Object.hasOwn(PATH_NAMES, pathName) ? PATH_NAMES[pathName] : undefined;
    if (name === undefined) return false;
    const changed = this.get(name) !== secret;
    this.tokens.set(name, { secret, source: 'api' });
    if (changed) for (const listener of [...this.listeners]) listener(name);
    if (this.o.persistPath !== null) await this.persist(this.o.persistPath);
    return true;
  }

  private persist(path: string): Promise<void> {
    const data: Persisted = {};
    for (const [name, t] of this.tokens) if (t.source === 'api' && t.secret !== '') data[name] = t.secret;
    const text = JSON.stringify(data);
    const write = this.saving.then(() => writeAtomically(path, text));
    this.saving = write.catch(() => {});
    return write.catch((err: unknown) => {
      this.o.logger.warn({ err: (err as Error).message }, 'failed to persist tokens');
      throw new Error(`Failed to persist tokens - ${(err as Error).message}`);
    });
  }
}

/** The persisted tokens; a missing file is none, an unreadable one is logged and ignored (Consul). */
function readPersisted(path: string, logger: Pick<Logger, 'warn'>): Persisted {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    logger.warn({ err: (err as Error).message }, 'unable to load persisted tokens');
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Not the parser's message: it may quote the file, and the file holds secrets.
    logger.warn({ err: `failed to decode tokens file "${path}"` }, 'unable to load persisted tokens');
    return {};
  }
  if (typeof raw !== 'object' || raw === null) return {};
  const fields = raw as Record<string, unknown>;
  const out: Persisted = {};
  for (const name of AGENT_TOKEN_NAMES) if (typeof fields[name] === 'string') out[name] = fields[name];
  // Files written before 1.11 call the recovery token agent_master.
  if ((out.agent_recovery ?? '') === '' && typeof fields['agent_master'] === 'string') out.agent_recovery = fields['agent_master'];
  return out;
}

/** Temp file (0600), fsync, rename over, fsync the directory: the file is old or new, never torn. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w', 0o600);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * One store per server. The ACL system (the resolver's default and recovery tokens) and the
 * local agent (anti-entropy) are both built from the server's configuration object and must see
 * the same tokens a PUT /v1/agent/token changes, so the store is kept per configuration object.
 */
const stores = new WeakMap<AgentConfig['acl'], AgentTokens>();

export function agentTokensFor(config: AgentConfig['acl'], dataDir: string, logger: Pick<Logger, 'warn'>): AgentTokens {
  let store = stores.get(config);
  if (store === undefined) {
    store = new AgentTokens({ config: config.tokens, persistPath: config.enableTokenPersistence ? join(dataDir, TOKENS_FILE) : null, logger });
    stores.set(config, store);
  }
  return store;
}
