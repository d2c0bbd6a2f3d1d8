// The local agent's catalog sync under acl.default_policy = deny, against the leader's real
// write admission (resolver, ACL tables, Consul's vetRegister/vetDeregister) over real state:
// a registration syncs with its own token, else the agent's default token; checks ride on their
// service's registration only with the same token; deregistrations use the agent token; a
// refused write is logged (without secrets), never holds up the rest of the pass, is not
// retried until it or a token changes, and a changed agent token retries it at once.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenCaller } from '../../app/acl/admission.ts';
import { LocalAgent } from '../../app/agent/agent.ts';
import type { ApplyOutcome } from '../../routes/services.ts';
import { ANONYMOUS_TOKEN_SECRET } from '../../storage/acl-entries.ts';
import { isCommandError, type Command, type ServiceSpec } from '../../storage/commands.ts';
import { DATACENTER } from '../support/routes-harness.ts';
import { waitFor } from '../support/wait.ts';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

const NODE = 'ae-node';
const NODE_ID = '6c1d2e3f-0000-4000-8000-0000000000ae';
/** Bound on waiting for a sync pass the test triggered without a promise to await. */
const SYNC_WAIT_MS = 5_000;

let h: AclHarness;
let agent: LocalAgent;
const attempts: { command: Command; token: string }[] = [];
const logLines: string[] = [];
const secrets: Record<string, string> = {};

const service = (id: string, name: string): ServiceSpec => ({
  kind: '', id, service: name, tags: [], address: '', taggedAddresses: null, meta: null, port: 0, socketPath: '', weights: { Passing: 1, Warning: 1 }, enableTagOverride: false, extra: null,
});

const ttlRun = { ttlMs: 600_000, http: '', header: {}, method: '', body: '', disableRedirects: false, tlsServerName: '', tlsSkipVerify: false, tcp: '', intervalMs: 0, timeoutMs: 0, deregisterCriticalServiceAfterMs: 0, successBeforePassing: 0, failuresBeforeWarning: 0, failuresBeforeCritical: 0, outputMaxSize: 0 };
const check = (checkId: string, serviceId: string) => ({
  check: { node: '', checkId, name: checkId, status: 'critical' as const, notes: '', output: '', serviceId, type: 'ttl', interval: '', timeout: '', exposedPort: 0, definition: {} },
  run: ttlRun,
});

const catalogServices = (): string[] => h.state.store.nodeServices(NODE).services.map((s) => s.id).sort();
const catalogChecks = (): string[] => h.state.store.nodeChecks(NODE).checks.map((c) => c.checkId).sort();
const attemptsFor = (serviceId: string): number => attempts.filter((a) => a.command.type === 'catalog.register' && a.command.service?.id === serviceId).length;

async function token(rules: string): Promise<string> {
  const name = `p${Object.keys(secrets).length}`;
  expect((await h.as(secrets['root']!, '/v1/acl/policy', { method: 'PUT', body: JSON.stringify({ Name: name, Rules: rules }) })).status).toBe(200);
  const res = await h.as(secrets['root']!, '/v1/acl/token', { method: 'PUT', body: JSON.stringify({ Policies: [{ Name: name }] }) });
  return ((await res.json()) as { SecretID: string }).SecretID;
}

beforeAll(async () => {
  h = await startAclHarness({ defaultPolicy: 'deny' });
  secrets['root'] = await h.bootstrap();
  secrets['web'] = await token('service "web" { policy = "write" }');
  secrets['db'] = await token('service "db" { policy = "write" }');
  secrets['cache'] = await token('service "cache" { policy = "write" }');
  secrets['agent'] = await token(`node "${NODE}" { policy = "write" }\nservice_prefix "" { policy = "read" }`);
  // The node exists (self-registration's job); anti-entropy never writes the node itself.
  const node = await h.as(secrets['root'], '/v1/catalog/register', { method: 'PUT', body: JSON.stringify({ ID: NODE_ID, Node: NODE, Address: '127.0.0.40' }) });
  expect(node.status).toBe(200);
  agent = new LocalAgent({
    nodeName: NODE, dataDir: null, clock: h.clock, random: () => 0.5, state: h.state.store,
    selfNode: () => ({ id: NODE_ID, node: NODE, address: '127.0.0.40', datacenter: DATACENTER, taggedAddresses: null, meta: null }),
    // What the command gateway does: the leader admits the write with the token, or throws its 403.
    apply: async (command, token) => {
      attempts.push({ command, token });
      const out = h.applyAs(command, tokenCaller(token === '' ? ANONYMOUS_TOKEN_SECRET : token)) as ApplyOutcome;
      if (isCommandError(out.result)) throw new Error(out.result.error);
      return out.result;
    },
    tokens: { default: () => h.agentTokens.get('default'), agent: () => h.agentTokens.agentToken() },
    cluster: {} as never,
    logger: pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) }),
  });
  h.agentTokens.onChange((name) => {
    if (name === 'agent' || name === 'default') agent.tokensChanged();
  });
  agent.start();
});
afterAll(async () => {
  await agent.stop();
  h.close();
});

describe('anti-entropy with ACLs (default deny)', () => {
  it('registers with the registration\'s token; a refused registration neither fails the pass nor holds up the others', async () => {
    await agent.registerService({ service: service('api', 'api'), checks: [], replaceExistingChecks: false, token: '' });
    await agent.registerService({ service: service('db-1', 'db'), checks: [], replaceExistingChecks: false, token: secrets['web']! });
    await agent.registerService({ service: service('web-1', 'web'), checks: [check('web-ttl', 'web-1')], replaceExistingChecks: false, token: secrets['web']! });
    expect(catalogServices()).toEqual(['web-1']);
    expect(catalogChecks()).toEqual(['web-ttl']);
    const web = attempts.find((a) => a.command.type === 'catalog.register' && a.command.service?.id === 'web-1');
    expect(web?.token).toBe(secrets['web']);
    const blocked = logLines.filter((l) => l.includes('write blocked by ACLs'));
    expect(blocked.join('\n')).toContain('service db-1');
    expect(blocked.join('\n')).toContain("lacks permission 'service:write' on \\\"db\\\"");
    for (const secret of Object.values(secrets)) expect(logLines.join('\n')).not.toContain(secret);
  });

  it('does not retry a refused write on every local change, only on a full pass', async () => {
    const before = attemptsFor('db-1');
    await agent.registerService({ service: service('web-2', 'web'), checks: [], replaceExistingChecks: false, token: secrets['web']! });
    expect(catalogServices()).toEqual(['web-1', 'web-2']);
    expect(attemptsFor('db-1')).toBe(before);
    agent.tokensChanged();
    await waitFor(() => (attemptsFor('db-1') > before ? true : undefined), { timeoutMs: SYNC_WAIT_MS, what: 'a full pass retrying db-1' });
    expect(catalogServices()).toEqual(['web-1', 'web-2']);
  });

  it('a check with another token goes alone, with the rights of its own token', async () => {
    await agent.registerCheck(check('db-check-on-web', 'web-1'), secrets['db']!);
    expect(catalogChecks()).toEqual(['web-ttl']);
    const alone = attempts.filter((a) => a.command.type === 'catalog.register' && a.command.checks.some((c) => c.checkId === 'db-check-on-web'));
    expect(alone.map((a) => [a.token, a.command.type === 'catalog.register' ? a.command.checks.length : 0])).toEqual([[secrets['db'], 1]]);
    await agent.registerCheck(check('web-check', 'web-1'), secrets['web']!);
    expect(catalogChecks()).toEqual(['web-check', 'web-ttl']);
    await agent.deregisterCheck('db-check-on-web');
  });

  it('uses the agent\'s default token for registrations that carried none', async () => {
    await agent.registerService({ service: service('cache-1', 'cache'), checks: [], replaceExistingChecks: false, token: '' });
    expect(catalogServices()).not.toContain('cache-1');
    await h.agentTokens.update('default', secrets['cache']!);
    await waitFor(() => (catalogServices().includes('cache-1') ? true : undefined), { timeoutMs: SYNC_WAIT_MS, what: 'cache-1 synced with the default token' });
    const synced = attempts.filter((a) => a.command.type === 'catalog.register' && a.command.service?.id === 'cache-1').at(-1);
    expect(synced?.token).toBe(secrets['cache']);
  });

  it('deregisters with the agent token; a changed agent token retries a blocked deregistration at once', async () => {
    await agent.deregisterService('web-2');
    // The default token (service "cache" write) stands in for the missing agent token: refused.
    expect(catalogServices()).toContain('web-2');
    const dereg = attempts.filter((a) => a.command.type === 'catalog.deregister').at(-1);
    expect(dereg?.token).toBe(secrets['cache']);
    await h.agentTokens.update('agent', secrets['agent']!);
    await waitFor(() => (catalogServices().includes('web-2') ? undefined : true), { timeoutMs: SYNC_WAIT_MS, what: 'web-2 deregistered with the agent token' });
    expect(attempts.filter((a) => a.command.type === 'catalog.deregister').at(-1)?.token).toBe(secrets['agent']);
    for (const secret of Object.values(secrets)) expect(logLines.join('\n')).not.toContain(secret);
  });
});
