// `cairn lock [options] PREFIX CHILD...` (Consul's `consul lock`): acquires the lock key
// PREFIX/.lock with a session, runs CHILD while it is held (CONSUL_LOCK_HELD=true in its
// environment), and kills CHILD (SIGTERM, then SIGKILL after 5 s) if the lock is lost. The lock is
// released and the session destroyed when CHILD exits or cairn gets SIGINT/SIGTERM. It speaks the
// Go API's lock protocol (same key, flags and session settings), so Consul's own `consul lock`
// and `cairn lock` on the same prefix exclude each other.
import { parseGoDuration } from '../../routes/lib/go-duration.ts';
import type { FlagSpec } from '../flags.ts';
import { startChild, exited, terminate } from './child-process.ts';
import { describeError, EXIT_ERROR, fail, kvPath, parseCommand, pause, processIo, type HttpApi, type Io } from './http-api.ts';

/** The Go API's lock flag value (api.LockFlagValue): marks a key as a lock, not a semaphore. */
const LOCK_FLAG_VALUE = '3304740253564472344';
/** api.DefaultLockSessionTTL; renewed every third of it so one lost renewal is survivable. */
const SESSION_TTL = '15s';
const RENEW_EVERY_MS = 5_000;
/** api.DefaultLockRetryTime: the pause after an acquire refused by lock-delay. */
const LOCK_RETRY_MS = 5_000;
/** Each blocking read waits at most this long before it is re-issued (server clamps at 10 min). */
const BLOCK_WAIT = '5m';
/** Pause between monitor retries after an error (Consul's defaultMonitorRetryTime). */
const MONITOR_RETRY_MS = 1_000;

interface KvPair {
  Key: string;
  Flags: number | string;
  Session?: string;
  ModifyIndex: number;
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  'child-exit-code': { kind: 'bool', usage: 'Exit 2 if the child exited with an error (default: exit 0 whatever the child did).' },
  'monitor-retry': { kind: 'int', usage: 'Errors tolerated while monitoring the lock before it is considered lost (default 3).' },
  n: { kind: 'int', usage: 'Number of concurrent holders; only 1 (a lock) is supported.' },
  name: { kind: 'string', usage: 'Name of the lock session (default: generated from the child command).' },
  'pass-stdin': { kind: 'bool', usage: 'Pass stdin to the child.' },
  shell: { kind: 'bool', usage: 'Run the child through a shell ($SHELL or /bin/sh; default true).' },
  timeout: { kind: 'string', usage: 'Go duration: give up acquiring after this long (default: wait forever).' },
  verbose: { kind: 'bool', usage: 'Print what the lock is doing.' },
};

const USAGE = `Usage: cairn lock [options] PREFIX CHILD...

  Acquires a lock at PREFIX and runs CHILD while holding it. If the lock is lost CHILD gets
  SIGTERM and, 5 seconds later, SIGKILL. On exit (or SIGINT/SIGTERM) the lock is released.`;

export async function lockCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseCommand(argv, FLAGS, USAGE, io);
  if (typeof parsed === 'number') return parsed;
  const f = parsed.flags;
  if (typeof f['n'] === 'number' && f['n'] !== 1) return fail(io, f['n'] <= 0 ? 'Lock holder limit must be positive' : 'Semaphores (-n greater than 1) are not supported');
  if (parsed.args.length < 2) return fail(io, 'Key prefix and child command must be specified');
  const prefix = parsed.args[0]!.replace(/^\//, '');
  const child = parsed.args.slice(1);
  let timeoutMs = 0;
  if (typeof f['timeout'] === 'string') {
    const d = parseGoDuration(f['timeout']);
    if (!d.ok || d.ns < 0n) return fail(io, d.ok ? 'Timeout must be positive' : d.error);
    timeoutMs = Number(d.ns / 1_000_000n);
  }
  const verbose = (text: string): void => (f['verbose'] === true ? io.out(`${text}\n`) : undefined);
  const key = `${prefix.replace(/\/+$/, '')}/.lock`;
  const name = typeof f['name'] === 'string' ? f['name'] : `Consul lock for '${child.join(' ')}' at '${prefix}'`;

  const shutdown = new AbortController();
  const onSignal = (): void => shutdown.abort();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let session: string | undefined;
  try {
    await parsed.api.json('GET', '/v1/agent/self');
    session = (await parsed.api.json<{ ID: string }>('PUT', '/v1/session/create', { body: JSON.stringify({ Name: name, TTL: SESSION_TTL, Behavior: 'release', LockDelay: '15s' }) })).ID;
    const lost = new AbortController();
    const stopRenew = renewLoop(parsed.api, session, lost);
    try {
      verbose(`Attempting lock acquisition at path: ${key}`);
      const held = await acquire(parsed.api, key, session, timeoutMs, AbortSignal.any([shutdown.signal, lost.signal]));
      if (!held) {
        io.err('Shutdown triggered or timeout during lock acquisition\n');
        return EXIT_ERROR;
      }
      const code = await runHolding(parsed.api, { key, session, child, flags: f, io, verbose }, AbortSignal.any([shutdown.signal, lost.signal]), lost);
      return f['child-exit-code'] === true && code !== 0 ? 2 : 0;
    } finally {
      stopRenew();
      await release(parsed.api, key, session, verbose).catch((err: unknown) => io.err(`Lock release failed: ${describeError(err)}\n`));
    }
  } catch (err) {
    io.err(`Lock acquisition failed: ${describeError(err)}\n`);
    return EXIT_ERROR;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** Renews the session until stopped; a session the server no longer knows means the lock is lost. */
function renewLoop(api: HttpApi, session: string, lost: AbortController): () => void {
  const timer = setInterval(() => {
    api.request('PUT', `/v1/session/renew/${session}`).catch((err: unknown) => {
      if ((err as { status?: number }).status === 404) lost.abort();
    });
  }, RENEW_EVERY_MS);
  return () => clearInterval(timer);
}

/** Acquires KEY for SESSION: waits (blocking reads) while another session holds it. */
async function acquire(api: HttpApi, key: string, session: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  let index = 0;
  while (!signal.aborted && Date.now() < deadline) {
    const wait = deadline === Infinity ? BLOCK_WAIT : `${Math.max(1, deadline - Date.now())}ms`;
    const { data, index: seen } = await api.read<KvPair[]>(kvPath(key), { params: index > 0 ? { index: String(index), wait } : {}, allow: [404], signal });
    const pair = data?.[0];
    if (pair !== undefined && String(pair.Flags) !== LOCK_FLAG_VALUE) throw new Error('Existing key does not match lock use');
    if (pair?.Session !== undefined && pair.Session !== session) {
      index = seen;
      continue;
    }
    const ok = await api.json<boolean>('PUT', kvPath(key), { params: { acquire: session, flags: LOCK_FLAG_VALUE }, body: '', signal });
    if (ok) return true;
    index = 0;
    await pause(Math.min(LOCK_RETRY_MS, Math.max(0, deadline - Date.now())), signal);
  }
  return false;
}

interface Holding {
  readonly key: string;
  readonly session: string;
  readonly child: readonly string[];
  readonly flags: Readonly<Record<string, unknown>>;
  readonly io: Io;
  readonly verbose: (text: string) => void;
}

/** Runs the child while the lock is held; returns its exit code (or the code it was killed with). */
async function runHolding(api: HttpApi, h: Holding, stop: AbortSignal, lost: AbortController): Promise<number> {
  const monitorDone = new AbortController();
  const monitoring = monitor(api, h.key, h.session, Number(h.flags['monitor-retry'] ?? 3), AbortSignal.any([monitorDone.signal, stop])).then(() => lost.abort());
  h.verbose('Lock acquired, starting the child');
  const child = startChild({ args: h.child, shell: h.flags['shell'] !== false, env: { ...h.io.env, CONSUL_LOCK_HELD: 'true' }, stdin: h.flags['pass-stdin'] === true ? 'inherit' : 'ignore' });
  const exit = exited(child);
  const outcome = await Promise.race([exit.then((code) => ({ code })), new Promise<null>((resolve) => stop.addEventListener('abort', () => resolve(null), { once: true }))]);
  monitorDone.abort();
  await monitoring.catch(() => undefined);
  if (outcome !== null) {
    h.verbose('Child terminated, releasing lock');
    return outcome.code;
  }
  h.verbose(lost.signal.aborted ? 'Lock lost, killing child' : 'Shutdown triggered, killing child');
  return terminate(child);
}

/** Resolves when the lock is no longer held by SESSION (or when `signal` aborts). */
async function monitor(api: HttpApi, key: string, session: string, retries: number, signal: AbortSignal): Promise<void> {
  let index = 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const { data, index: seen } = await api.read<KvPair[]>(kvPath(key), { params: index > 0 ? { index: String(index), wait: BLOCK_WAIT } : {}, allow: [404], signal });
      failures = 0;
      if (data?.[0]?.Session !== session) return;
      index = seen;
    } catch (err) {
      if (signal.aborted) return;
      if (++failures > retries) throw err;
      await pause(MONITOR_RETRY_MS, signal);
    }
  }
}

/** Releases the lock, destroys the session, and deletes the key if nobody else took it. */
async function release(api: HttpApi, key: string, session: string, verbose: (text: string) => void): Promise<void> {
  await api.json<boolean>('PUT', kvPath(key), { params: { release: session, flags: LOCK_FLAG_VALUE }, body: '' });
  await api.request('PUT', `/v1/session/destroy/${session}`);
  const { data } = await api.read<KvPair[]>(kvPath(key), { allow: [404] });
  const pair = data?.[0];
  if (pair !== undefined && pair.Session === undefined) {
    await api.json<boolean>('DELETE', kvPath(key), { params: { cas: String(pair.ModifyIndex) } });
    verbose('Cleanup succeeded');
  }
}
