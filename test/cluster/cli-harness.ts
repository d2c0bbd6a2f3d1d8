// Runs `cairn` for the CLI tests: in this process through the command table and the Io seam
// (no start-up cost; still real HTTP to a real server), or as the real binary in a child process
// where the test is about the process itself (exit codes, stdin, signals, a lock's child).
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Io } from '../../app/commands/http-api.ts';
import { runCairn } from '../../app/commands/table.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'app/cli.ts');
/** A spawned `cairn` compiles TypeScript on start; generous on a loaded 2-core machine. */
const SPAWN_TIMEOUT_MS = 60_000;

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Environment on top of the test process's (CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN cleared). */
  readonly env?: Record<string, string>;
  /** What stdin holds (for "-" arguments). */
  readonly stdin?: string | Buffer;
}

const baseEnv = (env: Record<string, string> = {}): Record<string, string | undefined> => ({
  ...process.env,
  CONSUL_HTTP_ADDR: undefined,
  CONSUL_HTTP_TOKEN: undefined,
  ...env,
});

/** `cairn ARGS` in this process. */
export async function cli(args: readonly string[], options: RunOptions = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    env: baseEnv(options.env),
    stdin: async () => Buffer.from(options.stdin ?? ''),
  };
  const code = await runCairn(args, io);
  return { code, stdout, stderr };
}

/** `cairn ARGS` as a child process; resolves when it exits. */
export function spawnCli(args: readonly string[], options: RunOptions = {}): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: baseEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  child.stdin.end(options.stdin ?? '');
  const done = new Promise<Result>((resolveDone, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cairn ${args.join(' ')} did not exit in ${SPAWN_TIMEOUT_MS} ms\n${stdout}\n${stderr}`));
    }, SPAWN_TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveDone({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout, stderr });
    });
  });
  return { child, done };
}

export const spawned = (args: readonly string[], options: RunOptions = {}): Promise<Result> => spawnCli(args, options).done;
