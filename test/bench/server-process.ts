// One server process of either system, on loopback: spawned with a fixed command line,
// ready when a probe says so, stopped by signal, measured through /proc (resident memory).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { captureLines } from '../support/line-capture.ts';

/** Lines of output kept per process, for the error report when it fails. */
const LOG_LINES_KEPT = 200;
/** Pause between readiness probes. */
const PROBE_INTERVAL_MS = 20;
/** A stop that has not finished by then becomes SIGKILL. */
const STOP_TIMEOUT_MS = 30_000;
/** USER_HZ of /proc/<pid>/stat: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

export class ServerProcess {
  private child: ChildProcess | null = null;
  private readonly output: string[] = [];
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Spawns the process and resolves once `ready()` answers true (bounded by `timeoutMs`). */
  async start(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    if (this.child !== null) throw new Error(`${this.spec.name} is already running`);
    const child = spawn(this.spec.command, [...this.spec.args], {
      cwd: this.spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.spec.env },
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => {
      this.child = null;
      resolve();
    }));
    const into = { lines: this.output, prefix: this.spec.name, max: LOG_LINES_KEPT };
    captureLines(child.stdout, into);
    captureLines(child.stderr, into);
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.child === null) throw new Error(`${this.spec.name} exited during start\n${this.tail()}`);
      if (await ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
    }
    throw new Error(`${this.spec.name} was not ready after ${timeoutMs} ms\n${this.tail()}`);
  }

  /** Signals the process and waits for it to exit (SIGKILL after a bound). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident set size in MiB (VmRSS), NaN when not running. */
  rssMiB(): number {
    if (this.child?.pid === undefined) return NaN;
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]) / 1024;
  }

  /** CPU time used so far (user + system), seconds; NaN when not running. */
  cpuSeconds(): number {
    if (this.child?.pid === undefined) return NaN;
    // Fields after the command name (which may contain spaces): utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  }

  tail(lines = 40): string {
    return this.output.slice(-lines).join('\n');
  }
}
