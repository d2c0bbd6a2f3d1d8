// What the operator commands share: Consul's HTTP client flags and environment
// (-http-addr / CONSUL_HTTP_ADDR, -token / CONSUL_HTTP_TOKEN), a small fetch wrapper that turns
// an error status into the server's text, and the output conventions of Consul's CLI.
import { formatUsage, parseFlags, type FlagSpec, type FlagValues } from '../flags.ts';

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
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
};

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
    return `${this.base}${path}${text === '' ? '' : `?${text}`}`;
  }

  /** A request; throws ApiError with the body for a status >= 400. */
  async request(method: string, path: string, init: { params?: Record<string, string>; body?: RequestInit['body']; duplex?: 'half' } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token !== '') headers['X-Consul-Token'] = this.token;
    const res = await fetch(this.url(path, init.params), {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.duplex === undefined ? {} : { duplex: init.duplex }),
    } as RequestInit);
    if (res.status >= 400) throw new ApiError(res.status, (await res.text()).trim());
    return res;
  }

  async json<T>(method: string, path: string, init: { params?: Record<string, string>; body?: RequestInit['body'] } = {}): Promise<T> {
    return (await (await this.request(method, path, init)).json()) as T;
  }
}

const str = (v: FlagValues[string] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export interface Parsed {
  readonly flags: FlagValues;
  readonly args: readonly string[];
  readonly api: HttpApi;
}

/** Parses a command's flags (plus the HTTP ones); prints usage on -h or a flag error. */
export function parseCommand(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>, usage: string, io: Io): Parsed | number {
  const all = { ...HTTP_FLAGS, ...specs };
  const help = `${usage}\n\nOptions:\n\n${formatUsage(all)}\n`;
  if (argv.some((a) => a === '-h' || a === '-help' || a === '--help')) {
    io.out(help);
    return 0;
  }
  const parsed = parseFlags(argv, all);
  if (!parsed.ok) {
    io.err(`${parsed.error}\n\n${help}`);
    return 1;
  }
  return { flags: parsed.values, args: parsed.rest, api: new HttpApi(parsed.values, io.env) };
}

/** Runs a command body; an ApiError or a network failure becomes Consul's "Error ..." line and exit 1. */
export async function reportErrors(io: Io, what: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    const message = err instanceof ApiError ? `Unexpected response code: ${err.status} (${err.message})` : (err as Error).message;
    io.err(`Error ${what}: ${message}\n`);
    return 1;
  }
}

/** Columns padded like Consul's columnize output (two spaces between). */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}
