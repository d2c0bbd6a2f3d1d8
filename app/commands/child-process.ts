// The child processes `cairn lock` and `cairn watch` run, started the way Consul starts them: a
// shell line (`sh -c`, or $SHELL) by default, the arguments as they are with -shell=false.
import { spawn, type ChildProcess } from 'node:child_process';

/** Time a child gets between SIGTERM and SIGKILL (Consul's lockKillGracePeriod). */
export const KILL_GRACE_MS = 5_000;

export interface ChildOptions {
  readonly args: readonly string[];
  readonly shell: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: 'inherit' | 'ignore' | 'pipe';
}

export function startChild(options: ChildOptions): ChildProcess {
  const [command, ...rest] = options.shell ? [options.env['SHELL'] || '/bin/sh', '-c', options.args.join(' ')] : options.args;
  if (command === undefined) throw new Error('no child command');
  return spawn(command, rest, { stdio: [options.stdin, 'inherit', 'inherit'], env: { ...options.env } });
}

/** Resolves with the exit code (128 + signal number for a signal, as a shell reports it). */
export function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
}

const signalNumber = (signal: NodeJS.Signals | null): number => (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15);

/** SIGTERM, then SIGKILL if the child has not exited after the grace period. */
export async function terminate(child: ChildProcess, graceMs = KILL_GRACE_MS): Promise<number> {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return done;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
  const first = await Promise.race([done, grace]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  child.kill('SIGKILL');
  return done;
}
