// The server side of the App channel: what this server answers when another server asks it
// something. Only the leader accepts writes, renewals, joins and leaves; a follower answers
// "not the leader" with the address of the one it knows, and the caller retries there.
import type { RaftHost } from '../consensus/host/raft-host.ts';
import { RpcChannel, type PeerIdentity, type Transport } from '../consensus/host/transport.ts';
import { HttpError } from '../routes/lib/errors.ts';
import { decodeCommand, validateCommand } from '../storage/commands.ts';
import { SERVER_CALLER, tokenCaller } from './acl/admission.ts';
import type { CommandGateway } from './command-gateway.ts';
import type { Logger } from './logger.ts';
import { decodeFrame, encodeFrame, type AppRequest, type AppResponse } from './rpc.ts';
import type { SessionRenewer } from './session-renewer.ts';

export interface RpcServerDeps {
  readonly host: RaftHost;
  readonly gateway: CommandGateway;
  readonly sessions: SessionRenewer;
  readonly logger: Logger;
  readonly self: { readonly id: string; readonly nodeName: string; readonly address: string; readonly datacenter: string };
  /** A server asks to join: add it to the configuration (leader only). */
  readonly admit: (id: string, address: string, nodeName: string) => Promise<void>;
}

/** Before the host runs: answer who we are (not yet in a cluster); refuse everything else. */
export function serveHelloOnly(transport: Transport, self: RpcServerDeps['self']): void {
  transport.handle(RpcChannel.App, async (payload) => {
    const decoded = decodeFrame<AppRequest>(payload);
    if (decoded.ok && decoded.header.kind === 'hello') return encodeFrame({ kind: 'hello', ...self, clustered: false, members: [], leaderAddress: '' });
    return encodeFrame({ kind: 'not-leader', leaderAddress: '' });
  });
}

export function serveAppRpc(transport: Transport, deps: RpcServerDeps): void {
  transport.handle(RpcChannel.App, async (payload, from) => {
    const decoded = decodeFrame<AppRequest>(payload);
    if (!decoded.ok) return encodeFrame({ kind: 'error', status: 400, message: decoded.error });
    try {
      return await answer(decoded.header, decoded.body, from, deps);
    } catch (err) {
      // A refusal with Consul's status (permission denied, a bad ACL request): the caller's answer.
      if (err instanceof HttpError) return encodeFrame({ kind: 'error', status: err.status, message: err.body });
      deps.logger.warn({ err, kind: decoded.header.kind, from: from.address }, 'cluster request failed');
      return encodeFrame({ kind: 'error', status: 500, message: (err as Error).message });
    }
  });
}

async function answer(request: AppRequest, body: Uint8Array, from: PeerIdentity, deps: RpcServerDeps): Promise<Uint8Array> {
  const { host } = deps;
  const status = host.status();
  if (request.kind === 'hello') {
    const members = status.configuration.servers.map((s) => s.id);
    return encodeFrame({ kind: 'hello', ...deps.self, clustered: members.length > 0, members, leaderAddress: status.leaderAddress ?? '' });
  }
  if (!host.isLeader()) return encodeFrame({ kind: 'not-leader', leaderAddress: status.leaderAddress ?? '' });
  switch (request.kind) {
    case 'apply': {
      const command = decodeCommand(body);
      const invalid = validateCommand(command);
      if (invalid !== null) return encodeFrame({ kind: 'error', status: 400, message: invalid });
      // The client's own token travels with the write and is checked here, never taken on trust.
      const result = await deps.gateway.applyAsLeader(command, body, request.server === true ? SERVER_CALLER : tokenCaller(request.token ?? ''));
      return encodeFrame(result.ok ? { kind: 'applied', ...result.outcome } : { kind: 'not-leader', leaderAddress: result.leaderAddress });
    }
    case 'renew-session':
      deps.gateway.requireRenew(request.id, tokenCaller(request.token ?? ''));
      return encodeFrame({ kind: 'renewed', session: deps.sessions.renewAsLeader(request.id) } satisfies AppResponse);
    case 'join':
      deps.logger.info({ id: request.id, address: request.address, node: request.nodeName, via: from.address }, 'server asks to join');
      await deps.admit(request.id, request.address, request.nodeName);
      return encodeFrame({ kind: 'ok' });
    case 'leave':
      if (status.configuration.servers.some((s) => s.id === request.id)) await host.removeServer(request.id);
      return encodeFrame({ kind: 'ok' });
  }
}
