// What every HTTP command shares: Consul's HTTP client flags and environment
// (-http-addr / CONSUL_HTTP_ADDR, -token / CONSUL_HTTP_TOKEN), a small fetch wrapper that turns
// an error status into the server's text, subcommand dispatch, and the output and exit-code
// conventions of Consul's CLI: 0 success, 1 any failure, usage errors included (Consul's
// commands return 1 when their flags do not parse or arguments are missing).
import { readFileSync } from 'node:fs';
import { formatUsage, parseFlags, type FlagSpec, type FlagValues } from '../flags.ts';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;

export const HTTP_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'http-addr': { kind: 'string', usage: 'The HTTP API address (default http://127.0.0.1:8500; also CONSUL_HTTP_ADDR).' },
  token: { kind: 'string', usage: 'ACL token for the request (also CONSUL_HTTP_TOKEN).' },
  datacenter: { kind: 'string', usage: 'Name of the datacenter to query (default: the agent\'s).' },
  stale: { kind: 'bool', usage: 'Let any server answer, not only the leader.' },
};

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Raw bytes to stdout (KV values need not be UTF-8); text through `out` when absent. */
  readonly outBytes?: (bytes: Uint8Array) => void;
  /** All of stdin, for a DATA argument of "-"; the process's stdin when absent. */
  readonly stdin?: () => Promise<Buffer>;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  outBytes: (bytes) => void process.stdout.write(bytes),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  stdin: () => readStdin(),
};

/** No answer: the server is unreachable. The message reads as the Go client's does. */
export class NetworkError extends Error {
  constructor(method: string, url: string, cause: unknown) {
    super(`${method[0]}${method.slice(1).toLowerCase()} "${url}": ${networkCause(url, cause)}`);
    this.name = 'NetworkError';
  }
}

function networkCause(url: string, err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const host = new URL(url).host;
  if (cause?.code === 'ECONNREFUSED') return `dial tcp ${host}: connect: connection refused`;
  if (cause?.code === 'ENOTFOUND') return `dial tcp: lookup ${new URL(url).hostname}: no such host`;
  return cause?.message ?? (err as Error).message;
}

/** The server answered with an error status; the message is its body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class HttpApi {
  private readonly base: string;
  private readonly token: string;
  private readonly query: URLSearchParams;

  constructor(flags: FlagValues, env: Io['env']) {
    const addr = str(flags['http-addr']) ?? env['CONSUL_HTTP_ADDR'] ?? '127.0.0.1:8500';
    this.base = /^https?:\/\//.test(addr) ? addr.replace(/\/+$/, '') : `http://${addr}`;
    this.token = str(flags['token']) ?? env['CONSUL_HTTP_TOKEN'] ?? '';
    this.query = new URLSearchParams();
    const dc = str(flags['datacenter']);
    if (dc !== undefined) this.query.set('dc', dc);
    if (flags['stale'] === true) this.query.set('stale', '');
  }

  url(path: string, params: Record<string, string> = {}): string {
    const q = new URLSearchParams(this.query);
    for (const [k, v] of Object.entries(params)) q.set(k, v);
    const text = q.toString();
    return `${this.base}${path}${text === '' ? '' : `${path.includes('?') ? '&' : '?'}${text}`}`;
  }

  /**
   * A request; throws ApiError with the body for a status >= 400 (other than those in `allow`),
   * NetworkError when no answer came (an abort passes through as it is).
   */
  async request(method: string, path: string, init: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token !== '') headers['X-Consul-Token'] = this.token;
    const url = this.url(path, init.params);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        ...(init.duplex === undefined ? {} : { duplex: init.duplex }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      } as RequestInit);
    } catch (err) {
      if (init.signal?.aborted === true) throw err;
      throw new NetworkError(method, url, err);
    }
    if (res.status >= 400 && !(init.allow ?? []).includes(res.status)) throw new ApiError(res.status, (await res.text()).trim());
    return res;
  }

  async json<T>(method: string, path: string, init: RequestOptions = {}): Promise<T> {
    return parseJson<T>(await (await this.request(method, path, init)).text());
  }

  /** A read with its X-Consul-Index; `null` data for a status listed in `allow` (a KV miss). */
  async read<T>(path: string, init: RequestOptions = {}): Promise<{ data: T | null; index: number }> {
    const res = await this.request('GET', path, init);
    const index = Number(res.headers.get('X-Consul-Index') ?? '0');
    if (res.status >= 400) {
      await res.body?.cancel();
      return { data: null, index };
    }
    return { data: parseJson<T>(await res.text()), index };
  }
}

/**
 * KV flags are uint64 (the Go lock flag is 3304740253564472344, past 2^53): JSON.parse would
 * round them, so the digits are kept as a string. Only a "Flags"/"flags" member can match: in a
 * key or value the quotes would be escaped.
 */
const FLAGS_NUMBER = /"(Flags|flags)":(\s*)(\d+)/g;
const FLAGS_STRING = /"(Flags|flags)":(\s*)"(\d+)"/g;

export function parseJson<T>(text: string): T {
  return JSON.parse(text.replace(FLAGS_NUMBER, '"$1":$2"$3"')) as T;
}

/** JSON.stringify with KV flags written back as the numbers they are. */
export function toJson(value: unknown, indent: string | number): string {
  return JSON.stringify(value, null, indent).replace(FLAGS_STRING, '"$1":$2$3');
}

/** `/v1/kv/<key>` with each segment escaped (keys may hold any character but "/" separates). */
export const kvPath = (key: string): string => `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;

/** Resolves after `ms`, or at once when `signal` aborts (loops waiting between retries). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RequestOptions {
  readonly params?: Record<string, string>;
  readonly body?: RequestInit['body'];
  readonly duplex?: 'half';
  readonly signal?: AbortSignal;
  /** Error statuses returned as responses instead of thrown (e.g. 404 for a missing key). */
  readonly allow?: readonly number[];
}

const str = (v: FlagValues[string] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export interface Parsed {
  readonly flags: FlagValues;
  readonly args: readonly string[];
  readonly api: HttpApi;
}

export const isHelpFlag = (arg: string | undefined): boolean => arg === '-h' || arg === '-help' || arg === '--help';
const HELP_FLAGS: Readonly<Record<string, FlagSpec>> = { h: { kind: 'bool', usage: 'Show this help.' }, help: { kind: 'bool', usage: 'Show this help.' } };

/**
 * Parses a command's flags (plus the HTTP ones); prints usage on -h/-help/--help or a flag error.
 * Help is a flag like any other, so `cairn lock prefix cmd --help` passes --help to the child.
 */
export function parseCommand(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>, usage: string, io: Io): Parsed | number {
  const all = { ...HTTP_FLAGS, ...specs };
  const help = `${usage}\n\nOptions:\n\n${formatUsage(all)}\n`;
  const parsed = parseFlags(argv, { ...all, ...HELP_FLAGS });
  if (parsed.ok && (parsed.values['h'] === true || parsed.values['help'] === true)) {
    io.out(help);
    return EXIT_OK;
  }
  if (!parsed.ok) {
    io.err(`${parsed.error}\n\n${help}`);
    return EXIT_ERROR;
  }
  return { flags: parsed.values, args: parsed.rest, api: new HttpApi(parsed.values, io.env) };
}

/** Consul's one-line error on stderr (a bad argument, a missing key, a refused CAS); exit 1. */
export function fail(io: Io, message: string): number {
  io.err(`${message}\n`);
  return EXIT_ERROR;
}

export type CommandRun = (argv: readonly string[], io: Io) => Promise<number>;
export interface Subcommand {
  readonly synopsis: string;
  readonly run: CommandRun;
}

/**
 * `cairn <group> <subcommand> …`: the group's help on -h (exit 0) or with no subcommand (exit 1,
 * as Consul's parent commands do), an unknown subcommand is an error.
 */
export async function dispatch(argv: readonly string[], usage: string, table: Readonly<Record<string, Subcommand>>, io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const width = Math.max(...Object.keys(table).map((n) => n.length));
  const help = `${usage}\n\nSubcommands:\n\n${Object.entries(table).map(([n, c]) => `    ${n.padEnd(width)}    ${c.synopsis}`).join('\n')}\n`;
  if (isHelpFlag(name)) {
    io.out(help);
    return EXIT_OK;
  }
  const sub = name === undefined ? undefined : table[name];
  if (sub === undefined) {
    io.err(name === undefined ? help : `Unknown subcommand: ${name}\n\n${help}`);
    return EXIT_ERROR;
  }
  return sub.run(rest, io);
}

/**
 * Consul's DATA argument: "-" reads stdin, "@path" reads a file, anything else is the data itself.
 * Throws Consul's "Failed to read file: …" when the file cannot be read.
 */
export async function readData(arg: string, io: Io): Promise<Buffer> {
  if (arg === '-') return (io.stdin ?? readStdin)();
  if (!arg.startsWith('@')) return Buffer.from(arg, 'utf8');
  try {
    return readFileSync(arg.slice(1));
  } catch (err) {
    throw new Error(`Failed to read file: ${(err as Error).message}`, { cause: err });
  }
}

/** Bounds how much a command reads from stdin (KV values are at most 512 KiB; imports larger). */
const STDIN_MAX_BYTES = 256 * 1024 * 1024;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > STDIN_MAX_BYTES) throw new Error(`stdin is larger than ${STDIN_MAX_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Runs a command body; an ApiError or a network failure becomes Consul's "Error ..." line and exit 1. */
export function reportErrors(io: Io, what: string, body: () => Promise<number>): Promise<number> {
  return failWith(io, `Error ${what}`, body);
}

/** As reportErrors, with the command's own prefix (Consul's wording differs per command). */
export async function failWith(io: Io, prefix: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    io.err(`${prefix}: ${describeError(err)}\n`);
    return EXIT_ERROR;
  }
}

/** Consul's texts for a failed call: the Go client's "Unexpected response code" or dial error. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `Unexpected response code: ${err.status} (${err.message})`;
  return (err as Error).message;
}

/** Columns padded like Consul's columnize output (two spaces between). */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}
