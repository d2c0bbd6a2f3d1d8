// A cluster of real `cairn agent` processes with a fault proxy on every cluster link.
//
// Server i binds its cluster port on its own loopback address (127.x.y.(10+i)) and dials its
// peers from it; it advertises a proxy on 127.x.y.(110+i) with the same port, and -retry-join
// lists the proxies. So every Raft message and forwarded request between two servers crosses
// the proxy of its destination, which names the source by its address: FaultNet controls each
// (source, destination) link on its own. The HTTP API stays on 127.0.0.1, unproxied: the
// clients stand beside the servers, as Jepsen's do.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { AgentProcess } from '../support/agent-process.ts';
import { FaultNet, FaultProxy } from '../support/fault-proxy.ts';
import { loopbackSubnet, type LoopbackSubnet } from './addresses.ts';
import { request } from './http.ts';

/** A status probe that takes longer counts as no answer (a paused or partitioned server). */
const PROBE_TIMEOUT_MS = 1_500;
/** Attempts to find free ports for a server and its proxy before giving up. */
const PORT_ATTEMPTS = 5;

export class JepsenServer {
  /** Bumped when the data directory is wiped: a new server under the old name. */
  incarnation = 0;
  paused = false;

  constructor(
    readonly name: string,
    readonly ip: string,
    readonly proxy: FaultProxy,
    readonly agent: AgentProcess,
  ) {}

  /** The cluster address the server advertises (its proxy). */
  get address(): string {
    return this.proxy.address;
  }
  get running(): boolean {
    return this.agent.running;
  }
  /** Running and not paused: it may answer. */
  get live(): boolean {
    return this.agent.running && !this.paused;
  }
  url(path: string): string {
    return this.agent.url(path);
  }
}

export interface JepsenClusterOptions {
  readonly size: number;
  /** Contents of the JSON config file every server loads (Consul's keys). */
  readonly config: Record<string, unknown>;
  readonly logLevel?: string;
}

export class JepsenCluster {
  private constructor(
    readonly servers: readonly JepsenServer[],
    readonly net: FaultNet,
    readonly root: string,
  ) {}

  static async start(options: JepsenClusterOptions): Promise<JepsenCluster> {
    const root = mkdtempSync(join(tmpdir(), 'cairn-jepsen-'));
    const configPath = join(root, 'config.json');
    writeFileSync(configPath, JSON.stringify(options.config));
    const net = new FaultNet();
    const subnet = loopbackSubnet();
    const names = Array.from({ length: options.size }, (_, i) => `s${i + 1}`);
    const ipOf = new Map(names.map((n, i) => [subnet.host(11 + i), n]));
    const proxies: FaultProxy[] = [];
    const ports: { server: number; http: number }[] = [];
    try {
      for (const [i, name] of names.entries()) {
        const { proxy, ports: p } = await listenProxy(net, subnet, i, name, (ip) => ipOf.get(ip));
        proxies.push(proxy);
        ports.push(p);
      }
    } catch (err) {
      await Promise.all(proxies.map((p) => p.close()));
      throw err;
    }
    const joinList = proxies.map((p) => p.address);
    const servers = names.map((name, i) => {
      const ip = subnet.host(11 + i);
      const agent = new AgentProcess({
        name,
        dataDir: join(root, name),
        httpPort: ports[i]!.http,
        serverPort: ports[i]!.server,
        bootstrapExpect: options.size,
        retryJoin: joinList,
        extraArgs: ['-bind', ip, '-advertise', proxies[i]!.address.split(':')[0]!, '-config-file', configPath, '-log-level', options.logLevel ?? 'info'],
      });
      return new JepsenServer(name, ip, proxies[i]!, agent);
    });
    const cluster = new JepsenCluster(servers, net, root);
    try {
      await Promise.all(servers.map((s) => s.agent.start()));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  byAddress(address: string): JepsenServer | undefined {
    return this.servers.find((s) => s.address === address);
  }

  /**
   * The leader most live servers name (each asked with a short deadline), or undefined when
   * none is named. A best guess for the nemesis: it may already be stale.
   */
  async leader(): Promise<JepsenServer | undefined> {
    const answers = await Promise.all(
      this.servers.filter((s) => s.live).map(async (s) => {
        const r = await request(s.url('/v1/status/leader'), { timeoutMs: PROBE_TIMEOUT_MS });
        return r.kind === 'response' && r.status === 200 ? (JSON.parse(r.body) as string) : '';
      }),
    );
    const votes = new Map<string, number>();
    for (const a of answers) if (a !== '') votes.set(a, (votes.get(a) ?? 0) + 1);
    const best = [...votes].sort((a, b) => b[1] - a[1])[0];
    return best === undefined ? undefined : this.byAddress(best[0]);
  }

  async kill(s: JepsenServer): Promise<void> {
    if (s.paused) this.resume(s);
    await s.agent.kill();
  }

  async start(s: JepsenServer): Promise<void> {
    if (!s.running) await s.agent.start();
  }

  pause(s: JepsenServer): void {
    if (!s.running || s.paused) return;
    s.agent.pause();
    s.paused = true;
  }

  resume(s: JepsenServer): void {
    if (!s.paused) return;
    s.agent.resume();
    s.paused = false;
  }

  /** Deletes a stopped server's data directory: it comes back as a new server. */
  wipe(s: JepsenServer): void {
    if (s.running) throw new Error(`${s.name} is running; stop it before wiping its data`);
    rmSync(s.agent.options.dataDir, { recursive: true, force: true });
    s.incarnation++;
  }

  /** Heals the network, resumes paused servers and starts stopped ones. */
  async heal(): Promise<void> {
    this.net.healAll();
    for (const s of this.servers) this.resume(s);
    await Promise.all(this.servers.filter((s) => !s.running).map((s) => s.agent.start()));
  }

  logs(lines = 80): string {
    return this.servers.map((s) => s.agent.tail(lines)).join('\n');
  }

  async stop(keepData = false): Promise<void> {
    for (const s of this.servers) this.resume(s);
    await Promise.all(this.servers.map((s) => s.agent.stop('SIGKILL')));
    await Promise.all(this.servers.map((s) => s.proxy.close()));
    if (!keepData) rmSync(this.root, { recursive: true, force: true });
  }
}

/** The proxy of server i on 127.x.y.(110+i), on the same port as the server's own address. */
async function listenProxy(
  net: FaultNet,
  subnet: LoopbackSubnet,
  i: number,
  name: string,
  sourceOf: (ip: string) => string | undefined,
): Promise<{ proxy: FaultProxy; ports: { server: number; http: number } }> {
  const ip = subnet.host(11 + i);
  const proxyIp = subnet.host(111 + i);
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const server = await getPort({ host: ip });
    try {
      const proxy = await FaultProxy.listen({ net, destination: name, listen: { host: proxyIp, port: server }, target: { host: ip, port: server }, sourceOf });
      return { proxy, ports: { server, http: await getPort({ host: '127.0.0.1' }) } };
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`no free port pair for ${name}: ${String(lastError)}`);
}
