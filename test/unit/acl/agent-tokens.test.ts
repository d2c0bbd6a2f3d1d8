// The agent's token store: configuration values, PUT-style updates by Consul's names and
// aliases, and acl.enable_token_persistence — Consul's acl-tokens.json (its keys, 0600, only
// the tokens set through the API), persisted tokens winning over the configuration on the next
// start, pre-1.11 files, and unreadable files (ignored with a warning that quotes no secret).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentTokens, TOKENS_FILE, agentTokensFor } from '../../../app/acl/agent-tokens.ts';
import type { AgentConfig } from '../../../app/config.ts';

const CONFIG: AgentConfig['acl']['tokens'] = { initialManagement: 'im', agent: 'cfg-agent', default: 'cfg-default', agentRecovery: '' };

let dir: string;
let warnings: string[];
const logger = { warn: (...args: unknown[]) => void warnings.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')) } as never;
const store = (persist: boolean, config = CONFIG): AgentTokens => new AgentTokens({ config, persistPath: persist ? join(dir, TOKENS_FILE) : null, logger });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-tokens-'));
  warnings = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('AgentTokens', () => {
  it('starts from the configuration; the agent token falls back to the default token', () => {
    const t = store(false);
    expect([t.get('default'), t.get('agent'), t.get('agent_recovery'), t.get('dns')]).toEqual(['cfg-default', 'cfg-agent', '', '']);
    expect(t.agentToken()).toBe('cfg-agent');
    expect(store(false, { ...CONFIG, agent: '' }).agentToken()).toBe('cfg-default');
  });

  it('updates by Consul\'s names and deprecated aliases, refuses unknown names, and tells listeners about changes only', async () => {
    const t = store(false);
    const heard: string[] = [];
    t.onChange((name) => heard.push(name));
    expect(await t.update('acl_token', 'd2')).toBe(true);
    expect(await t.update('acl_agent_token', 'a2')).toBe(true);
    expect(await t.update('agent_master', 'r2')).toBe(true);
    expect(await t.update('acl_replication_token', 'rep')).toBe(true);
    expect(await t.update('config_file_service_registration', 'cf')).toBe(true);
    expect(await t.update('dns', 'dn')).toBe(true);
    expect(await t.update('agent', 'a2')).toBe(true);
    expect(await t.update('bogus', 'x')).toBe(false);
    expect(await t.update('constructor', 'x')).toBe(false);
    expect([t.get('default'), t.get('agent'), t.get('agent_recovery'), t.get('replication'), t.get('config_file_service_registration'), t.get('dns')])
      .toEqual(['d2', 'a2', 'r2', 'rep', 'cf', 'dn']);
    expect(heard).toEqual(['default', 'agent', 'agent_recovery', 'replication', 'config_file_service_registration', 'dns']);
    expect(existsSync(join(dir, TOKENS_FILE))).toBe(false);
  });

  it('persists API-set tokens in acl-tokens.json (0600, Consul\'s keys); they win over the configuration on the next start', async () => {
    const t = store(true);
    await t.update('agent', 'api-agent');
    await t.update('default', '');
    const path = join(dir, TOKENS_FILE);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ agent: 'api-agent' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // An API-set empty token is not persisted: the configured one comes back after a restart.
    const again = store(true);
    expect([again.get('agent'), again.get('default')]).toEqual(['api-agent', 'cfg-default']);
    expect(warnings.some((w) => w.includes('"agent" token present in both the configuration and persisted token store'))).toBe(true);
    expect(warnings.join('\n')).not.toContain('api-agent');
  });

  it('reads agent_master from files written before 1.11; an undecodable file is ignored without quoting it', () => {
    writeFileSync(join(dir, TOKENS_FILE), JSON.stringify({ agent_master: 'old-recovery', replication: 'rep' }));
    const t = store(true);
    expect([t.get('agent_recovery'), t.get('replication')]).toEqual(['old-recovery', 'rep']);
    writeFileSync(join(dir, TOKENS_FILE), '{"agent": "half-written-secret"');
    const broken = store(true);
    expect(broken.get('agent')).toBe('cfg-agent');
    expect(warnings.join('\n')).toContain('failed to decode tokens file');
    expect(warnings.join('\n')).not.toContain('half-written-secret');
  });

  it('a write that cannot be made durable rejects with Consul\'s text; the new value is in force anyway', async () => {
    // The tokens file's directory is a regular file: no write can succeed, whoever runs the test.
    const notADir = join(dir, 'not-a-dir');
    writeFileSync(notADir, '');
    const t = new AgentTokens({ config: CONFIG, persistPath: join(notADir, TOKENS_FILE), logger });
    await expect(t.update('default', 'new-default')).rejects.toThrow(/^Failed to persist tokens - /);
    expect(t.get('default')).toBe('new-default');
    expect(warnings.join('\n')).not.toContain('new-default');
  });

  it('one store per server configuration: the ACL system and the agent share it', () => {
    const config: AgentConfig['acl'] = {
      enabled: true, defaultPolicy: 'deny', downPolicy: 'extend-cache', enableTokenPersistence: false, enableKeyListPolicy: false, tokens: CONFIG,
    };
    const a = agentTokensFor(config, dir, logger);
    expect(agentTokensFor(config, dir, logger)).toBe(a);
    expect(agentTokensFor({ ...config }, dir, logger)).not.toBe(a);
  });
});
