// ACLs on a 3-server cluster of real `cairn agent` processes started with a config file
// (acl.enabled, default_policy deny): the cluster is locked down, bootstrap through a follower
// works once, the management token works through every server from fetch and the npm client,
// a write forwarded to the leader with an insufficient token is refused there (the leader
// re-authorizes, it never trusts the forwarding server), so is an operator request forwarded on
// the Operator channel, and no secret reaches a log line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOperatorFrame, encodeOperatorFrame, type OperatorRequest, type OperatorResponse } from '../../app/operator-rpc.ts';
import { decodeFrame, encodeFrame, type AppResponse } from '../../app/rpc.ts';
import { SystemClock } from '../../consensus/host/clock.ts';
import { TcpTransport } from '../../consensus/host/tcp-transport.ts';
import { RpcChannel } from '../../consensus/host/transport.ts';
import { encodeCommand, type Command } from '../../storage/commands.ts';
import { startCluster, type AgentProcess, type Cluster } from '../support/agent-process.ts';

/** Bound on one forwarded request to the leader in this test. */
const RPC_TIMEOUT_MS = 10_000;

let cluster: Cluster;
let configDir: string;
let root = '';
/** A token with key:read only (no operator rules). */
let keyReader = '';
const secrets: string[] = [];

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'cairn-acl-config-'));
  const config = join(configDir, 'acl.json');
  writeFileSync(config, JSON.stringify({ acl: { enabled: true, default_policy: 'deny' } }));
  cluster = await startCluster({ size: 3, extraArgs: ['-config-file', config] });
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

const call = (server: AgentProcess, path: string, init: RequestInit & { token?: string } = {}): Promise<Response> => {
  const { token, ...rest } = init;
  return fetch(server.url(path), { ...rest, headers: { ...(token === undefined ? {} : { 'X-Consul-Token': token }) } });
};

describe('acl.enabled with default_policy deny on 3 real servers', () => {
  it('locks the cluster down for requests without a token', async () => {
    await cluster.leader();
    for (const s of cluster.servers) {
      const write = await call(s, '/v1/kv/locked', { method: 'PUT', body: 'x' });
      expect(write.status).toBe(403);
      expect(write.headers.get('x-consul-default-acl-policy')).toBe('deny');
      expect((await call(s, '/v1/kv/locked')).status).toBe(403);
      expect((await call(s, '/v1/acl/tokens')).status).toBe(403);
    }
  });

  it('bootstraps once through a follower; the management token then works everywhere', async () => {
    const [follower, other] = await cluster.followers();
    const res = await call(follower!, '/v1/acl/bootstrap', { method: 'PUT' });
    expect(res.status, await res.clone().text()).toBe(200);
    root = ((await res.json()) as { SecretID: string }).SecretID;
    secrets.push(root);
    const again = await call(other!, '/v1/acl/bootstrap', { method: 'PUT' });
    expect(again.status).toBe(403);
    expect(await again.text()).toMatch(/^Permission denied: ACL bootstrap no longer allowed \(reset index: \d+\)$/);
    for (const s of cluster.servers) {
      expect((await call(s, `/v1/kv/app/${s.options.name}`, { method: 'PUT', body: s.options.name, token: root })).status).toBe(200);
    }
    const leader = await cluster.leader();
    const all = await call(leader, '/v1/kv/app/?keys&consistent', { token: root });
    expect(await all.json()).toEqual(cluster.servers.map((s) => `app/${s.options.name}`).sort());
  });

  it('serves the npm client with the management token through a follower', async () => {
    const [follower] = await cluster.followers();
    const port = follower!.options.httpPort;
    const consul = new Consul({ host: '127.0.0.1', port, defaults: { token: root } });
    expect(await consul.kv.set('npm/key', 'v')).toBe(true);
    expect(await consul.kv.get('npm/key')).toMatchObject({ Value: 'v' });
    await expect(new Consul({ host: '127.0.0.1', port }).kv.get('npm/key')).rejects.toMatchObject({ response: { statusCode: 403 } });
  });

  it('refuses a forwarded write whose token lacks the permission, on the leader itself', async () => {
    const [follower] = await cluster.followers();
    const policy = await call(follower!, '/v1/acl/policy', { method: 'PUT', token: root, body: JSON.stringify({ Name: 'ro', Rules: 'key_prefix "" { policy = "read" }' }) });
    expect(policy.status).toBe(200);
    const created = await call(follower!, '/v1/acl/token', { method: 'PUT', token: root, body: JSON.stringify({ Policies: [{ Name: 'ro' }] }) });
    const reader = ((await created.json()) as { SecretID: string }).SecretID;
    secrets.push(reader);
    keyReader = reader;
    // Through HTTP on a follower: refused with Consul's 403 text.
    const viaHttp = await call(follower!, '/v1/kv/app/x', { method: 'PUT', body: 'y', token: reader });
    expect([viaHttp.status, await viaHttp.text()]).toEqual([403, expect.stringContaining("lacks permission 'key:write' on \"app/x\"")]);
    // Straight onto the leader's cluster port, as a follower forwards a write: the leader checks the token.
    const leader = await cluster.leader();
    const transport = await TcpTransport.listen({ nodeId: 'acl-test-forwarder', bindHost: '127.0.0.1', port: 0, clock: new SystemClock(), logger: pino({ level: 'silent' }) });
    try {
      const forward = async (token: string, command: Command): Promise<AppResponse> => {
        const raw = await transport.request(leader.clusterAddress, encodeFrame({ kind: 'apply', token }, encodeCommand(command)), { channel: RpcChannel.App, timeoutMs: RPC_TIMEOUT_MS });
        const decoded = decodeFrame<AppResponse>(raw);
        if (!decoded.ok) throw new Error(decoded.error);
        return decoded.header;
      };
      const set: Command = { type: 'kv.set', key: 'forwarded/x', value: null, flags: '0' };
      expect(await forward(reader, set)).toMatchObject({ kind: 'error', status: 403, message: expect.stringContaining("lacks permission 'key:write'") });
      expect(await forward('', set)).toMatchObject({ kind: 'error', status: 403 });
      expect(await forward('a3f1c2d4-0000-4000-8000-000000000000', set)).toMatchObject({ kind: 'error', status: 403, message: 'ACL not found' });
      expect(await forward(root, set)).toMatchObject({ kind: 'applied' });
    } finally {
      await transport.close();
    }
    expect((await call(leader, '/v1/kv/forwarded/x?consistent', { token: reader })).status).toBe(200);
  });

  it('refuses a forwarded operator request whose token lacks the permission, on the leader itself', async () => {
    const [follower] = await cluster.followers();
    const policy = await call(follower!, '/v1/acl/policy', { method: 'PUT', token: root, body: JSON.stringify({ Name: 'op-read', Rules: 'operator = "read"' }) });
    expect(policy.status, await policy.clone().text()).toBe(200);
    const created = await call(follower!, '/v1/acl/token', { method: 'PUT', token: root, body: JSON.stringify({ Policies: [{ Name: 'op-read' }] }) });
    const opReader = ((await created.json()) as { SecretID: string }).SecretID;
    secrets.push(opReader);
    // Through HTTP on a follower: the read is forwarded with the token and answered; the write is refused.
    expect((await call(follower!, '/v1/operator/raft/configuration', { token: opReader })).status).toBe(200);
    const viaHttp = await call(follower!, '/v1/operator/raft/transfer-leader', { method: 'POST', token: opReader });
    expect([viaHttp.status, await viaHttp.text()]).toEqual([403, expect.stringContaining("lacks permission 'operator:write'")]);
    // Straight onto the leader's cluster port, as a follower forwards the call: the leader checks the token.
    const leader = await cluster.leader();
    const transport = await TcpTransport.listen({ nodeId: 'acl-test-operator', bindHost: '127.0.0.1', port: 0, clock: new SystemClock(), logger: pino({ level: 'silent' }) });
    try {
      const ask = async (request: OperatorRequest): Promise<OperatorResponse> => {
        const raw = await transport.request(leader.clusterAddress, encodeOperatorFrame(request), { channel: RpcChannel.Operator, timeoutMs: RPC_TIMEOUT_MS });
        const decoded = decodeOperatorFrame<OperatorResponse>(raw);
        if (!decoded.ok) throw new Error(decoded.error);
        return decoded.header;
      };
      const denied = (permission: string) => ({ kind: 'error', status: 403, message: expect.stringContaining(`lacks permission '${permission}'`) });
      expect(await ask({ kind: 'transfer-leader', token: opReader })).toMatchObject(denied('operator:write'));
      expect(await ask({ kind: 'remove-peer', id: 'no-such-server', token: opReader })).toMatchObject(denied('operator:write'));
      expect(await ask({ kind: 'snapshot-open', token: opReader })).toMatchObject(denied('acl:write'));
      expect(await ask({ kind: 'restore-begin', token: opReader })).toMatchObject(denied('acl:write'));
      expect(await ask({ kind: 'autopilot-health', token: keyReader })).toMatchObject(denied('operator:read'));
      expect(await ask({ kind: 'raft-configuration' })).toMatchObject({ kind: 'error', status: 403 });
      expect(await ask({ kind: 'raft-configuration', token: 'b4e2d3c1-0000-4000-8000-000000000000' })).toMatchObject({ kind: 'error', status: 403, message: 'ACL not found' });
      // The same requests with enough permission are served (the peer removal then fails on its target).
      expect(await ask({ kind: 'raft-configuration', token: opReader })).toMatchObject({ kind: 'ok', value: { servers: expect.any(Array) } });
      expect(await ask({ kind: 'autopilot-health', token: opReader })).toMatchObject({ kind: 'ok' });
      expect(await ask({ kind: 'remove-peer', id: 'no-such-server', token: root })).toMatchObject({ kind: 'error', status: 500, message: 'id "no-such-server" was not found in the Raft configuration' });
    } finally {
      await transport.close();
    }
    expect((await cluster.leader()).options.name).toBe(leader.options.name);
  });

  it('writes no secret to any log line', async () => {
    // Requests carry secrets in every way clients send them; then the logs are searched.
    const [follower] = await cluster.followers();
    await fetch(follower!.url(`/v1/kv/nope?token=${root}`), { method: 'PUT', body: 'x' });
    await fetch(follower!.url('/v1/acl/token/self'), { headers: { Authorization: `Bearer ${root}` } });
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    for (const s of cluster.servers) {
      const log = s.tail(400);
      expect(log.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(log).not.toContain(secret);
    }
  });
});
