// Real clients against an ACL-enabled server on 127.0.0.1: the npm `consul` client bootstraps,
// is refused without a token, and works with `defaults: { token }`; curl-style requests carry
// the token as X-Consul-Token, ?token= (python-consul) and Authorization: Bearer.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAclHarness, type AclHarness } from './acl-harness.ts';

let h: AclHarness;
let server: ServerType;
let port: number;

beforeAll(async () => {
  h = await startAclHarness({ defaultPolicy: 'deny' });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      port = info.port;
      resolve();
    });
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  h.close();
});

describe('npm consul client', () => {
  let secret: string;

  it('bootstraps, then is refused without a token and served with one', async () => {
    const anonymous = new Consul({ host: '127.0.0.1', port });
    const token = (await anonymous.acl.bootstrap()) as { SecretID: string; Policies: { Name: string }[] };
    expect(token.Policies).toEqual([expect.objectContaining({ Name: 'global-management' })]);
    secret = token.SecretID;
    await expect(anonymous.acl.bootstrap()).rejects.toMatchObject({
      message: expect.stringMatching(/^Permission denied: ACL bootstrap no longer allowed \(reset index: \d+\)$/),
      response: { statusCode: 403 },
    });
    await expect(anonymous.kv.set('app/config', 'x')).rejects.toMatchObject({ message: 'forbidden', response: { statusCode: 403 } });

    const consul = new Consul({ host: '127.0.0.1', port, defaults: { token: secret } });
    expect(await consul.kv.set('app/config', 'v1')).toBe(true);
    expect(await consul.kv.get('app/config')).toMatchObject({ Key: 'app/config', Value: 'v1' });
    const session = (await consul.session.create({ name: 'lock', ttl: '30s' })) as { ID: string };
    expect(await consul.kv.set({ key: 'app/lock', value: 'me', acquire: session.ID })).toBe(true);
    expect(await consul.acl.replication()).toMatchObject({ Enabled: false, Running: false });
    // An unknown secret is refused outright ("ACL not found"), not treated as anonymous.
    const stranger = new Consul({ host: '127.0.0.1', port, defaults: { token: '6c0a0f3e-0000-4000-8000-000000000000' } });
    await expect(stranger.kv.get('app/config')).rejects.toMatchObject({ response: { statusCode: 403 } });
  });

  it('passes the token the ways curl and python-consul do', async () => {
    const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
    expect((await fetch(url('/v1/kv/app/config'), { headers: { 'X-Consul-Token': secret } })).status).toBe(200);
    expect((await fetch(url(`/v1/kv/app/config?token=${secret}`))).status).toBe(200);
    expect((await fetch(url('/v1/kv/app/config'), { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(200);
    const denied = await fetch(url('/v1/kv/app/config'));
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-consul-default-acl-policy')).toBe('deny');
  });
});
