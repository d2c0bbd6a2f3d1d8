// `cairn acl` end to end against a live single server with ACLs on (default policy deny):
// bootstrap, then create/read/list/update/delete of policies, roles and tokens, the -token flag
// and CONSUL_HTTP_TOKEN, and the refusals a script sees (403, bootstrap done, missing flags).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';
import { cli } from './cli-harness.ts';

let cluster: Cluster;
let server: AgentProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-acl-'));
  const config = join(dir, 'acl.json');
  writeFileSync(config, JSON.stringify({ acl: { enabled: true, default_policy: 'deny' } }));
  cluster = await startCluster({ size: 1, extraArgs: ['-config-file', config] });
  server = await cluster.leader();
});

afterAll(async () => {
  await cluster?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const field = (text: string, label: string): string => new RegExp(`^${label}:\\s+(\\S*)$`, 'm').exec(text)?.[1] ?? '';

describe('cairn acl', () => {
  it('bootstraps once, then manages policies, roles and tokens with the management token', async () => {
    const env = { CONSUL_HTTP_ADDR: server.httpAddress };
    const boot = await cli(['acl', 'bootstrap'], { env });
    expect(boot.code, boot.stderr).toBe(0);
    expect(boot.stdout).toMatch(/^AccessorID: {7}[0-9a-f-]{36}\nSecretID: {9}[0-9a-f-]{36}\nDescription: {6}Bootstrap Token \(Global Management\)\nLocal: {12}false\nCreate Time: {6}\S.*\nPolicies:\n {3}00000000-0000-0000-0000-000000000001 - global-management\n$/);
    const secret = field(boot.stdout, 'SecretID');
    const again = await cli(['acl', 'bootstrap'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^Failed ACL bootstrapping: Unexpected response code: 403 \(Permission denied: ACL bootstrap no longer allowed \(reset index: \d+\)\)\n$/);

    // Without a token the default policy denies; with CONSUL_HTTP_TOKEN the same call works.
    const denied = await cli(['kv', 'put', 'secret/k', 'v'], { env });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^Error! Failed writing data: Unexpected response code: 403 \(Permission denied/);
    const admin = { ...env, CONSUL_HTTP_TOKEN: secret };
    expect((await cli(['kv', 'put', 'secret/k', 'v'], { env: admin })).code).toBe(0);

    const rules = join(dir, 'rules.hcl');
    writeFileSync(rules, 'key_prefix "app/" {\n  policy = "write"\n}\n');
    const policy = await cli(['acl', 'policy', 'create', '-name=app-rw', '-description=App keys', `-rules=@${rules}`], { env: admin });
    expect(policy.code, policy.stderr).toBe(0);
    const policyId = field(policy.stdout, 'ID');
    expect(policy.stdout).toBe(`ID:           ${policyId}\nName:         app-rw\nDescription:  App keys\nDatacenters:  \nRules:\nkey_prefix "app/" {\n  policy = "write"\n}\n\n`);
    expect((await cli(['acl', 'policy', 'read', '-name=app-rw'], { env: admin })).stdout).toBe(policy.stdout);
    const policies = await cli(['acl', 'policy', 'list'], { env: admin });
    expect(policies.stdout).toContain(`app-rw:\n   ID:           ${policyId}\n   Description:  App keys\n   Datacenters:  \n`);
    expect(policies.stdout).toContain('global-management:\n');

    const role = await cli(['acl', 'role', 'create', '-name=app', '-policy-name=app-rw'], { env: admin });
    expect(role.code, role.stderr).toBe(0);
    const roleId = field(role.stdout, 'ID');
    expect(role.stdout).toBe(`ID:           ${roleId}\nName:         app\nDescription:  \nPolicies:\n   ${policyId} - app-rw\n`);
    expect((await cli(['acl', 'role', 'list', '-format=json'], { env: admin })).stdout).toContain(`"ID": "${roleId}"`);

    const token = await cli(['acl', 'token', 'create', '-description=app token', '-role-name=app', `-token=${secret}`], { env });
    expect(token.code, token.stderr).toBe(0);
    const accessor = field(token.stdout, 'AccessorID');
    const appSecret = field(token.stdout, 'SecretID');
    expect(token.stdout).toContain(`Roles:\n   ${roleId} - app\n`);
    // The new token can write under app/ and nowhere else.
    expect((await cli(['kv', 'put', 'app/x', '1'], { env: { ...env, CONSUL_HTTP_TOKEN: appSecret } })).code).toBe(0);
    expect((await cli(['kv', 'put', 'other/x', '1'], { env: { ...env, CONSUL_HTTP_TOKEN: appSecret } })).code).toBe(1);

    const updated = await cli(['acl', 'token', 'update', `-id=${accessor}`, '-description=renamed'], { env: admin });
    expect(updated.code, updated.stderr).toBe(0);
    expect(field((await cli(['acl', 'token', 'read', `-id=${accessor}`], { env: admin })).stdout, 'Description')).toBe('renamed');
    const tokens = await cli(['acl', 'token', 'list'], { env: admin });
    expect(tokens.stdout.split('\n\n')).toHaveLength(3);
    expect(tokens.stdout).toContain('Legacy:           false\n');
    expect(field((await cli(['acl', 'token', 'read', '-self'], { env: { ...env, CONSUL_HTTP_TOKEN: appSecret } })).stdout, 'AccessorID')).toBe(accessor);

    expect((await cli(['acl', 'token', 'delete', `-id=${accessor}`], { env: admin })).stdout).toBe(`Token "${accessor}" deleted successfully\n`);
    expect((await cli(['acl', 'role', 'delete', '-name=app'], { env: admin })).stdout).toBe(`Role "${roleId}" deleted successfully\n`);
    expect((await cli(['acl', 'policy', 'delete', `-id=${policyId}`], { env: admin })).stdout).toBe(`Policy "${policyId}" deleted successfully\n`);
    const gone = await cli(['acl', 'token', 'read', `-id=${accessor}`], { env: admin });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`Error reading token "${accessor}": Unexpected response code: 404 (Requested token does not exist: ACL not found)\n`);
  });

  it('refuses missing flags and anonymous requests as Consul does', async () => {
    const env = { CONSUL_HTTP_ADDR: server.httpAddress };
    expect(await cli(['acl', 'policy', 'create'], { env })).toEqual({ code: 1, stdout: '', stderr: "Missing required '-name' flag\n" });
    expect((await cli(['acl', 'token', 'read'], { env })).stderr).toBe('Must specify the -id parameter\n');
    const anonymous = await cli(['acl', 'policy', 'list'], { env });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^Failed to retrieve the policy list: Unexpected response code: 403 \(Permission denied/);
    expect((await cli(['acl', 'nope'], { env })).stderr).toMatch(/^Unknown subcommand: nope\n/);
  });
});
