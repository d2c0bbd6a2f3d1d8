// The agent's configuration: defaults, then JSON config files (Consul's keys where Consul has
// them), then flags — later sources win, as in Consul. loadConfig is pure: the caller passes
// argv, the environment and a file reader, and gets a validated config or an error message.
import { z } from 'zod';
import { NS_PER_MS, parseGoDuration } from '../routes/lib/go-duration.ts';
import { formatUsage, parseFlags, type FlagSpec, type FlagValues } from './flags.ts';

export const AGENT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  server: { kind: 'bool', usage: 'Run the agent as a server (Cairn agents are always servers).' },
  dev: { kind: 'bool', usage: 'Start a single-server development agent with a temporary data directory.' },
  'bootstrap-expect': { kind: 'int', usage: 'Bootstrap the cluster once this many servers have joined.' },
  'data-dir': { kind: 'string', usage: 'Path to the data directory.' },
  node: { kind: 'string', usage: 'Name of this node; must be unique in the cluster.' },
  'node-id': { kind: 'string', usage: 'A UUID for this node, kept across restarts (default: generated once).' },
  datacenter: { kind: 'string', usage: 'Datacenter of the agent.' },
  bind: { kind: 'string', usage: 'Address to bind the cluster (Raft) port to.' },
  advertise: { kind: 'string', usage: 'Cluster address advertised to other servers (default: -bind).' },
  client: { kind: 'string', usage: 'Address to bind the HTTP API to.' },
  'http-port': { kind: 'int', usage: 'HTTP API port.' },
  'server-port': { kind: 'int', usage: 'Cluster (Raft and forwarding) port.' },
  'retry-join': { kind: 'list', usage: 'Address of a server to join, retried until it succeeds. Repeatable.' },
  encrypt: { kind: 'string', usage: 'Base64 32-byte cluster key; cluster traffic is authenticated with it.' },
  'log-level': { kind: 'string', usage: 'Log level: trace, debug, info, warn, error.' },
  'log-json': { kind: 'bool', usage: 'Write logs as JSON lines.' },
  'config-file': { kind: 'list', usage: 'A JSON configuration file to load. Repeatable.' },
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
const durationLike = z.union([z.string(), z.number()]);

/** The JSON config file: Consul's keys (snake_case) for what Cairn supports. Unknown keys fail. */
const FileConfig = z
  .object({
    server: z.boolean(),
    bootstrap_expect: z.number().int().min(0),
    data_dir: z.string(),
    node_name: z.string(),
    node_id: z.string(),
    datacenter: z.string(),
    bind_addr: z.string(),
    advertise_addr: z.string(),
    client_addr: z.string(),
    ports: z.object({ http: z.number().int(), server: z.number().int() }).partial().strict(),
    retry_join: z.array(z.string()),
    encrypt: z.string(),
    log_level: z.string(),
    log_json: z.boolean(),
    session_ttl_min: durationLike,
    tombstone_ttl: durationLike,
    tombstone_ttl_granularity: durationLike,
    acl: z
      .object({
        enabled: z.boolean(),
        default_policy: z.enum(['allow', 'deny']),
        down_policy: z.enum(['allow', 'deny', 'extend-cache', 'async-cache']),
        enable_token_persistence: z.boolean(),
        enable_key_list_policy: z.boolean(),
        tokens: z
          .object({ initial_management: z.string(), agent: z.string(), default: z.string(), agent_recovery: z.string() })
          .partial()
          .strict(),
      })
      .partial()
      .strict(),
    limits: z
      .object({
        // Consul's names; the last three are Cairn's own (Consul has no such settings).
        http_max_conns_per_client: z.number().int().min(0),
        kv_max_value_size: z.number().int().min(1),
        txn_max_req_len: z.number().int().min(1),
        max_blocking_queries: z.number().int().min(1),
        http_max_header_bytes: z.number().int().min(1024),
        http_read_header_timeout: durationLike,
      })
      .partial()
      .strict(),
    raft_snapshot_threshold: z.number().int().min(1),
    raft_trailing_logs: z.number().int().min(0),
    performance: z.object({ raft_multiplier: z.number().int().min(1).max(10) }).partial().strict(),
    autopilot: z
      .object({
        cleanup_dead_servers: z.boolean(),
        last_contact_threshold: durationLike,
        max_trailing_logs: z.number().int().min(0),
        min_quorum: z.number().int().min(0),
        server_stabilization_time: durationLike,
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();
export type FileConfig = z.infer<typeof FileConfig>;

export interface AgentConfig {
  readonly dev: boolean;
  readonly server: boolean;
  readonly bootstrapExpect: number;
  /** null only in -dev mode without -data-dir: the server makes a temporary directory. */
  readonly dataDir: string | null;
  readonly nodeName: string;
  readonly nodeId: string | null;
  readonly datacenter: string;
  readonly bindAddr: string;
  readonly advertiseAddr: string;
  readonly clientAddr: string;
  readonly httpPort: number;
  readonly serverPort: number;
  readonly retryJoin: readonly string[];
  readonly encrypt: Uint8Array | null;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly logJson: boolean;
  readonly sessionTtlMin: string | number;
  /** How long a KV tombstone is kept before the leader reaps it (Consul's 15 min). */
  readonly tombstoneTtl: string | number;
  /** The leader notes tombstones and reaps them at this granularity (Consul's 30 s). */
  readonly tombstoneTtlGranularity: string | number;
  readonly acl: {
    readonly enabled: boolean;
    readonly defaultPolicy: 'allow' | 'deny';
    readonly downPolicy: 'allow' | 'deny' | 'extend-cache' | 'async-cache';
    readonly enableTokenPersistence: boolean;
    readonly enableKeyListPolicy: boolean;
    readonly tokens: { readonly initialManagement: string; readonly agent: string; readonly default: string; readonly agentRecovery: string };
  };
  readonly limits: {
    /** Concurrent HTTP connections per client IP; 0 for no limit. */
    readonly httpMaxConnsPerClient: number;
    readonly kvMaxValueSize: number;
    readonly txnMaxReqLen: number;
    /** Blocking queries waiting at once; past it a new one is answered 429. */
    readonly maxBlockingQueries: number;
    /** Bytes of request line plus headers; past it, 431. */
    readonly httpMaxHeaderBytes: number;
    /** Milliseconds a client has to send its request headers (slow-loris). */
    readonly httpReadHeaderTimeoutMs: number;
  };
  readonly raftSnapshotThreshold: number;
  readonly raftTrailingLogs: number;
  readonly raftMultiplier: number;
  readonly autopilot: {
    readonly cleanupDeadServers: boolean;
    readonly lastContactThreshold: string | number;
    readonly maxTrailingLogs: number;
    readonly minQuorum: number;
    readonly serverStabilizationTime: string | number;
  };
}

export type ConfigResult = { readonly ok: true; readonly config: AgentConfig } | { readonly ok: false; readonly error: string };

export interface ConfigSource {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
  /** The machine's host name, Consul's default node name. */
  readonly hostname: string;
}

export function agentUsage(): string {
  return `Usage: cairn agent [options]\n\n  Starts a Cairn server agent.\n\nOptions:\n\n${formatUsage(AGENT_FLAGS)}\n`;
}

export function loadConfig(source: ConfigSource): ConfigResult {
  const parsed = parseFlags(source.argv, AGENT_FLAGS);
  if (!parsed.ok) return parsed;
  if (parsed.rest.length > 0) return { ok: false, error: `unexpected argument: ${parsed.rest[0]}` };
  const flags = parsed.values;

  let file: FileConfig = {};
  for (const path of (flags['config-file'] as string[] | undefined) ?? []) {
    const loaded = readConfigFile(path, source.readFile);
    if (!loaded.ok) return loaded;
    file = mergeFileConfig(file, loaded.config);
  }
  return resolve(file, flags, source);
}

function readConfigFile(path: string, readFile: (path: string) => string): { ok: true; config: FileConfig } | { ok: false; error: string } {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    return { ok: false, error: `Error loading ${path}: ${(err as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Error parsing ${path}: ${(err as Error).message}` };
  }
  const result = FileConfig.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    const unknown = issue?.code === 'unrecognized_keys' ? `invalid config key ${[where, ...issue.keys].filter(Boolean).join('.')}` : `${where}: ${issue?.message}`;
    return { ok: false, error: `Error parsing ${path}: ${unknown}` };
  }
  return { ok: true, config: result.data };
}

/** Later files override earlier ones key by key; nested objects merge one level deep. */
function mergeFileConfig(base: FileConfig, next: FileConfig): FileConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(next) as [string, unknown][]) {
    const prior = merged[key];
    if (!isPlainObject(prior) || !isPlainObject(value)) {
      merged[key] = value;
      continue;
    }
    const tokens = isPlainObject(prior['tokens']) || isPlainObject(value['tokens']) ? { tokens: { ...(prior['tokens'] as object), ...(value['tokens'] as object) } } : {};
    merged[key] = { ...prior, ...value, ...tokens };
  }
  return merged as FileConfig;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolve(file: FileConfig, flags: FlagValues, source: ConfigSource): ConfigResult {
  const dev = flagBool(flags, 'dev') ?? false;
  const pick = <T>(flag: T | undefined, fromFile: T | undefined, fallback: T): T => flag ?? fromFile ?? fallback;

  const dataDir = pick(flagString(flags, 'data-dir'), file.data_dir, null as string | null);
  if (!dev && dataDir === null) return { ok: false, error: '==> data_dir cannot be empty (use -data-dir, or -dev for a throwaway server)' };

  const bindAddr = pick(flagString(flags, 'bind'), file.bind_addr, '127.0.0.1');
  const logLevel = pick(flagString(flags, 'log-level'), file.log_level, 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return { ok: false, error: `Invalid log level: ${logLevel}` };

  const encryptText = pick(flagString(flags, 'encrypt'), file.encrypt, '');
  let encrypt: Uint8Array | null = null;
  if (encryptText !== '') {
    encrypt = decodeKey(encryptText);
    if (encrypt === null) return { ok: false, error: 'Invalid encryption key: it must be 32 bytes, base64-encoded' };
  }

  const bootstrapExpect = pick(flagInt(flags, 'bootstrap-expect'), file.bootstrap_expect, dev ? 1 : 0);
  if (dev && bootstrapExpect > 1) return { ok: false, error: 'Bootstrap expect must be 1 (or unset) in dev mode' };

  const httpPort = pick(flagInt(flags, 'http-port'), file.ports?.http, 8500);
  const serverPort = pick(flagInt(flags, 'server-port'), file.ports?.server, 8300);
  for (const [name, port] of [['http', httpPort], ['server', serverPort]] as const) {
    if (port < 0 || port > 65535) return { ok: false, error: `Invalid ${name} port: ${port}` };
  }

  const readHeaderTimeout = durationToMs(file.limits?.http_read_header_timeout ?? '30s');
  if (readHeaderTimeout === null || readHeaderTimeout < 1) return { ok: false, error: `limits.http_read_header_timeout: invalid duration ${JSON.stringify(file.limits?.http_read_header_timeout)}` };

  const acl = file.acl ?? {};
  const config: AgentConfig = {
    dev,
    server: true,
    bootstrapExpect,
    dataDir,
    nodeName: pick(flagString(flags, 'node'), file.node_name, source.hostname),
    nodeId: pick(flagString(flags, 'node-id'), file.node_id, null as string | null),
    datacenter: pick(flagString(flags, 'datacenter'), file.datacenter, 'dc1').toLowerCase(),
    bindAddr,
    advertiseAddr: pick(flagString(flags, 'advertise'), file.advertise_addr, bindAddr),
    clientAddr: pick(flagString(flags, 'client'), file.client_addr, '127.0.0.1'),
    httpPort,
    serverPort,
    retryJoin: [...((flags['retry-join'] as string[] | undefined) ?? file.retry_join ?? [])],
    encrypt,
    logLevel: logLevel as AgentConfig['logLevel'],
    logJson: pick(flagBool(flags, 'log-json'), file.log_json, false),
    sessionTtlMin: file.session_ttl_min ?? '10s',
    tombstoneTtl: file.tombstone_ttl ?? '15m',
    tombstoneTtlGranularity: file.tombstone_ttl_granularity ?? '30s',
    acl: {
      enabled: acl.enabled ?? false,
      defaultPolicy: acl.default_policy ?? 'allow',
      downPolicy: acl.down_policy ?? 'extend-cache',
      enableTokenPersistence: acl.enable_token_persistence ?? false,
      enableKeyListPolicy: acl.enable_key_list_policy ?? false,
      tokens: {
        initialManagement: acl.tokens?.initial_management ?? '',
        agent: acl.tokens?.agent ?? '',
        default: acl.tokens?.default ?? '',
        agentRecovery: acl.tokens?.agent_recovery ?? '',
      },
    },
    limits: {
      httpMaxConnsPerClient: file.limits?.http_max_conns_per_client ?? 200,
      kvMaxValueSize: file.limits?.kv_max_value_size ?? 512 * 1024,
      txnMaxReqLen: file.limits?.txn_max_req_len ?? 512 * 1024,
      maxBlockingQueries: file.limits?.max_blocking_queries ?? 20_000,
      httpMaxHeaderBytes: file.limits?.http_max_header_bytes ?? 64 * 1024,
      httpReadHeaderTimeoutMs: readHeaderTimeout,
    },
    raftSnapshotThreshold: file.raft_snapshot_threshold ?? 16_384,
    raftTrailingLogs: file.raft_trailing_logs ?? 10_240,
    raftMultiplier: file.performance?.raft_multiplier ?? 1,
    autopilot: {
      cleanupDeadServers: file.autopilot?.cleanup_dead_servers ?? true,
      lastContactThreshold: file.autopilot?.last_contact_threshold ?? '200ms',
      maxTrailingLogs: file.autopilot?.max_trailing_logs ?? 250,
      minQuorum: file.autopilot?.min_quorum ?? 0,
      serverStabilizationTime: file.autopilot?.server_stabilization_time ?? '10s',
    },
  };
  return { ok: true, config };
}

/** A Go duration string, or a number of nanoseconds (Consul's JSON), in milliseconds; null if invalid. */
function durationToMs(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value / 1e6 : null;
  const parsed = parseGoDuration(value);
  return parsed.ok ? Number(parsed.ns / NS_PER_MS) : null;
}

function decodeKey(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === 32 ? new Uint8Array(bytes) : null;
}

const flagString = (f: FlagValues, name: string): string | undefined => (typeof f[name] === 'string' ? (f[name] as string) : undefined);
const flagInt = (f: FlagValues, name: string): number | undefined => (typeof f[name] === 'number' ? (f[name] as number) : undefined);
const flagBool = (f: FlagValues, name: string): boolean | undefined => (typeof f[name] === 'boolean' ? (f[name] as boolean) : undefined);
